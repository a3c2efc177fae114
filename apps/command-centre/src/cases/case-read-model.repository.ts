import { Injectable } from '@nestjs/common';
import type pg from 'pg';
import { OPEN_CASE_STATES, type Assignee, type CaseMapQuery, type CaseOverview, type CaseState, type ClockStep, type Urgency } from '@gm/contracts';
import { SqlRepository } from '@gm/platform';
import type { CaseRow } from './case-fold';
import { subtreePattern } from '@gm/persistence';

type Client = Pick<pg.PoolClient, 'query'>;

/** The most map features one answer carries; more means the box or the filters should narrow. */
export const MAP_FEATURE_LIMIT = 20_000;

const OPEN_STATES_SQL = OPEN_CASE_STATES.map((s) => `'${s}'`).join(',');
/** The light of an open case's current step as of now() (libs/domain `lightAt`, in SQL). */
const LIGHT_SQL = `CASE WHEN c.state NOT IN (${OPEN_STATES_SQL}) OR c.deadline_at IS NULL THEN NULL
  WHEN now() > c.deadline_at THEN 'red'
  WHEN c.yellow_at IS NULL THEN 'green'
  WHEN now() >= c.yellow_at THEN 'yellow' ELSE 'green' END`;

/** The only place that queries the hub's copy of the tier's cases. */
@Injectable()
export class CaseReadModelRepository extends SqlRepository {
  /** The cases of `ids` as stored, locked for the transaction. */
  async lock(client: Client, ids: readonly string[]): Promise<Map<string, CaseRow>> {
    const { rows } = await client.query<DbCase>(`SELECT ${CASE_COLUMNS} FROM ${this.sql.table('cases')} c WHERE case_id = ANY($1::uuid[]) ORDER BY case_id FOR UPDATE`, [ids]);
    return new Map(rows.map((r) => [r.case_id, toRow(r)]));
  }

  async save(client: Client, c: CaseRow): Promise<void> {
    await client.query(
      `INSERT INTO ${this.sql.table('cases')} (case_id, case_no, state, category_code, urgency, grid_code, location, summary, reported_at, reporter_subject,
         received_from, step, deadline_at, yellow_at, step_overdue, overdue_steps, assignee_kind, assignee_code, owner_subject, handler_subject, acting_tier,
         rework_count, urge_count, closed_at, rating, last_event_at)
       VALUES ($1, $2, $3, $4, $5, $6, CASE WHEN $7::float8 IS NULL THEN NULL ELSE ST_SetSRID(ST_MakePoint($7::float8, $8::float8), 4326) END,
         $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26, $27)
       ON CONFLICT (case_id) DO UPDATE SET case_no = EXCLUDED.case_no, state = EXCLUDED.state, category_code = EXCLUDED.category_code,
         urgency = EXCLUDED.urgency, grid_code = EXCLUDED.grid_code, location = EXCLUDED.location, summary = EXCLUDED.summary,
         reported_at = EXCLUDED.reported_at, reporter_subject = EXCLUDED.reporter_subject, received_from = EXCLUDED.received_from, step = EXCLUDED.step,
         deadline_at = EXCLUDED.deadline_at, yellow_at = EXCLUDED.yellow_at, step_overdue = EXCLUDED.step_overdue, overdue_steps = EXCLUDED.overdue_steps,
         assignee_kind = EXCLUDED.assignee_kind, assignee_code = EXCLUDED.assignee_code, owner_subject = EXCLUDED.owner_subject,
         handler_subject = EXCLUDED.handler_subject, acting_tier = EXCLUDED.acting_tier, rework_count = EXCLUDED.rework_count,
         urge_count = EXCLUDED.urge_count, closed_at = EXCLUDED.closed_at, rating = EXCLUDED.rating, last_event_at = EXCLUDED.last_event_at`,
      [
        c.caseId,
        c.caseNo,
        c.state,
        c.categoryCode,
        c.urgency,
        c.gridCode,
        c.location?.longitude ?? null,
        c.location?.latitude ?? null,
        c.summary,
        c.reportedAt,
        c.reporterSubject,
        c.receivedFrom,
        c.step,
        c.deadlineAt,
        c.yellowAt,
        c.stepOverdue,
        c.overdueSteps,
        c.assignee?.kind ?? null,
        c.assignee?.code ?? null,
        c.ownerSubject,
        c.handlerSubject,
        c.actingTier,
        c.reworkCount,
        c.urgeCount,
        c.closedAt,
        c.rating,
        c.lastEventAt,
      ],
    );
  }

  async findOne(id: string): Promise<CaseRow | undefined> {
    const [row] = await this.sql.query<DbCase>(`SELECT ${CASE_COLUMNS} FROM ${this.sql.table('cases')} c WHERE case_id = $1`, [id]);
    return row ? toRow(row) : undefined;
  }

  /**
   * The cases of `scope`'s subtree matching the filters as a GeoJSON FeatureCollection, built by
   * PostgreSQL as text (no re-serialisation here), newest first, at most MAP_FEATURE_LIMIT.
   */
  async map(scope: string, q: CaseMapQuery): Promise<string> {
    const { where, params } = filterSql(scope, q);
    const [row] = await this.sql.query<{ fc: string }>(
      `WITH hit AS (
         SELECT c.*, ${LIGHT_SQL} AS light FROM ${this.sql.table('cases')} c WHERE ${where}
       ), page AS (
         SELECT * FROM hit WHERE ${q.light ? `light = $${params.length + 1}` : 'true'} ORDER BY reported_at DESC NULLS LAST, case_id LIMIT ${MAP_FEATURE_LIMIT + 1}
       )
       SELECT json_build_object(
         'type', 'FeatureCollection',
         'features', COALESCE((SELECT json_agg(json_build_object(
            'type', 'Feature', 'id', case_id,
            'geometry', json_build_object('type', 'Point', 'coordinates', json_build_array(round(ST_X(location)::numeric, 6), round(ST_Y(location)::numeric, 6))),
            'properties', json_build_object('caseNo', case_no, 'state', state, 'categoryCode', category_code, 'urgency', urgency, 'gridCode', grid_code,
              'light', light, 'reportedAt', ${isoSql('reported_at')}, 'deadlineAt', ${isoSql('deadline_at')}, 'yellowAt', ${isoSql('yellow_at')},
              'summary', summary, 'ownerTier', acting_tier)))
            FROM (SELECT * FROM page LIMIT ${MAP_FEATURE_LIMIT}) p), '[]'::json),
         'truncated', (SELECT count(*) FROM page) > ${MAP_FEATURE_LIMIT},
         'at', ${isoSql('now()')})::text AS fc`,
      q.light ? [...params, q.light] : params,
    );
    return row!.fc;
  }

  /** Counts of `scope`'s subtree for the boards; `byDay` over [from, to) by local day. */
  async overview(scope: string, from: Date, to: Date, timeZone: string): Promise<Omit<CaseOverview, 'unit' | 'from' | 'to'>> {
    const t = this.sql.table('cases');
    const like = subtreePattern(scope);
    const [totals, byState, byCategory, byGrid, byDay] = await Promise.all([
      this.sql.query<{ total: string; open: string; green: string; yellow: string; red: string }>(
        `SELECT count(*) AS total, count(*) FILTER (WHERE state IN (${OPEN_STATES_SQL})) AS open,
                count(*) FILTER (WHERE light = 'green') AS green, count(*) FILTER (WHERE light = 'yellow') AS yellow, count(*) FILTER (WHERE light = 'red') AS red
         FROM (SELECT c.state, ${LIGHT_SQL} AS light FROM ${t} c WHERE c.grid_code LIKE $1) x`,
        [like],
      ),
      this.sql.query<{ state: CaseState; n: string }>(`SELECT state, count(*) AS n FROM ${t} WHERE grid_code LIKE $1 GROUP BY state`, [like]),
      this.sql.query<{ category_code: string; n: string }>(
        `SELECT category_code, count(*) AS n FROM ${t} WHERE grid_code LIKE $1 AND reported_at >= $2 AND reported_at < $3 GROUP BY category_code ORDER BY n DESC, category_code LIMIT 50`,
        [like, from, to],
      ),
      this.sql.query<{ grid_code: string; open: string; red: string }>(
        `SELECT grid_code, count(*) AS open, count(*) FILTER (WHERE light = 'red') AS red
         FROM (SELECT c.grid_code, ${LIGHT_SQL} AS light FROM ${t} c WHERE c.grid_code LIKE $1 AND c.state IN (${OPEN_STATES_SQL})) x
         GROUP BY grid_code ORDER BY open DESC, grid_code LIMIT 200`,
        [like],
      ),
      this.sql.query<{ day: string; reported: string; closed: string }>(
        `SELECT to_char(g.d, 'YYYY-MM-DD') AS day, COALESCE(r.n, 0) AS reported, COALESCE(c.n, 0) AS closed
         FROM generate_series(($2::timestamptz AT TIME ZONE $4)::date, (($3::timestamptz - interval '1 microsecond') AT TIME ZONE $4)::date, interval '1 day') AS g(d)
         LEFT JOIN (SELECT (reported_at AT TIME ZONE $4)::date AS d, count(*) AS n FROM ${t}
                    WHERE grid_code LIKE $1 AND reported_at >= $2 AND reported_at < $3 GROUP BY 1) r ON r.d = g.d
         LEFT JOIN (SELECT (closed_at AT TIME ZONE $4)::date AS d, count(*) AS n FROM ${t}
                    WHERE grid_code LIKE $1 AND closed_at >= $2 AND closed_at < $3 GROUP BY 1) c ON c.d = g.d
         ORDER BY g.d`,
        [like, from, to, timeZone],
      ),
    ]);
    const t0 = totals[0]!;
    return {
      total: Number(t0.total),
      open: Number(t0.open),
      byDay: byDay.map((d) => ({ day: d.day, reported: Number(d.reported), closed: Number(d.closed) })),
      byState: Object.fromEntries(byState.map((r) => [r.state, Number(r.n)])),
      byLight: { green: Number(t0.green), yellow: Number(t0.yellow), red: Number(t0.red) },
      byCategory: byCategory.map((r) => ({ categoryCode: r.category_code, count: Number(r.n) })),
      byGrid: byGrid.map((r) => ({ gridCode: r.grid_code, open: Number(r.open), red: Number(r.red) })),
    };
  }
}

interface DbCase {
  case_id: string;
  case_no: string;
  state: CaseState;
  category_code: string;
  urgency: Urgency;
  grid_code: string;
  longitude: number | null;
  latitude: number | null;
  summary: string | null;
  reported_at: Date | null;
  reporter_subject: string | null;
  received_from: string | null;
  step: ClockStep | null;
  deadline_at: Date | null;
  yellow_at: Date | null;
  step_overdue: boolean;
  overdue_steps: number;
  assignee_kind: Assignee['kind'] | null;
  assignee_code: string | null;
  owner_subject: string | null;
  handler_subject: string | null;
  acting_tier: string | null;
  rework_count: number;
  urge_count: number;
  closed_at: Date | null;
  rating: number | null;
  last_event_at: Date;
}

const CASE_COLUMNS = `case_id, case_no, state, category_code, urgency, grid_code, ST_X(location) AS longitude, ST_Y(location) AS latitude, summary, reported_at,
  reporter_subject, received_from, step, deadline_at, yellow_at, step_overdue, overdue_steps, assignee_kind, assignee_code, owner_subject, handler_subject,
  acting_tier, rework_count, urge_count, closed_at, rating, last_event_at`;

function toRow(r: DbCase): CaseRow {
  return {
    caseId: r.case_id,
    caseNo: r.case_no,
    state: r.state,
    categoryCode: r.category_code,
    urgency: r.urgency,
    gridCode: r.grid_code,
    location: r.longitude !== null && r.latitude !== null ? { latitude: r.latitude, longitude: r.longitude } : null,
    summary: r.summary,
    reportedAt: r.reported_at,
    reporterSubject: r.reporter_subject,
    receivedFrom: r.received_from,
    step: r.step,
    deadlineAt: r.deadline_at,
    yellowAt: r.yellow_at,
    stepOverdue: r.step_overdue,
    overdueSteps: r.overdue_steps,
    assignee: r.assignee_kind && r.assignee_code ? ({ kind: r.assignee_kind, code: r.assignee_code } as Assignee) : null,
    ownerSubject: r.owner_subject,
    handlerSubject: r.handler_subject,
    actingTier: r.acting_tier,
    reworkCount: r.rework_count,
    urgeCount: r.urge_count,
    closedAt: r.closed_at,
    rating: r.rating,
    lastEventAt: r.last_event_at,
  };
}

function filterSql(scope: string, q: CaseMapQuery): { where: string; params: unknown[] } {
  const params: unknown[] = [subtreePattern(scope)];
  const clauses = ['c.grid_code LIKE $1', 'c.location IS NOT NULL'];
  const add = (sql: (n: number) => string, value: unknown) => {
    params.push(value);
    clauses.push(sql(params.length));
  };
  if (q.open) clauses.push(`c.state IN (${OPEN_STATES_SQL})`);
  if (q.bbox) {
    params.push(...q.bbox);
    const n = params.length;
    clauses.push(`c.location && ST_MakeEnvelope($${n - 3}, $${n - 2}, $${n - 1}, $${n}, 4326)`);
  }
  if (q.state) add((n) => `c.state = ANY($${n}::text[])`, q.state);
  if (q.category) add((n) => (q.category!.length === 4 ? `left(c.category_code, 4) = $${n}` : `c.category_code = $${n}`), q.category);
  if (q.urgency) add((n) => `c.urgency = $${n}`, q.urgency);
  if (q.from) add((n) => `c.reported_at >= $${n}`, q.from);
  if (q.to) add((n) => `c.reported_at < $${n}`, q.to);
  return { where: clauses.join(' AND '), params };
}


function isoSql(expr: string): string {
  return `to_char(${expr} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
}
