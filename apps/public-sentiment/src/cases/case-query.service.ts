import { Injectable } from '@nestjs/common';
import { MikroORM } from '@mikro-orm/postgresql';
import { DomainError, type CasePage, type CaseStats, type CaseTimeline, type CoveredWorker, type Principal } from '@gm/contracts';
import { inSameCommunity } from '@gm/domain';
import { CaseListQuery, type CaseFilter, type CaseSort, type DuplicateCandidate } from './case-list.query';
import { CaseService } from './case.service';
import { CaseRepository } from './case.repository';
import { CaseRulesProvider } from '../rules/case-rules.provider';
import { listItemView, timelineEntryView, type CaseListItem } from './case-view';

/** Most rows one CSV export may hold; narrow the filters for more. */
export const EXPORT_MAX_ROWS = 100_000;

const CSV_COLUMNS: readonly [string, (r: CaseListItem) => unknown][] = [
  ['案件编号 case_no', (r) => r.caseNo],
  ['状态 state', (r) => r.state],
  ['类别 category', (r) => r.categoryCode],
  ['紧急程度 urgency', (r) => r.urgency],
  ['分类处置 triage', (r) => r.triage],
  ['网格 grid', (r) => r.gridCode],
  ['上报时间 reported_at', (r) => r.reportedAt],
  ['当前环节 step', (r) => r.step],
  ['时限 deadline_at', (r) => r.deadlineAt],
  ['亮灯 light', (r) => r.light],
  ['返工次数 rework', (r) => r.reworkCount],
  ['督办次数 urged', (r) => r.urgeCount],
  ['满意度 rating', (r) => r.rating],
  ['结案时间 closed_at', (r) => r.closedAt],
  ['地址 address', (r) => r.address],
];

/** Lists, counts, exports and timelines: what dashboards and desks read. */
@Injectable()
export class CaseQueryService {
  constructor(
    private readonly orm: MikroORM,
    private readonly cases: CaseListQuery,
    private readonly caseService: CaseService,
    private readonly rules: CaseRulesProvider,
    private readonly repository: CaseRepository,
  ) {}

  /** Open cases of the same category near this one, reported within the duplicate window: candidates to merge. */
  async duplicates(principal: Principal, id: string): Promise<DuplicateCandidate[]> {
    const c = await this.caseService.load(principal, id);
    const [longitude, latitude] = c.location.coordinates;
    return this.cases.duplicateCandidates({
      categoryCode: c.categoryCode,
      longitude,
      latitude,
      radiusM: this.rules.rules.duplicateRadiusM,
      since: new Date(c.reportedAt.getTime() - this.rules.rules.duplicateWindowHours * 3_600_000),
      excludeId: c.id,
      scope: principal.orgUnit,
    });
  }

  async list(filter: CaseFilter, sort: CaseSort, limit: number, cursor: string | undefined): Promise<CasePage> {
    const now = new Date();
    const page = await this.cases.list(filter, sort, limit, cursor, now);
    return { items: page.rows.map((r) => listItemView(r, now)), nextCursor: page.nextCursor };
  }

  /**
   * A worker's open tasks: what was dispatched to them in their unit, and what was dispatched to the
   * workers they cover now (A/B posts: A's grid, A's cases only), most pressing first. A covered
   * worker's grid must lie in the caller's own community: a gateway cannot widen a worker's reach
   * beyond it.
   */
  async myTasks(principal: Principal, covering: readonly CoveredWorker[], limit: number): Promise<CasePage> {
    const states = ['dispatched', 'in_progress'] as const;
    for (const c of covering) {
      if (!inSameCommunity(c.gridCode, principal.orgUnit)) throw new DomainError('AUTH.OUT_OF_SCOPE', `${c.gridCode} is not a grid of your community`);
    }
    const pages = await Promise.all([
      this.list({ scope: principal.orgUnit, states, assignee: { kind: 'worker', code: principal.subject } }, 'priority', limit, undefined),
      ...covering.map((c) => this.list({ scope: c.gridCode, states, assignee: { kind: 'worker', code: c.subject } }, 'priority', limit, undefined)),
    ]);
    if (pages.length === 1) return pages[0]!;
    const rank = { emergency: 0, urgent: 1, normal: 2 } as const;
    const items = pages
      .flatMap((p) => p.items)
      .sort((a, b) => rank[a.urgency] - rank[b.urgency] || (a.deadlineAt ?? '9999').localeCompare(b.deadlineAt ?? '9999') || a.id.localeCompare(b.id))
      .slice(0, limit);
    return { items, nextCursor: null };
  }

  async counts(filter: CaseFilter): Promise<CaseStats> {
    const now = new Date();
    const rows = await this.cases.counts(filter, now);
    const by = (dimension: string) => Object.fromEntries(rows.filter((r) => r.dimension === dimension).map((r) => [r.value, r.n]));
    const byState = by('state');
    return {
      unit: filter.scope,
      at: now.toISOString(),
      total: Object.values(byState).reduce((a, b) => a + b, 0),
      byState,
      byLight: { green: 0, yellow: 0, red: 0, ...by('light') },
      byUrgency: by('urgency'),
      byCategory: by('category'),
    };
  }

  /** The CSV export, page by page (UTF-8 with a BOM so that spreadsheet programs read the Chinese headers). */
  async *exportCsv(filter: CaseFilter, sort: CaseSort): AsyncGenerator<string> {
    yield `\uFEFF${CSV_COLUMNS.map(([h]) => csvField(h)).join(',')}\r\n`;
    let cursor: string | undefined;
    let written = 0;
    do {
      const page = await this.list(filter, sort, 1000, cursor);
      yield page.items.map((r) => `${CSV_COLUMNS.map(([, get]) => csvField(get(r))).join(',')}\r\n`).join('');
      written += page.items.length;
      cursor = page.nextCursor ?? undefined;
    } while (cursor && written < EXPORT_MAX_ROWS);
  }

  async timeline(principal: Principal, id: string): Promise<CaseTimeline> {
    const c = await this.caseService.load(principal, id);
    const entries = await this.repository.timeline(this.orm.em.fork(), c.id);
    return { caseId: c.id, caseNo: c.caseNo, state: c.state, entries: entries.map(timelineEntryView) };
  }
}

function csvField(value: unknown): string {
  if (value === null || value === undefined) return '';
  let s = String(value);
  // A cell starting with = + - @ would be run as a formula by spreadsheet programs.
  if (/^[=+\-@]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}
