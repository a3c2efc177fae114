import { Controller, Inject, type Type } from '@nestjs/common';
import { MessagePattern } from '@nestjs/microservices';
import { serviceInfoRpc, type ServiceInfo, type ServiceName } from '@gm/contracts';
import { Public } from '@gm/auth';
import { SERVICE_CONFIG } from '../tokens';
import type { ServiceConfig } from '../config/service-config';

/** `gm.rpc.<service>.info.v1`: who answers here (name, version, tier). The pattern depends on the service, hence the factory. */
export function serviceInfoController(service: ServiceName): Type<unknown> {
  const startedAt = new Date().toISOString();

  @Public()
  @Controller()
  class ServiceInfoController {
    constructor(@Inject(SERVICE_CONFIG) private readonly config: ServiceConfig) {}

    @MessagePattern(serviceInfoRpc(service).pattern)
    info(): ServiceInfo {
      return { service, version: this.config.version, tier: this.config.tier, namespace: this.config.namespace, startedAt };
    }
  }
  return ServiceInfoController;
}
