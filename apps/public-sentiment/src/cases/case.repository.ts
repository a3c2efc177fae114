import { Injectable } from '@nestjs/common';
import { LockMode, type EntityManager } from '@mikro-orm/postgresql';
import { DomainError, FINAL_CASE_STATES, type CaseState, type ClockStep, type TrafficLight, type Triage, type Urgency } from '@gm/contracts';
import { ServiceSql } from '@gm/platform';
import { Case } from './case.entity';
import { CaseTransition } from './case-transition.entity';

/** What an entry of a case's timeline says, as an escalation passes it on. */
export type TimelineStep = Pick<CaseTransition, 'tier' | 'action' | 'fromState' | 'toState' | 'at' | 'actorRole' | 'actorUnit' | 'note' | 'attachments'>;

/** What `admitCopies` found for one escalation. */
export interface Admission {
  readonly claimed: boolean;
  readonly existingId: string | null;
  readonly sequence: number | null;
}

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

const FINAL = FINAL_CASE_STATES.map((s) => `'${s}'`).join(', ');

export interface DuplicateCandidate {
  caseId: string;
  caseNo: string;
  state: CaseState;
  distanceM: number;
  reportedAt: Date;
}

/** Filters of the public (Open311) list; every query is bounded to the tier's own grids. */
export interface PublicCaseFilter {
  readonly tier: string;
  readonly caseNos?: readonly string[] | undefined;
  readonly categories?: readonly string[] | undefined;
  readonly states?: readonly CaseState[] | undefined;
  /** Reported at or after / at or before. */
  readonly from?: Date | undefined;
  readonly to?: Date | undefined;
}

/** A case with what the public may learn of it, and its latest public transition. */
export interface PublicCaseRow {
  id: string;
  caseNo: string;
  state: CaseState;
  categoryCode: string;
  urgency: Urgency;
  triage: string;
  description: string;
  address: string | null;
  latitude: number;
  longitude: number;
  reportedAt: Date;
  deadlineAt: Date | null;
  mediaUrl: string | null;
  assigneeKind: string | null;
  assigneeCode: string | null;
  /** The case this one was merged into. */
  primaryCaseNo: string | null;
  lastAction: string | null;
  lastAt: Date | null;
  lastNote: string | null;
  lastDetails: Record<string, unknown> | null;
}

/** A public transition of a case (an Open311 service request update). */
export interface PublicUpdateRow {
  updateId: string;
  caseNo: string;
  categoryCode: string;
  action: string;
  toState: CaseState;
  at: Date;
  note: string | null;
  details: Record<string, unknown>;
  primaryCaseNo: string | null;
}

/** The only place that queries cases. */
@Injectable()
export class CaseRepository {
  constructor(private readonly sql: ServiceSql) {}

  private t = (name: string) => this.sql.table(name);

  findByIdempotencyKey(em: EntityManager, reporterSubject: string, idempotencyKey: string): Promise<Case | null> {
    return em.findOne(Case, { reporterSubject, idempotencyKey });
  }

  /** Which of these (reporter, idempotency key) pairs have a case already, with one statement; as `subject\nkey`. */
  async reportedAlready(em: EntityManager, pairs: readonly { subject: string; key: string }[]): Promise<Set<string>> {
    if (pairs.length === 0) return new Set();
    const schema = String(em.config.get('schema'));
    const rows = await em.execute<{ s: string; k: string }[]>(
      `SELECT c.reporter_subject AS s, c.idempotency_key AS k FROM "${schema}".cases c
         JOIN jsonb_to_recordset(?::jsonb) AS i(s text, k text) ON c.reporter_subject = i.s AND c.idempotency_key = i.k`,
      [JSON.stringify(pairs.map((p) => ({ s: p.subject, k: p.key })))],
    );
    return new Set(rows.map((r) => `${r.s}\n${r.k}`));
  }

  findById(em: EntityManager, id: string): Promise<Case | null> {
    return em.findOne(Case, { id });
  }

  /** The case, locked for update until the transaction ends (one transition at a time per case). */
  findForUpdate(em: EntityManager, id: string): Promise<Case | null> {
    return em.findOne(Case, { id }, { lockMode: LockMode.PESSIMISTIC_WRITE });
  }

  /**
   * The cases of `ids` that exist, locked for update until the transaction ends, locked in id order
   * (two batches that lock overlapping sets this way take the shared rows in the same order).
   */
  async findManyForUpdate(em: EntityManager, ids: readonly string[]): Promise<Map<string, Case>> {
    const found = await em.find(Case, { id: { $in: [...new Set(ids)] } }, { lockMode: LockMode.PESSIMISTIC_WRITE, orderBy: { id: 'ASC' } });
    return new Map(found.map((c) => [c.id, c]));
  }

  /** `count` numbers of the case number sequence, with one statement. */
  async nextSequences(em: EntityManager, count: number): Promise<number[]> {
    const schema = String(em.config.get('schema'));
    const rows = await em.execute<{ n: string }[]>(`SELECT nextval('"${schema}".case_no_seq') AS n FROM generate_series(1, ?)`, [count]);
    return rows.map((r) => Number(r.n)).sort((a, b) => a - b);
  }

  /**
   * For cases children escalated, in one statement in `em`'s transaction, for each in order: claims
   * the event in the inbox of `consumer` (false when it was applied already, or is a repeat of an
   * earlier one of the list), finds this tier's copy of the child's case if there is one, and only
   * when a copy is to be made draws its case number's sequence. Copies made earlier in the same
   * transaction are not seen (they are written at its commit).
   */
  async admitCopies(em: EntityManager, consumer: string, items: readonly { event: { id: string; type: string }; source: { tier: string; caseId: string } }[]): Promise<Admission[]> {
    if (items.length === 0) return [];
    const schema = String(em.config.get('schema'));
    const rows = await em.execute<{ claimed: boolean; existing: string | null; n: string | null }[]>(
      `WITH i AS (
         SELECT *, row_number() OVER (PARTITION BY event_id ORDER BY ord) = 1 AS first
           FROM unnest(?::uuid[], ?::text[], ?::text[], ?::uuid[]) WITH ORDINALITY AS i(event_id, event_type, source_tier, source_case_id, ord)
       ), claim AS (
         INSERT INTO "${schema}".inbox (consumer, event_id, event_type) SELECT ?, event_id, event_type FROM i WHERE first
         ON CONFLICT DO NOTHING RETURNING event_id
       ), seen AS (
         SELECT i.ord, i.first AND EXISTS (SELECT 1 FROM claim WHERE claim.event_id = i.event_id) AS claimed,
                (SELECT c.id::text FROM "${schema}".cases c WHERE c.source_tier = i.source_tier AND c.source_case_id = i.source_case_id) AS existing
           FROM i
       )
       SELECT claimed, existing, CASE WHEN claimed AND existing IS NULL THEN nextval('"${schema}".case_no_seq') END AS n FROM seen ORDER BY ord`,
      [
        pgArray(items.map((i) => i.event.id)),
        pgArray(items.map((i) => i.event.type)),
        pgArray(items.map((i) => i.source.tier)),
        pgArray(items.map((i) => i.source.caseId)),
        consumer,
      ],
    );
    return rows.map((r) => ({ claimed: r.claimed === true, existingId: r.existing ?? null, sequence: r.n == null ? null : Number(r.n) }));
  }

  /** Open cases (not closed, rejected, voided or merged) per grid in a subtree. */
  async openByGrid(em: EntityManager, under: string): Promise<Record<string, number>> {
    const schema = String(em.config.get('schema'));
    const rows = await em.execute<{ grid_code: string; n: string }[]>(
      `SELECT grid_code, count(*) AS n FROM "${schema}".cases
       WHERE (grid_code = ? OR grid_code LIKE ?) AND state NOT IN (${FINAL}) GROUP BY grid_code`,
      [under, `${under}%`],
    );
    return Object.fromEntries(rows.map((r) => [r.grid_code, Number(r.n)]));
  }

  /** Who hears of a step on `c`: its reporter, and the reporters of the duplicates merged into it (read only when there are some). */
  async reportersOf(em: EntityManager, c: Pick<Case, 'id' | 'reporterSubject' | 'mergedCount'>): Promise<string[]> {
    if (c.mergedCount === 0) return [c.reporterSubject];
    return [...new Set([c.reporterSubject, ...(await this.mergedReporters(em, c.id))])];
  }

  /** Counts one more duplicate merged into `primaryId` (atomically: merges into one case may run at once). */
  async countMerge(em: EntityManager, primaryId: string): Promise<void> {
    const schema = String(em.config.get('schema'));
    await em.execute(`UPDATE "${schema}".cases SET merged_count = merged_count + 1 WHERE id = ?`, [primaryId]);
  }

  /** Reporters of the cases merged into `primaryId`: they hear the primary's outcome too. */
  private async mergedReporters(em: EntityManager, primaryId: string): Promise<string[]> {
    const schema = String(em.config.get('schema'));
    const rows = await em.execute<{ s: string }[]>(`SELECT DISTINCT reporter_subject AS s FROM "${schema}".cases WHERE primary_case_id = ?`, [primaryId]);
    return rows.map((r) => r.s);
  }

  add(em: EntityManager, entity: Case | CaseTransition): void {
    em.persist(entity);
  }

  timeline(em: EntityManager, caseId: string): Promise<CaseTransition[]> {
    return em.find(CaseTransition, { caseId }, { orderBy: { id: 'ASC' } });
  }

  /**
   * The timelines as stored of `caseIds`, for the history an escalation carries: plain rows of what
   * it needs, read in `em`'s transaction with one statement. Unlike `timeline`, it neither flushes
   * `em`'s pending changes first (an auto-flush would write them in statements of their own, apart
   * from the rest of the transaction's) nor loads entities that the commit would then have to check
   * for changes; the transaction's own entries are not in it. Every id has an entry (empty if none).
   */
  async storedTimelines(em: EntityManager, caseIds: readonly string[]): Promise<Map<string, (TimelineStep & { id: string })[]>> {
    const schema = String(em.config.get('schema'));
    const rows = await em.execute<(Omit<TimelineStep, 'at'> & { id: string; caseId: string; at: string })[]>(
      // Ordered by the stored bigint (qualified: a bare `id` would be the text column of the output,
      // where '100' sorts before '99').
      `SELECT t.id::text AS id, t.case_id::text AS "caseId", t.tier, t.action, t.from_state AS "fromState", t.to_state AS "toState",
              to_json(t.at) #>> '{}' AS at, t.actor_role AS "actorRole", t.actor_unit AS "actorUnit", t.note, t.attachments
         FROM "${schema}".case_transitions t WHERE t.case_id = ANY(?::uuid[]) ORDER BY t.case_id, t.id`,
      [pgArray(caseIds)],
    );
    const byCase = new Map<string, (TimelineStep & { id: string })[]>(caseIds.map((id) => [id, []]));
    for (const { caseId, ...r } of rows) byCase.get(caseId)?.push({ ...r, at: new Date(r.at) });
    return byCase;
  }

  /** The same for one case. */
  async storedTimeline(em: EntityManager, caseId: string): Promise<(TimelineStep & { id: string })[]> {
    return (await this.storedTimelines(em, [caseId])).get(caseId) ?? [];
  }

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

  /**
   * Cases whose current step passed its deadline and has not raised its overdue event, locked so
   * that another instance's scan skips them (no double firing with two replicas).
   */
  lockOverdue(em: EntityManager, now: Date, limit: number): Promise<Case[]> {
    return this.lockDue(em, 'deadline_at', 'overdue_step_seq < step_seq', now, limit);
  }

  /** Cases past their category's escalation threshold, not yet marked; locked as above. */
  lockEscalationDue(em: EntityManager, now: Date, limit: number): Promise<Case[]> {
    return this.lockDue(em, 'escalate_at', 'NOT escalation_due', now, limit);
  }

  private async lockDue(em: EntityManager, instant: 'deadline_at' | 'escalate_at', notYetFired: string, now: Date, limit: number): Promise<Case[]> {
    const schema = String(em.config.get('schema'));
    const rows = await em.execute<{ id: string }[]>(
      `SELECT id FROM "${schema}".cases WHERE ${instant} IS NOT NULL AND ${notYetFired} AND ${instant} <= ?
        ORDER BY ${instant} LIMIT ? FOR UPDATE SKIP LOCKED`,
      [now, limit],
    );
    return rows.length ? em.find(Case, { id: { $in: rows.map((r) => r.id) } }) : [];
  }

  /**
   * One page of the public (Open311) list of a tier's cases, newest first, each with the latest of
   * its transitions whose action is in `publicActions` (what the public is told).
   */
  publicPage(f: PublicCaseFilter, publicActions: readonly string[], offset: number, limit: number): Promise<PublicCaseRow[]> {
    const params: unknown[] = [`${f.tier}%`, publicActions];
    const where = ['c.grid_code LIKE $1'];
    const add = (clause: (p: string) => string, value: unknown) => {
      params.push(value);
      where.push(clause(`$${params.length}`));
    };
    if (f.caseNos) add((p) => `c.case_no = ANY(${p}::text[])`, f.caseNos);
    if (f.categories) add((p) => `c.category_code = ANY(${p}::text[])`, f.categories);
    if (f.states) add((p) => `c.state = ANY(${p}::text[])`, f.states);
    if (f.from) add((p) => `c.reported_at >= ${p}`, f.from);
    if (f.to) add((p) => `c.reported_at <= ${p}`, f.to);
    params.push(limit, offset);
    return this.sql.query<PublicCaseRow>(
      `SELECT c.id, c.case_no AS "caseNo", c.state, c.category_code AS "categoryCode", c.urgency, c.triage, c.description, c.address,
              ST_Y(c.location) AS latitude, ST_X(c.location) AS longitude, c.reported_at AS "reportedAt", c.deadline_at AS "deadlineAt",
              c.media_url AS "mediaUrl", c.assignee_kind AS "assigneeKind", c.assignee_code AS "assigneeCode", p.case_no AS "primaryCaseNo",
              last.action AS "lastAction", last.at AS "lastAt", last.note AS "lastNote", last.details AS "lastDetails"
         FROM ${this.t('cases')} c
         LEFT JOIN ${this.t('cases')} p ON p.id = c.primary_case_id
         LEFT JOIN LATERAL (
           SELECT t.action, t.at, t.note, t.details FROM ${this.t('case_transitions')} t
            WHERE t.case_id = c.id AND t.action = ANY($2::text[]) ORDER BY t.id DESC LIMIT 1
         ) last ON true
        WHERE ${where.join(' AND ')}
        ORDER BY c.reported_at DESC, c.id DESC LIMIT $${params.length - 1} OFFSET $${params.length}`,
      params,
    );
  }

  /** A case of the tier by id (an Open311 token), or null. */
  async publicCaseNoById(tier: string, id: string): Promise<string | null> {
    const [row] = await this.sql.query<{ caseNo: string }>(`SELECT case_no AS "caseNo" FROM ${this.t('cases')} WHERE id = $1 AND grid_code LIKE $2`, [id, `${tier}%`]);
    return row?.caseNo ?? null;
  }

  /** Transitions of a tier's cases with a public action, at or after `from` and before `to`, oldest first. */
  publicUpdates(tier: string, publicActions: readonly string[], from: Date, to: Date, offset: number, limit: number): Promise<PublicUpdateRow[]> {
    return this.sql.query<PublicUpdateRow>(
      `SELECT t.id::text AS "updateId", c.case_no AS "caseNo", c.category_code AS "categoryCode", t.action, t.to_state AS "toState",
              t.at, t.note, t.details, p.case_no AS "primaryCaseNo"
         FROM ${this.t('case_transitions')} t
         JOIN ${this.t('cases')} c ON c.id = t.case_id
         LEFT JOIN ${this.t('cases')} p ON t.action = 'merge' AND p.id = (t.details->>'primaryCaseId')::uuid
        WHERE c.grid_code LIKE $1 AND t.action = ANY($2::text[]) AND t.at >= $3 AND t.at < $4
        ORDER BY t.at, t.id LIMIT $5 OFFSET $6`,
      [`${tier}%`, publicActions, from, to, limit, offset],
    );
  }
}

/**
 * A PostgreSQL array literal of plain values (ids, codes, event types: no quotes, commas, braces,
 * backslashes or NULL): the driver would spread a JS array into a list of values.
 */
function pgArray(values: readonly string[]): string {
  // NULL (any case) would be read as an SQL null, not as text.
  for (const v of values) if (!/^[\w.:-]+$/.test(v) || v.toLowerCase() === 'null') throw new Error(`not a plain array element: ${JSON.stringify(v)}`);
  return `{${values.join(',')}}`;
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
