import { Controller, Get, Header } from '@nestjs/common';
import { ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { Public } from '@gm/auth';
import { PROMETHEUS_CONTENT_TYPE, ServiceMetrics } from '@gm/telemetry';

/**
 * `GET /metrics` for Prometheus. Unauthenticated like /healthz: on Kubernetes the tier's
 * NetworkPolicy lets only the monitoring namespace reach it from outside the tier.
 */
@ApiTags('health')
@Public()
@Controller()
export class MetricsController {
  constructor(private readonly metrics: ServiceMetrics) {}

  @Get('metrics')
  @Header('content-type', PROMETHEUS_CONTENT_TYPE)
  @Header('cache-control', 'no-store')
  @ApiProduces('text/plain')
  @ApiOperation({ summary: '监控指标 Metrics in the Prometheus text format: HTTP, NATS consumers, outbox, federation, scheduler, database pool, imports' })
  scrape(): Promise<string> {
    return this.metrics.scrape();
  }
}
