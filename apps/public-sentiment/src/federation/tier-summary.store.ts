import { Injectable } from '@nestjs/common';
import { MikroORM } from '@mikro-orm/postgresql';
import { caseCountsSchema, FINAL_CASE_STATES, type CaseCounts, type CloudEvent, type TierSummaryV1 } from '@gm/contracts';
import { Inbox } from '@gm/messaging';
import { ServiceSql } from '@gm/platform';
import { JsonLogger } from '@gm/telemetry';

export interface ChildSummary {
  readonly tier: string;
  readonly at: string;
  readonly tiers: string[];
  readonly counts: CaseCounts;
}

/** Counts of the cases this tier owns (a case escalated elsewhere counts at its owner), and the latest summary of each child. */
@Injectable()
export class TierSummaryStore {
  constructor(
    private readonly sql: ServiceSql,
    private readonly orm: MikroORM,
    private readonly inbox: Inbox,
    private readonly logger: JsonLogger,
  ) {}

  /** Keeps a child's summary unless a newer one is already here (summaries may arrive late after a cut). */
  async receive(event: CloudEvent<TierSummaryV1>, consumer: string): Promise<void> {
    const d = event.data;
    await this.orm.em.fork().transactional(async (tx) => {
      if (!(await this.inbox.claim(tx, consumer, event.id, event.type))) return;
      const schema = String(tx.config.get('schema'));
      await tx.execute(
        `INSERT INTO "${schema}".tier_summaries (tier, at, tiers, counts)
         VALUES (?, ?, ARRAY(SELECT jsonb_array_elements_text(?::jsonb)), ?)
         ON CONFLICT (tier) DO UPDATE SET at = excluded.at, tiers = excluded.tiers, counts = excluded.counts, received_at = now()
         WHERE tier_summaries.at < excluded.at`,
        [d.tier, d.at, JSON.stringify(d.tiers), JSON.stringify(d.counts)],
      );
    });
    this.logger.event('debug', 'federation.summary_received', { tier: d.tier, at: d.at, total: d.counts.total }, 'TierSummaryStore');
  }

  async children(): Promise<ChildSummary[]> {
    const rows = await this.sql.query<{ tier: string; at: Date; tiers: string[]; counts: unknown }>(
      `SELECT tier, at, tiers, counts FROM ${this.sql.table('tier_summaries')} ORDER BY tier`,
    );
    return rows.map((r) => ({ tier: r.tier, at: r.at.toISOString(), tiers: r.tiers, counts: caseCountsSchema.parse(r.counts) }));
  }

  /** Counts of the cases this tier owns now. */
  async own(now: Date): Promise<CaseCounts> {
    const rows = await this.sql.query<{ state: string; category: string; grid: string; light: string | null; n: number }>(
      `SELECT state, category_code AS category, grid_code AS grid,
              CASE WHEN deadline_at IS NULL THEN NULL WHEN deadline_at < $1 THEN 'red' WHEN yellow_at <= $1 THEN 'yellow' ELSE 'green' END AS light,
              count(*)::int AS n
         FROM ${this.sql.table('cases')} WHERE owner_tier IS NULL GROUP BY 1, 2, 3, 4`,
      [now],
    );
    const counts = emptyCounts();
    for (const r of rows) {
      const open = !(FINAL_CASE_STATES as readonly string[]).includes(r.state);
      add(counts, { state: r.state, category: r.category, grid: r.grid, light: r.light, open, n: r.n });
    }
    return counts;
  }
}

export function emptyCounts(): CaseCounts {
  return { total: 0, open: 0, byState: {}, byCategory: {}, byLight: {}, byGrid: {} };
}

function add(c: CaseCounts, r: { state: string; category: string; grid: string; light: string | null; open: boolean; n: number }): void {
  const inc = (rec: Record<string, number>, key: string) => (rec[key] = (rec[key] ?? 0) + r.n);
  c.total += r.n;
  if (r.open) c.open += r.n;
  inc(c.byState as Record<string, number>, r.state);
  inc(c.byCategory, r.category);
  if (r.light && r.open) inc(c.byLight as Record<string, number>, r.light);
  const g = (c.byGrid[r.grid] ??= { total: 0, open: 0, red: 0 });
  g.total += r.n;
  if (r.open) g.open += r.n;
  if (r.open && r.light === 'red') g.red += r.n;
}

/** The sum of several counts (a tier's own and its children's subtrees). */
export function sumCounts(parts: readonly CaseCounts[]): CaseCounts {
  const out = emptyCounts();
  const merge = (into: Record<string, number>, from: Record<string, number | undefined>) => {
    for (const [k, v] of Object.entries(from)) into[k] = (into[k] ?? 0) + (v ?? 0);
  };
  for (const p of parts) {
    out.total += p.total;
    out.open += p.open;
    merge(out.byState as Record<string, number>, p.byState);
    merge(out.byCategory, p.byCategory);
    merge(out.byLight as Record<string, number>, p.byLight);
    for (const [grid, g] of Object.entries(p.byGrid)) {
      const t = (out.byGrid[grid] ??= { total: 0, open: 0, red: 0 });
      t.total += g.total;
      t.open += g.open;
      t.red += g.red;
    }
  }
  return out;
}
