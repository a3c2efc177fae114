import { Controller, Get, Inject, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Public } from '@gm/auth';
import { HealthRegistry } from '@gm/telemetry';
import { SERVICE_CONFIG } from '../tokens';
import type { ServiceConfig } from '../config/service-config';

@ApiTags('health')
@Public()
@Controller()
export class HealthController {
  private readonly startedAt = Date.now();

  constructor(
    private readonly health: HealthRegistry,
    @Inject(SERVICE_CONFIG) private readonly config: ServiceConfig,
  ) {}

  @Get('healthz')
  @ApiOperation({ summary: '存活检查 Liveness: the process answers' })
  alive() {
    return { status: 'ok', service: this.config.service, tier: this.config.tier, uptimeSec: Math.round((Date.now() - this.startedAt) / 1000) };
  }

  @Get('readyz')
  @ApiOperation({ summary: '就绪检查 Readiness: 200 only while the database and NATS really answer, else 503' })
  async ready(@Res({ passthrough: true }) reply: FastifyReply) {
    const result = await this.health.check();
    void reply.status(result.ready ? 200 : 503);
    return { status: result.ready ? 'ready' : 'not_ready', service: this.config.service, checks: result.checks };
  }
}
