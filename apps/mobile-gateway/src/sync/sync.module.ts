import { Module } from '@nestjs/common';
import { PositionModule } from '../positions/position.module';
import { ReportModule } from '../reports/report.module';
import { SyncController } from './sync.controller';
import { SyncService } from './sync.service';

@Module({ imports: [ReportModule, PositionModule], controllers: [SyncController], providers: [SyncService] })
export class SyncModule {}
