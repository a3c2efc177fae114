import { Controller, Get, Header, Inject, Query } from '@nestjs/common';
import { ApiOperation, ApiProduces, ApiQuery, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { caseMapQuerySchema, caseMapSchema, caseOverviewSchema, orgUnitCodeSchema, type CaseMapQuery, type CaseOverview, type Role } from '@gm/contracts';
import { RequestScope, Roles, ScopedBy } from '@gm/auth';
import { ApiErrorResponses, ApiJsonResponse, SERVICE_CONFIG } from '@gm/platform';
import type { AppConfig } from '../config/config';
import { CaseReadModelRepository } from './case-read-model.repository';

export const MONITORS: Role[] = ['grid-worker', 'grid-leader', 'community-staff', 'street-staff', 'district-staff', 'admin', 'auditor'];
const DAY = 24 * 3_600_000;

const overviewQuery = z
  .object({
    unit: orgUnitCodeSchema.optional(),
    from: z.iso.datetime({ offset: true, message: 'from must be an ISO 8601 date-time with offset' }).transform((v) => new Date(v)).optional(),
    to: z.iso.datetime({ offset: true, message: 'to must be an ISO 8601 date-time with offset' }).transform((v) => new Date(v)).optional(),
  })
  .strict()
  .refine((q) => !q.from || !q.to || q.from < q.to, { path: ['to'], message: 'to must be after from' })
  .refine((q) => !q.from || !q.to || q.to.getTime() - q.from.getTime() <= 400 * DAY, { path: ['to'], message: 'the period may be at most 400 days' });

const UNIT_QUERY = { name: 'unit', required: false, description: 'Org unit (default: yours); must lie in your subtree' } as const;

@ApiTags('map 一张图')
@Controller('api/v1')
export class CaseMapController {
  constructor(
    private readonly cases: CaseReadModelRepository,
    @Inject(SERVICE_CONFIG) private readonly config: AppConfig,
  ) {}

  @Get('map/cases')
  @Roles(...MONITORS)
  @ScopedBy({ in: 'query', name: 'unit' })
  @ApiQuery(UNIT_QUERY)
  @Header('content-type', 'application/geo+json; charset=utf-8')
  @Header('cache-control', 'no-store')
  @ApiOperation({
    summary: '地图案件 Cases of your subtree on the map (GeoJSON points), with each open case\'s light now',
    description: 'Open cases by default (`open=false`: every case this tier holds). Filters: bbox, category (code or major class), light, urgency, state, from/to (reported). At most 20,000 features, newest first (`truncated` says when more matched).',
  })
  @ApiProduces('application/geo+json')
  @ApiJsonResponse(200, 'A FeatureCollection', caseMapSchema)
  @ApiErrorResponses({ 400: 'A filter that is not valid, named', 403: 'The unit lies outside yours' })
  map(@RequestScope() scope: string, @Query({ schema: caseMapQuerySchema }) q: CaseMapQuery): Promise<string> {
    return this.cases.map(scope, q);
  }

  @Get('overview')
  @Roles(...MONITORS)
  @ScopedBy({ in: 'query', name: 'unit' })
  @ApiQuery(UNIT_QUERY)
  @ApiOperation({ summary: '运行概况 Counts for the boards: by day (reported, closed), state, light, category and grid (default: the last 30 days)' })
  @ApiJsonResponse(200, 'Counts', caseOverviewSchema)
  @ApiErrorResponses({ 400: 'A period that is not valid, named', 403: 'The unit lies outside yours' })
  async overview(@RequestScope() scope: string, @Query({ schema: overviewQuery }) q: z.infer<typeof overviewQuery>): Promise<CaseOverview> {
    const to = q.to ?? new Date();
    const from = q.from ?? new Date(to.getTime() - 30 * DAY);
    const counts = await this.cases.overview(scope, from, to, this.config.own.KPI_TIME_ZONE);
    return { unit: scope, from: from.toISOString(), to: to.toISOString(), ...counts };
  }
}
