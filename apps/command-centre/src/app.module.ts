import { Module, type DynamicModule } from '@nestjs/common';
import { serviceModule } from '@gm/platform';
import type { JsonLogger } from '@gm/telemetry';
import type { AppConfig } from './config/config';
import { databaseOptions } from './database';
import { CaseModule } from './cases/case.module';
import { ConsoleModule } from './console/console.module';
import { DispatchModule } from './dispatch/dispatch.module';
import { KpiModule } from './kpis/kpi.module';
import { LiveModule } from './live/live.module';
import { WorkerModule } from './workers/worker.module';

@Module({})
export class AppModule {
  static forRoot(config: AppConfig, logger: JsonLogger): DynamicModule {
    return serviceModule(AppModule, {
      config,
      logger,
      database: databaseOptions(config),
      // KPI increments up to the parent tier (UPLINK is provisioned by the federation's apply).
      outbox: { streams: [] },
      features: [LiveModule, CaseModule, WorkerModule, DispatchModule, KpiModule, ConsoleModule],
    });
  }
}
