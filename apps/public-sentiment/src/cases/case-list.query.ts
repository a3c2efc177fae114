import { Injectable } from '@nestjs/common';
import { DomainError, type CaseState, type ClockStep, type TrafficLight, type Triage, type Urgency } from '@gm/contracts';
import { ServiceSql } from '@gm/platform';
import { FINAL_STATES_SQL as FINAL } from './sql-values';

/** Filters of case lists and exports; `scope` is always the caller's org unit (or a unit inside it). */
export interface CaseFilter {
  readonly scope: string;
  readonly states?: readonly CaseState[] | undefined;
  readonly category?: string | undefined;
  readonly urgency?: Urgency | undefined;
  readonly light?: TrafficLight | undefined;
  readonly from?: Date | undefined;
  readonly to?: Date | undefined;
  readonly escalationDue?: boolean | undefined;
  /** Urged (督办) at least once (true), or never (false). */
  readonly urged?: boolean | undefined;
  /** Dispatched to this assignee (e.g. a worker by subject). */
  readonly assignee?: { readonly kind: string; readonly code: string } | undefined;
  /** Reported by this account (token subject). */
  readonly reporter?: string | undefined;
}

export const CASE_SORTS = ['reported_desc', 'reported_asc', 'deadline_asc', 'priority'] as const;
export type CaseSort = (typeof CASE_SORTS)[number];

/** Sort keys as SQL expressions; the id breaks ties so that keyset pagination is exact. */
const SORTS: Record<CaseSort, { keys: readonly string[]; casts: readonly string[]; dir: 'ASC' | 'DESC' }> = {
  reported_desc: { keys: ['c.reported_at'], casts: ['timestamptz'], dir: 'DESC' },
  reported_asc: { keys: ['c.reported_at'], casts: ['timestamptz'], dir: 'ASC' },
  deadline_asc: { keys: ["COALESCE(c.deadline_at, 'infinity')"], casts: ['timestamptz'], dir: 'ASC' },
  // Emergencies skip the queue, then the nearest deadline first.
  priority: {
    keys: ["CASE c.urgency WHEN 'emergency' THEN 0 WHEN 'urgent' THEN 1 ELSE 2 END", "COALESCE(c.deadline_at, 'infinity')"],
    casts: ['integer', 'timestamptz'],
    dir: 'ASC',
  },
};

/** A row of a case list: what a dashboard or a table shows, without the full description. */
export interface CaseListRow {
  id: string;
  caseNo: string;
  state: CaseState;
  categoryCode: string;
  urgency: Urgency;
  triage: Triage;
  gridCode: string;
  latitude: number;
  longitude: number;
  address: string | null;
  summary: string;
  reportedAt: Date;
  step: ClockStep | null;
  yellowAt: Date | null;
  deadlineAt: Date | null;
  reworkCount: number;
  urgeCount: number;
  escalationDue: boolean;
  rating: number | null;
  closedAt: Date | null;
  primaryCaseId: string | null;
}

const LIST_COLUMNS = `c.id, c.case_no AS "caseNo", c.state, c.category_code AS "categoryCode", c.urgency, c.triage, c.grid_code AS "gridCode",
  ST_Y(c.location) AS latitude, ST_X(c.location) AS longitude, c.address, left(c.description, 140) AS summary,
  c.reported_at AS "reportedAt", c.step, c.yellow_at AS "yellowAt", c.deadline_at AS "deadlineAt", c.rework_count AS "reworkCount",
  c.urge_count AS "urgeCount", c.escalation_due AS "escalationDue", c.rating, c.closed_at AS "closedAt", c.primary_case_id AS "primaryCaseId"`;


export interface DuplicateCandidate {
  caseId: string;
  caseNo: string;
  state: CaseState;
  distanceM: number;
  reportedAt: Date;
}

/**
 * Lists, counts and nearby duplicates of cases for the consoles: read-only queries outside any unit
 * of work, on the service's plain pool (`$n` placeholders), each one statement.
 */
@Injectable()
export class CaseListQuery {
  constructor(private readonly sql: ServiceSql) {}

  private t = (name: string) => this.sql.table(name);

  /** Open cases of the same category near a point, reported within the window (PostGIS, geography distance). */
  duplicateCandidates(q: {
    categoryCode: string;
    longitude: number;
    latitude: number;
    radiusM: number;
    since: Date;
    excludeId?: string | undefined;
    scope: string;
  }): Promise<DuplicateCandidate[]> {
    return this.sql.query<DuplicateCandidate>(
      `SELECT c.id AS "caseId", c.case_no AS "caseNo", c.state, c.reported_at AS "reportedAt",
              round(ST_Distance(c.location::geography, p.g)::numeric, 1)::float8 AS "distanceM"
         FROM ${this.t('cases')} c, (SELECT ST_SetSRID(ST_MakePoint($2, $3), 4326)::geography AS g) p
        WHERE c.category_code = $1 AND c.state NOT IN (${FINAL}) AND c.reported_at >= $5
          AND ST_DWithin(c.location::geography, p.g, $4) AND ($6::uuid IS NULL OR c.id <> $6::uuid) AND c.grid_code LIKE $7
        ORDER BY "distanceM", c.reported_at LIMIT 10`,
      [q.categoryCode, q.longitude, q.latitude, q.radiusM, q.since, q.excludeId ?? null, `${q.scope}%`],
    );
  }

  /** One page of a filtered, sorted list; `cursor` continues after the last row of the previous page. */
  async list(f: CaseFilter, sort: CaseSort, limit: number, cursor: string | undefined, now: Date): Promise<{ rows: CaseListRow[]; nextCursor: string | null }> {
    const { where, params } = this.where(f, now);
    const spec = SORTS[sort];
    const keys = [...spec.keys, 'c.id'];
    const casts = [...spec.casts, 'uuid'];
    if (cursor) {
      const values = decodeCursor(cursor, keys.length);
      const placeholders = values.map((v, i) => {
        params.push(v);
        return `$${params.length}::${casts[i]}`;
      });
      where.push(`(${keys.join(', ')}) ${spec.dir === 'ASC' ? '>' : '<'} (${placeholders.join(', ')})`);
    }
    params.push(limit + 1);
    const keyColumns = keys.map((k, i) => `(${k})::text AS "k${i}"`).join(', ');
    const rows = await this.sql.query<CaseListRow & Record<string, unknown>>(
      `SELECT ${LIST_COLUMNS}, ${keyColumns} FROM ${this.t('cases')} c WHERE ${where.join(' AND ')}
        ORDER BY ${keys.map((k) => `${k} ${spec.dir}`).join(', ')} LIMIT $${params.length}`,
      params,
    );
    const more = rows.length > limit;
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    const nextCursor = more && last ? encodeCursor(keys.map((_, i) => String(last[`k${i}`]))) : null;
    return { rows: page.map((r) => stripKeys(r, keys.length)), nextCursor };
  }

  /** Counts per state, per light (open cases), per urgency and per category in a subtree. */
  async counts(f: CaseFilter, now: Date): Promise<{ dimension: string; value: string; n: number }[]> {
    const { where, params } = this.where(f, now);
    params.push(now);
    const nowParam = `$${params.length}`;
    return this.sql.query(
      `WITH s AS (SELECT c.state, c.urgency, c.category_code, c.yellow_at, c.deadline_at FROM ${this.t('cases')} c WHERE ${where.join(' AND ')})
       SELECT 'state' AS dimension, state AS value, count(*)::int AS n FROM s GROUP BY state
       UNION ALL SELECT 'urgency', urgency, count(*)::int FROM s GROUP BY urgency
       UNION ALL SELECT 'category', category_code, count(*)::int FROM s GROUP BY category_code
       UNION ALL SELECT 'light', CASE WHEN deadline_at < ${nowParam} THEN 'red' WHEN yellow_at <= ${nowParam} THEN 'yellow' ELSE 'green' END, count(*)::int
         FROM s WHERE deadline_at IS NOT NULL GROUP BY 2`,
      params,
    );
  }

  private where(f: CaseFilter, now: Date): { where: string[]; params: unknown[] } {
    const params: unknown[] = [`${f.scope}%`];
    const where = ['c.grid_code LIKE $1'];
    const add = (clause: (p: string) => string, value: unknown) => {
      params.push(value);
      where.push(clause(`$${params.length}`));
    };
    if (f.states?.length) add((p) => `c.state = ANY(${p}::text[])`, f.states);
    if (f.category) add((p) => `c.category_code LIKE ${p}`, `${f.category}%`);
    if (f.urgency) add((p) => `c.urgency = ${p}`, f.urgency);
    if (f.from) add((p) => `c.reported_at >= ${p}`, f.from);
    if (f.to) add((p) => `c.reported_at < ${p}`, f.to);
    if (f.escalationDue !== undefined) add((p) => `c.escalation_due = ${p}`, f.escalationDue);
    if (f.urged !== undefined) where.push(f.urged ? 'c.urge_count > 0' : 'c.urge_count = 0');
    if (f.assignee) {
      add((p) => `c.assignee_kind = ${p}`, f.assignee.kind);
      add((p) => `c.assignee_code = ${p}`, f.assignee.code);
    }
    if (f.reporter) add((p) => `c.reporter_subject = ${p}`, f.reporter);
    if (f.light === 'red') add((p) => `c.deadline_at < ${p}`, now);
    if (f.light === 'yellow') add((p) => `c.yellow_at <= ${p} AND c.deadline_at >= ${p}`, now);
    if (f.light === 'green') add((p) => `c.yellow_at > ${p}`, now);
    return { where, params };
  }
}

function stripKeys<T extends Record<string, unknown>>(row: T, n: number): CaseListRow {
  const copy: Record<string, unknown> = { ...row };
  for (let i = 0; i < n; i++) delete copy[`k${i}`];
  return copy as unknown as CaseListRow;
}

function encodeCursor(values: string[]): string {
  return Buffer.from(JSON.stringify(values)).toString('base64url');
}

function decodeCursor(s: string, n: number): string[] {
  try {
    const v = JSON.parse(Buffer.from(s, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(v) && v.length === n && v.every((x) => typeof x === 'string' && x.length < 100)) return v as string[];
  } catch {
    /* fall through */
  }
  throw DomainError.validation([{ field: 'cursor', message: 'not a cursor from this list (or from a list with another sort)' }]);
}
