import { Body, Controller, Post, Res } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { Headers, reportCaseBodySchema, reportCaseResultSchema, type Principal, type ReportCaseBody } from '@gm/contracts';
import { BearerHeader, CurrentPrincipal, Roles } from '@gm/auth';
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
  @ApiResponse({ status: 201, description: 'Stored as a case', schema: z.toJSONSchema(reportCaseResultSchema) as object })
  @ApiResponse({ status: 202, description: 'Queued on the gateway (store-and-forward)' })
  async report(
    @Body({ schema: reportCaseBodySchema }) body: ReportCaseBody,
    @CurrentPrincipal() principal: Principal,
    @BearerHeader() authorization: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
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
