import { Module, type DynamicModule } from '@nestjs/common';
import { AuthModule } from '@gm/auth';
import { MessagingModule, type MessagingModuleOptions } from '@gm/messaging';
import { HealthRegistry, JsonLogger, ServiceMetrics } from '@gm/telemetry';
import { HealthController } from './health/health.controller';
import { MetricsController } from './health/metrics.controller';
import { serviceInfoController } from './health/service-info.controller';
import { SERVICE_CONFIG } from './tokens';
import type { ServiceConfig } from './config/service-config';

export interface PlatformModuleOptions {
  readonly config: ServiceConfig;
  readonly logger: JsonLogger;
  /** Outbox relay set-up for services that publish events. */
  readonly outbox?: MessagingModuleOptions['outbox'];
}

/**
 * What every service has: its config, logger and health registry, token verification with the
 * org-unit guard, NATS/JetStream messaging, `/healthz`, `/readyz` and the info RPC.
 */
@Module({})
export class PlatformModule {
  static forRoot(opts: PlatformModuleOptions): DynamicModule {
    const { config } = opts;
    return {
      module: PlatformModule,
      global: true,
      imports: [
        AuthModule.forRoot(config.oidc),
        MessagingModule.forRoot({
          servers: config.nats.servers,
          namespace: config.namespace,
          tier: config.tier,
          service: config.service,
          jetstreamDomain: config.nats.jetstreamDomain,
          ...(opts.outbox && { outbox: opts.outbox }),
        }),
      ],
      controllers: [HealthController, MetricsController, serviceInfoController(config.service)],
      providers: [
        { provide: SERVICE_CONFIG, useValue: config },
        { provide: JsonLogger, useValue: opts.logger },
        { provide: HealthRegistry, useValue: new HealthRegistry() },
        { provide: ServiceMetrics, useValue: new ServiceMetrics({ service: config.service, tier: config.tier, version: config.version }) },
      ],
      exports: [SERVICE_CONFIG, JsonLogger, HealthRegistry, ServiceMetrics],
    };
  }
}
