import { Module, type DynamicModule } from '@nestjs/common';
import { Streams } from '@gm/contracts';
import { serviceModule } from '@gm/platform';
import type { JsonLogger } from '@gm/telemetry';
import type { AppConfig } from './config/config';
import { databaseOptions } from './database';
import { HandheldModule } from './handheld/handheld.module';
import { HandoverModule } from './handovers/handover.module';
import { AttachmentModule } from './attachments/attachment.module';
import { PositionModule } from './positions/position.module';
import { ReportModule } from './reports/report.module';
import { PatrolModule } from './patrols/patrol.module';
import { SyncModule } from './sync/sync.module';
import { TaskModule } from './tasks/task.module';
import { VisitModule } from './visits/visit.module';

@Module({})
export class AppModule {
  static forRoot(config: AppConfig, logger: JsonLogger): DynamicModule {
    return serviceModule(AppModule, {
      config,
      logger,
      database: databaseOptions(config),
      outbox: { streams: [Streams.workerEvents] },
      features: [AttachmentModule, ReportModule, PositionModule, PatrolModule, VisitModule, TaskModule, HandoverModule, SyncModule, HandheldModule],
    });
  }
}
