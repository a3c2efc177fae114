import { Body, Controller, Post, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Headers, queuedReportSchema, reportCaseBodySchema, reportCaseResultSchema, type Principal, type QueuedReport, type ReportCaseBody, type ReportCaseResult } from '@gm/contracts';
import { BearerHeader, CurrentPrincipal, Roles } from '@gm/auth';
import { ApiErrorResponses, ApiJsonResponse } from '@gm/platform';
import { ReportService } from './report.service';

@ApiTags('reports 上报')
@Controller('api/v1/reports')
export class ReportController {
  constructor(private readonly reports: ReportService) {}

  @Post()
  @Roles('grid-worker', 'grid-leader')
  @ApiOperation({
    summary: '网格员上报问题 Report a problem from a handheld',
    description:
      'Send `clientId` (a UUID made on the device) so that a retry never makes a second case: the same clientId returns the first answer. ' +
      '201: stored as a case. 202: accepted and queued because the case service is unreachable; it is submitted automatically, and sending the report again with the same clientId returns its case once it exists.',
  })
  @ApiJsonResponse(201, 'Stored as a case (or the earlier answer for the same clientId)', reportCaseResultSchema)
  @ApiJsonResponse(202, 'Queued on the gateway (store-and-forward)', queuedReportSchema)
  @ApiErrorResponses({ 400: 'The report is invalid, or names evidence that is not yours or not uploaded', 409: 'The same clientId was used for a different report' })
  async report(
    @Body({ schema: reportCaseBodySchema }) body: ReportCaseBody,
    @CurrentPrincipal() principal: Principal,
    @BearerHeader() authorization: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ReportCaseResult | QueuedReport> {
    const outcome = await this.reports.submit(principal, authorization, body);
    if (outcome.kind === 'queued') {
      void reply.status(202);
      return outcome.receipt;
    }
    void reply.status(201);
    if (outcome.replayed) void reply.header(Headers.idempotentReplayed, 'true');
    return outcome.result;
  }
}
