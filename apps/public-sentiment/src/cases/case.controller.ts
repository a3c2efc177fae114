import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { Body, Controller, Get, Headers as Header, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import { ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import {
  CASE_STATES,
  Headers,
  TRAFFIC_LIGHTS,
  URGENCIES,
  caseActionBodySchema,
  caseActionSchema,
  caseDuplicatesSchema,
  casePageSchema,
  caseStatsSchema,
  caseTimelineSchema,
  caseViewSchema,
  deskReportResultSchema,
  reportCaseBodySchema,
  validate,
  type CaseActionBody,
  type CaseDuplicates,
  type CasePage,
  type CaseStats,
  type CaseTimeline,
  type CaseView,
  type DeskReportResult,
  type Principal,
  type ReportCaseBody,
  type Role,
} from '@gm/contracts';
import { CurrentPrincipal, RequestScope, Roles, ScopedBy } from '@gm/auth';
import { departmentLimit } from '@gm/domain';
import { ApiErrorResponses, ApiJsonResponse } from '@gm/platform';
import { CASE_SORTS, type CaseFilter } from './case-list.query';
import { CaseQueryService } from './case-query.service';
import { CaseService } from './case.service';
import { CaseWorkflowService } from './case-workflow.service';
import { duplicateView } from './case-view';

const idempotencyKeySchema = z.string().regex(/^[A-Za-z0-9_-]{8,64}$/, 'Idempotency-Key must be 8–64 letters, digits, "-" or "_"');
const READERS: Role[] = ['grid-worker', 'grid-leader', 'community-staff', 'street-staff', 'district-staff', 'department', 'admin', 'auditor'];
const caseId = z.uuid('id must be a UUID');

const listQuery = z
  .object({
    unit: z.string().optional(),
    state: z
      .string()
      .transform((v) => v.split(',').map((s) => s.trim()).filter(Boolean))
      .pipe(z.array(z.enum(CASE_STATES, `state must be one or more of: ${CASE_STATES.join(', ')}`)).max(CASE_STATES.length))
      .optional(),
    category: z.string().regex(/^(?:BJ|SJ)\d{2}(?:\d{2})?$/, 'category is a code (SJ0101) or a major class (SJ01)').optional(),
    urgency: z.enum(URGENCIES).optional(),
    light: z.enum(TRAFFIC_LIGHTS).optional(),
    escalationDue: z.enum(['true', 'false']).transform((v) => v === 'true').optional(),
    urged: z.enum(['true', 'false'], 'urged must be true or false').transform((v) => v === 'true').optional(),
    reporter: z.literal('me', 'reporter may only be "me": the cases you reported').optional().describe('"me": only the cases you reported (a grid worker\'s 我的案件)'),
    from: z.iso.datetime({ offset: true, message: 'from must be an ISO 8601 date-time with offset' }).transform((v) => new Date(v)).optional(),
    to: z.iso.datetime({ offset: true, message: 'to must be an ISO 8601 date-time with offset' }).transform((v) => new Date(v)).optional(),
    sort: z.enum(CASE_SORTS).default('reported_desc'),
    cursor: z.string().max(500).optional(),
    limit: z.coerce.number().int().min(1, 'limit must be 1–200').max(200, 'limit must be 1–200').default(50),
  })
  .strict()
  .refine((q) => !q.from || !q.to || q.from < q.to, { path: ['to'], message: 'to must be after from' });
type ListQuery = z.infer<typeof listQuery>;

const filterOf = (scope: string, q: ListQuery, principal: Principal): CaseFilter => ({
  scope,
  // A department user lists its own department's cases only (none without a department in its token).
  ...(departmentLimit(principal) && { assignee: { kind: 'department', code: departmentLimit(principal)!.department ?? '' } }),
  reporter: q.reporter === 'me' ? principal.subject : undefined,
  states: q.state,
  category: q.category,
  urgency: q.urgency,
  light: q.light,
  from: q.from,
  to: q.to,
  escalationDue: q.escalationDue,
  urged: q.urged,
});

const UNIT_QUERY = { name: 'unit', required: false, description: 'Org unit (default: yours); must lie in your subtree' } as const;

@ApiTags('cases 案件')
@Controller('api/v1/cases')
export class CaseController {
  constructor(
    private readonly cases: CaseService,
    private readonly workflow: CaseWorkflowService,
    private readonly queries: CaseQueryService,
  ) {}

  @Post()
  @HttpCode(201)
  @Roles('community-staff', 'street-staff', 'district-staff')
  @ApiOperation({ summary: '窗口登记案件 Register a case at a staff desk (phone call, walk-in)' })
  @ApiJsonResponse(201, 'Stored in state "reported" (or the earlier answer for the same key), with possibleDuplicates: open cases of the same category nearby', deskReportResultSchema)
  @ApiErrorResponses({ 400: 'The report or the Idempotency-Key is invalid', 409: 'The same key was used for a different report' })
  async register(
    @Body({ schema: reportCaseBodySchema }) body: ReportCaseBody,
    @Header('idempotency-key') idempotencyKey: string | undefined,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<DeskReportResult> {
    const key = idempotencyKey ? validate(idempotencyKeySchema, idempotencyKey, 'Idempotency-Key') : (body.clientId ?? randomUUID());
    const outcome = await this.cases.report(principal, body, 'desk', key);
    if (outcome.replayed) void reply.header(Headers.idempotentReplayed, 'true');
    const { replayed: _r, ...result } = outcome;
    // Suggested at intake, so that the desk can merge a duplicate at once (advisory: the case is stored either way).
    const possibleDuplicates = (await this.queries.duplicates(principal, result.caseId)).map(duplicateView);
    return { ...result, possibleDuplicates };
  }

  @Get()
  @Roles(...READERS)
  @ScopedBy({ in: 'query', name: 'unit' })
  @ApiQuery(UNIT_QUERY)
  @ApiOperation({
    summary: '案件列表 Cases in your org unit: by state, category, urgency, light, time; sorted; cursor pages',
    description: 'sort: reported_desc (default), reported_asc, deadline_asc, priority (emergencies first, then the nearest deadline). Pass nextCursor back as cursor.',
  })
  @ApiJsonResponse(200, 'One page of cases', casePageSchema)
  @ApiErrorResponses({ 400: 'A filter or the cursor is invalid', 403: 'The unit lies outside yours' })
  list(@RequestScope() scope: string, @Query({ schema: listQuery }) q: ListQuery, @CurrentPrincipal() principal: Principal): Promise<CasePage> {
    return this.queries.list(filterOf(scope, q, principal), q.sort, q.limit, q.cursor);
  }

  @Get('stats')
  @Roles(...READERS)
  @ScopedBy({ in: 'query', name: 'unit' })
  @ApiQuery(UNIT_QUERY)
  @ApiOperation({ summary: '案件统计 Counts per state, light, urgency and category (same filters as the list)' })
  @ApiJsonResponse(200, 'Counts of the filtered cases', caseStatsSchema)
  stats(@RequestScope() scope: string, @Query({ schema: listQuery }) q: ListQuery, @CurrentPrincipal() principal: Principal): Promise<CaseStats> {
    return this.queries.counts(filterOf(scope, q, principal));
  }

  @Get('export.csv')
  @Roles('community-staff', 'street-staff', 'district-staff', 'admin', 'auditor')
  @ScopedBy({ in: 'query', name: 'unit' })
  @ApiQuery(UNIT_QUERY)
  @ApiOperation({ summary: '导出 CSV Export the filtered list as CSV (UTF-8 with BOM, at most 100,000 rows)' })
  export(@RequestScope() scope: string, @Query({ schema: listQuery }) q: ListQuery, @CurrentPrincipal() principal: Principal, @Res() reply: FastifyReply) {
    const stamp = new Date().toISOString().slice(0, 10).replace(/-/g, '');
    return reply
      .header('content-type', 'text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="cases-${scope}-${stamp}.csv"`)
      .send(Readable.from(this.queries.exportCsv(filterOf(scope, q, principal), q.sort)));
  }

  @Get(':id')
  @Roles(...READERS)
  @ApiOperation({ summary: '查看案件 A case within your org unit, with its light and the actions you may take' })
  @ApiJsonResponse(200, 'The case', caseViewSchema)
  @ApiErrorResponses({ 404: 'No such case in your org unit' })
  get(@Param('id', { schema: caseId }) id: string, @CurrentPrincipal() principal: Principal): Promise<CaseView> {
    return this.cases.get(principal, id);
  }

  @Get(':id/timeline')
  @Roles(...READERS)
  @ApiOperation({ summary: '处置过程 Every step of a case: who, in which role, when, where, note and attachments' })
  @ApiJsonResponse(200, 'The steps, oldest first', caseTimelineSchema)
  @ApiErrorResponses({ 404: 'No such case in your org unit' })
  timeline(@Param('id', { schema: caseId }) id: string, @CurrentPrincipal() principal: Principal): Promise<CaseTimeline> {
    return this.queries.timeline(principal, id);
  }

  @Get(':id/duplicates')
  @Roles('community-staff', 'street-staff', 'district-staff')
  @ApiOperation({ summary: '疑似重复 Open cases of the same category nearby, reported within the duplicate window' })
  @ApiJsonResponse(200, 'The nearest first, at most 10', caseDuplicatesSchema)
  @ApiErrorResponses({ 404: 'No such case in your org unit' })
  async duplicates(@Param('id', { schema: caseId }) id: string, @CurrentPrincipal() principal: Principal): Promise<CaseDuplicates> {
    return { items: (await this.queries.duplicates(principal, id)).map(duplicateView) };
  }

  @Post(':id/actions/:action')
  @HttpCode(200)
  @Roles(...READERS)
  @ApiOperation({
    summary: '案件流转 Do one workflow action: accept, reject, register, dispatch, start, handle, return, verify, close, hold, resume, void, merge, reopen, urge, request/approve/deny_extension, rate',
    description: 'The state, your role and the inputs each action needs are checked; 409 when the state does not allow it.',
  })
  @ApiJsonResponse(200, 'The case after the action, with the actions you may take next', caseViewSchema)
  @ApiErrorResponses({
    400: 'The body lacks what the action needs, or a value is invalid',
    403: 'Your role may not take this action',
    404: 'No such case in your org unit',
    409: 'The state of the case does not allow the action (or another tier owns it)',
  })
  act(
    @Param('id', { schema: caseId }) id: string,
    @Param('action', { schema: caseActionSchema }) action: z.infer<typeof caseActionSchema>,
    @Body({ schema: caseActionBodySchema }) body: CaseActionBody,
    @CurrentPrincipal() principal: Principal,
  ): Promise<CaseView> {
    return this.workflow.act(principal, id, action, body);
  }
}
