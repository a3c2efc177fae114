import { Module } from '@nestjs/common';
import { PatrolModule } from '../patrols/patrol.module';
import { VisitModule } from '../visits/visit.module';
import { PositionModule } from '../positions/position.module';
import { ReportModule } from '../reports/report.module';
import { SyncController } from './sync.controller';
import { SyncService } from './sync.service';

@Module({ imports: [ReportModule, PositionModule, PatrolModule, VisitModule], controllers: [SyncController], providers: [SyncService] })
export class SyncModule {}
