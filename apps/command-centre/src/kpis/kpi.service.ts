import { Inject, Injectable } from '@nestjs/common';
import { DomainError, Rpc, type KpiQuery, type KpiReport, type KpiRow } from '@gm/contracts';
import { assess, emptyKpiCounters, kpiFigures, OrgUnitCode, sumKpiCounters, type KpiCounters } from '@gm/domain';
import { RpcClient } from '@gm/messaging';
import { JsonLogger } from '@gm/telemetry';
import { CatalogueProvider, SERVICE_CONFIG } from '@gm/platform';
import type { AppConfig } from '../config/config';
import { dayIn } from '../cases/case-fold';
import { AssessmentSchemeProvider } from './assessment-scheme.provider';
import { CODE_LENGTH, KpiRepository } from './kpi.repository';

const DAY_MS = 86_400_000;
const BELOW = { district: 'street', street: 'community', community: 'grid', grid: 'grid' } as const;

/**
 * The KPIs and grades of a period (考核评价): the daily counters of the caller's subtree summed per
 * unit, person or department, the indicators (libs/domain `kpiFigures`) and the assessment under
 * the tier's scheme (`assess`). Units of the level are all listed, those without any figures as
 * not assessable.
 */
@Injectable()
export class KpiService {
  private readonly today: (at: Date) => string;

  constructor(
    private readonly kpis: KpiRepository,
    private readonly schemes: AssessmentSchemeProvider,
    private readonly catalogue: CatalogueProvider,
    private readonly rpc: RpcClient,
    private readonly logger: JsonLogger,
    @Inject(SERVICE_CONFIG) config: AppConfig,
  ) {
    this.today = dayIn(config.own.KPI_TIME_ZONE);
  }

  async report(scope: string, q: KpiQuery, now = new Date()): Promise<KpiReport> {
    const to = q.to ?? this.today(now);
    const from = q.from ?? `${to.slice(0, 8)}01`;
    const periodDays = Math.round((Date.parse(to) - Date.parse(from)) / DAY_MS) + 1;
    const level = q.kind === 'unit' ? (q.level ?? BELOW[OrgUnitCode.parse(scope).level]) : null;
    if (level && CODE_LENGTH[level] < scope.length) throw DomainError.validation([{ field: 'level', message: `${level}s are not inside ${scope}: choose a level below it` }]);
    const [{ version, scheme }, sums, names, includes] = await Promise.all([
      this.schemes.current(),
      this.kpis.sums(q.kind, scope, from, to, level ?? undefined),
      this.names(q.kind, scope, level),
      this.kpis.sources(scope),
    ]);
    const bySubject = new Map(sums.map((s) => [s.subject, s]));
    const subjects = new Set([...bySubject.keys(), ...(q.kind === 'unit' ? names.keys() : [])]);
    const rows: KpiRow[] = [...subjects].map((subject) => {
      const s = bySubject.get(subject);
      const counters = s?.counters ?? emptyKpiCounters();
      const figures = kpiFigures(counters);
      const a = assess(figures, scheme, q.kind, { periodDays });
      const name = names.get(subject) ?? (s?.username ? { zh: s.username, en: s.username } : null);
      return {
        subject,
        name,
        counters,
        figures,
        assessment: {
          index: a.index,
          grade: a.grade,
          scores: a.scores.map((x) => ({ indicator: x.indicator, weight: x.weight, share: x.share, score: x.score })),
          vetoes: a.vetoes.map((v) => ({ code: v.code, nameZh: v.nameZh, nameEn: v.nameEn, indicator: v.indicator, value: v.value })),
        },
      };
    });
    rows.sort((a, b) => (b.assessment.index ?? -1) - (a.assessment.index ?? -1) || a.subject.localeCompare(b.subject));
    const unitSums = q.kind === 'unit' ? sums : await this.kpis.sums('unit', scope, from, to, 'grid');
    const total: KpiCounters = sumKpiCounters(unitSums.map((s) => s.counters));
    return { unit: scope, kind: q.kind, level, from, to, periodDays, schemeVersion: version, rows, includes, total: { counters: total, figures: kpiFigures(total) }, at: now.toISOString() };
  }

  /** Names of the subjects: the org units of the level in the subtree, or the catalogue's departments. */
  private async names(kind: KpiQuery['kind'], scope: string, level: keyof typeof CODE_LENGTH | null): Promise<Map<string, { zh: string; en: string }>> {
    if (kind === 'department') {
      const catalogue = await this.catalogue.current();
      return new Map(catalogue.listDepartments().map((d) => [d.code, { zh: d.zh, en: d.en }]));
    }
    if (kind !== 'unit' || !level) return new Map();
    try {
      const { units } = await this.rpc.request(Rpc.orgUnits, { under: scope, level }, { timeoutMs: 3_000 });
      return new Map(units.map((u) => [u.code, { zh: u.name, en: u.name }]));
    } catch (err) {
      this.logger.event('debug', 'kpi.org_units_unavailable', { error: err instanceof Error ? err.message : String(err) }, 'KpiService');
      return new Map();
    }
  }
}
