import { Module } from '@nestjs/common';
import { PendingReportRepository } from './pending-report.repository';
import { ReportController } from './report.controller';
import { ReportForwarder } from './report-forwarder.service';
import { ReportService } from './report.service';

@Module({
  controllers: [ReportController],
  providers: [ReportService, ReportForwarder, PendingReportRepository],
})
export class ReportModule {}
