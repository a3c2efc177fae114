import { randomUUID } from 'node:crypto';
import { Body, Controller, Get, Headers as Header, HttpCode, Param, Post, Res } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { Headers, reportCaseBodySchema, reportCaseResultSchema, validate, type Principal, type ReportCaseBody } from '@gm/contracts';
import { CurrentPrincipal, Roles } from '@gm/auth';
import { CaseService } from './case.service';

const idempotencyKeySchema = z.string().regex(/^[A-Za-z0-9_-]{8,64}$/, 'Idempotency-Key must be 8–64 letters, digits, "-" or "_"');

@ApiTags('cases 案件')
@Controller('api/v1/cases')
export class CaseController {
  constructor(private readonly cases: CaseService) {}

  @Post()
  @HttpCode(201)
  @Roles('community-staff', 'street-staff', 'district-staff')
  @ApiOperation({ summary: '窗口登记案件 Register a case at a staff desk (phone call, walk-in)' })
  @ApiResponse({ status: 201, description: 'Stored in state "reported" (or the earlier answer for the same key)', schema: z.toJSONSchema(reportCaseResultSchema) as object })
  async register(
    @Body({ schema: reportCaseBodySchema }) body: ReportCaseBody,
    @Header('idempotency-key') idempotencyKey: string | undefined,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const key = idempotencyKey ? validate(idempotencyKeySchema, idempotencyKey, 'Idempotency-Key') : (body.clientId ?? randomUUID());
    const outcome = await this.cases.report(principal, body, 'desk', key);
    if (outcome.replayed) void reply.header(Headers.idempotentReplayed, 'true');
    const { replayed: _r, ...result } = outcome;
    return result;
  }

  @Get(':id')
  @Roles('grid-worker', 'grid-leader', 'community-staff', 'street-staff', 'district-staff', 'department', 'admin', 'auditor')
  @ApiOperation({ summary: '查看案件 A case within your org unit' })
  get(@Param('id', { schema: z.uuid('id must be a UUID') }) id: string, @CurrentPrincipal() principal: Principal) {
    return this.cases.get(principal, id);
  }
}
