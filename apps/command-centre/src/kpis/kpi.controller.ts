import { Controller, Get, Query, Res } from '@nestjs/common';
import { ApiOperation, ApiProduces, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { KPI_INDICATORS, kpiQuerySchema, kpiReportSchema, type KpiQuery, type KpiReport } from '@gm/contracts';
import { RequestScope, Roles, ScopedBy } from '@gm/auth';
import { ApiErrorResponses, ApiJsonResponse } from '@gm/platform';
import { KpiService } from './kpi.service';

const READERS = ['grid-leader', 'community-staff', 'street-staff', 'district-staff', 'admin', 'auditor'] as const;
const UNIT_QUERY = { name: 'unit', required: false, description: 'Org unit (default: yours); must lie in your subtree' } as const;

@ApiTags('kpis 考核评价')
@Controller('api/v1/kpis')
export class KpiController {
  constructor(private readonly kpis: KpiService) {}

  @Get()
  @Roles(...READERS)
  @ScopedBy({ in: 'query', name: 'unit' })
  @ApiQuery(UNIT_QUERY)
  @ApiOperation({
    summary: '考核评价 KPIs and grades of a period per unit, person or department of your subtree',
    description: 'Counters summed over the local days [from, to] (default: this month), the indicators (上报数, 立案数, 结案率, 按期结案率, 按时派遣率, 返工率, 超期数, 督办数, 满意度, …) and the comprehensive index and grade under the tier\'s assessment scheme.',
  })
  @ApiErrorResponses({ 400: 'A period, kind or level that is not valid, named', 403: 'The unit lies outside yours' })
  @ApiJsonResponse(200, 'Highest index first', kpiReportSchema)
  report(@RequestScope() scope: string, @Query({ schema: kpiQuerySchema }) q: KpiQuery): Promise<KpiReport> {
    return this.kpis.report(scope, q);
  }

  @Get('export.csv')
  @Roles(...READERS)
  @ScopedBy({ in: 'query', name: 'unit' })
  @ApiQuery(UNIT_QUERY)
  @ApiProduces('text/csv')
  @ApiOperation({ summary: '导出 CSV The same report as CSV (UTF-8 with BOM): one row per subject, its indicators, index and grade' })
  async export(@RequestScope() scope: string, @Query({ schema: kpiQuerySchema }) q: KpiQuery, @Res() reply: FastifyReply): Promise<void> {
    const r = await this.kpis.report(scope, q);
    const head = ['subject', 'name', ...KPI_INDICATORS, 'index', 'grade', 'vetoes'];
    const lines = r.rows.map((row) => [
      row.subject,
      row.name?.zh ?? '',
      ...KPI_INDICATORS.map((k) => (row.figures[k] === null ? '' : String(Math.round(row.figures[k]! * 10_000) / 10_000))),
      row.assessment.index === null ? '' : row.assessment.index.toFixed(2),
      row.assessment.grade ?? '',
      row.assessment.vetoes.map((v) => v.code).join(' '),
    ]);
    const csv = [head, ...lines].map((l) => l.map(csvField).join(',')).join('\r\n');
    await reply
      .header('content-type', 'text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="kpis-${r.unit}-${r.kind}-${r.from}-${r.to}.csv"`)
      .send(`\ufeff${csv}\r\n`);
  }
}

/** A CSV field, quoted when it must be; a leading =, +, - or @ is neutralised (spreadsheet formula injection). */
function csvField(v: string): string {
  const safe = /^[=+\-@]/.test(v) && Number.isNaN(Number(v)) ? `'${v}` : v;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}
