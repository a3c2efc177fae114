import { Injectable } from '@nestjs/common';
import type pg from 'pg';
import { KPI_COUNTER_KEYS, type KpiCounters } from '@gm/domain';
import { SqlRepository } from '@gm/platform';
import type { KpiIncrement, KpiKind } from '../cases/case-fold';
import { subtreePattern } from '@gm/persistence';

type Client = Pick<pg.PoolClient, 'query'>;

/** Columns of kpi_daily by counter (KpiCounters of libs/domain). */
const COLUMNS: Readonly<Record<keyof KpiCounters, string>> = {
  reported: 'reported',
  registered: 'registered',
  closed: 'closed',
  closedOnTime: 'closed_on_time',
  dispatched: 'dispatched',
  dispatchedOnTime: 'dispatched_on_time',
  reworked: 'reworked',
  overdue: 'overdue',
  urged: 'urged',
  ratingSum: 'rating_sum',
  ratingCount: 'rating_count',
  handlingMinutesSum: 'handling_minutes_sum',
  handlingCount: 'handling_count',
  patrols: 'patrols',
  visits: 'visits',
  dataUpdates: 'data_updates',
};
const COLS = KPI_COUNTER_KEYS.map((k) => COLUMNS[k]);

/** Length of an org unit code at each level: grouping by a prefix groups by the unit above. */
export const CODE_LENGTH = { street: 9, community: 12, grid: 15 } as const;

export interface KpiSums {
  readonly subject: string;
  /** For people: the staff account of the worker, when a handheld has named it. */
  readonly username: string | null;
  readonly counters: KpiCounters;
}

/** The only place that queries the assessment's daily counters (kpi_daily). */
@Injectable()
export class KpiRepository extends SqlRepository {
  /** Adds the increments to the days' counters, in the caller's transaction (one statement for all of them). */
  async add(client: Client, increments: readonly KpiIncrement[]): Promise<void> {
    if (increments.length === 0) return;
    const merged = new Map<string, { i: KpiIncrement; add: Record<string, number> }>();
    for (const i of increments) {
      const key = `${i.kind}|${i.day}|${i.unitCode}|${i.subject}`;
      const m = merged.get(key) ?? { i, add: {} };
      for (const k of KPI_COUNTER_KEYS) m.add[k] = (m.add[k] ?? 0) + (i.add[k] ?? 0);
      merged.set(key, m);
    }
    const rows = [...merged.values()];
    await client.query(
      `INSERT INTO ${this.sql.table('kpi_daily')} AS k (kind, day, unit_code, subject, ${COLS.join(', ')})
       SELECT * FROM unnest($1::text[], $2::date[], $3::text[], $4::text[], ${COLS.map((_, n) => `$${n + 5}::bigint[]`).join(', ')})
       ON CONFLICT (kind, day, unit_code, subject) DO UPDATE SET ${COLS.map((c) => `${c} = k.${c} + EXCLUDED.${c}`).join(', ')}`,
      [rows.map((r) => r.i.kind), rows.map((r) => r.i.day), rows.map((r) => r.i.unitCode), rows.map((r) => r.i.subject), ...KPI_COUNTER_KEYS.map((k) => rows.map((r) => r.add[k] ?? 0))],
    );
  }

  /** A child tier sent figures (the report says whose figures it includes). */
  async heardFrom(client: Client, tier: string, at: Date): Promise<void> {
    await client.query(
      `INSERT INTO ${this.sql.table('kpi_sources')} (tier, first_at, last_at) VALUES ($1, $2, $2)
       ON CONFLICT (tier) DO UPDATE SET last_at = GREATEST(${this.sql.table('kpi_sources')}.last_at, EXCLUDED.last_at)`,
      [tier, at],
    );
  }

  /** The child tiers (and below) whose figures are included, within `scope`. */
  async sources(scope: string): Promise<string[]> {
    const rows = await this.sql.query<{ tier: string }>(`SELECT tier FROM ${this.sql.table('kpi_sources')} WHERE tier LIKE $1 ORDER BY tier`, [subtreePattern(scope)]);
    return rows.map((r) => r.tier);
  }

  /**
   * Sums over the days [from, to] of `scope`'s subtree, per subject: units grouped by the code
   * prefix of `level`, people and departments by their own key.
   */
  async sums(kind: KpiKind, scope: string, from: string, to: string, level?: keyof typeof CODE_LENGTH): Promise<KpiSums[]> {
    const group = kind === 'unit' ? `left(k.unit_code, ${CODE_LENGTH[level ?? 'grid']})` : 'k.subject';
    const rows = await this.sql.query<Record<string, string | null>>(
      `SELECT ${group} AS subject, ${kind === 'person' ? 'max(w.username)' : 'NULL'} AS username, ${COLS.map((c) => `sum(k.${c})::text AS ${c}`).join(', ')}
       FROM ${this.sql.table('kpi_daily')} k ${kind === 'person' ? `LEFT JOIN ${this.sql.table('workers')} w ON w.subject = k.subject` : ''}
       WHERE k.kind = $1 AND k.unit_code LIKE $2 AND k.day BETWEEN $3::date AND $4::date
       GROUP BY 1 ORDER BY 1`,
      [kind, subtreePattern(scope), from, to],
    );
    return rows.map((r) => ({
      subject: r['subject']!,
      username: r['username'] ?? null,
      counters: Object.fromEntries(KPI_COUNTER_KEYS.map((k) => [k, Number(r[COLUMNS[k]] ?? 0)])) as unknown as KpiCounters,
    }));
  }
}
