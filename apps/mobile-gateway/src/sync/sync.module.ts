import { Module } from '@nestjs/common';
import { AttachmentModule } from '../attachments/attachment.module';
import { PatrolModule } from '../patrols/patrol.module';
import { VisitModule } from '../visits/visit.module';
import { PositionModule } from '../positions/position.module';
import { ReportModule } from '../reports/report.module';
import { HandoverModule } from '../handovers/handover.module';
import { SyncController } from './sync.controller';
import { SyncService } from './sync.service';

@Module({ imports: [AttachmentModule, ReportModule, PositionModule, PatrolModule, VisitModule, HandoverModule], controllers: [SyncController], providers: [SyncService] })
export class SyncModule {}
