import { Module } from '@nestjs/common';
import { AttachmentModule } from '../attachments/attachment.module';
import { HandoverModule } from '../handovers/handover.module';
import { PendingReportRepository } from './pending-report.repository';
import { ReportController } from './report.controller';
import { ReportForwarder } from './report-forwarder.service';
import { ReportService } from './report.service';

@Module({
  imports: [AttachmentModule, HandoverModule],
  controllers: [ReportController],
  providers: [ReportService, ReportForwarder, PendingReportRepository],
  exports: [ReportService],
})
export class ReportModule {}
