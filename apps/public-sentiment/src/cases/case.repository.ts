import { Injectable } from '@nestjs/common';
import { LockMode, type EntityManager } from '@mikro-orm/postgresql';
import { Case } from './case.entity';
import { CaseTransition } from './case-transition.entity';
import { FINAL_STATES_SQL as FINAL, pgArray } from './sql-values';

/** What an entry of a case's timeline says, as an escalation passes it on. */
export type TimelineStep = Pick<CaseTransition, 'tier' | 'action' | 'fromState' | 'toState' | 'at' | 'actorRole' | 'actorUnit' | 'note' | 'attachments'>;

/** What `admitCopies` found for one escalation. */
export interface Admission {
  readonly claimed: boolean;
  readonly existingId: string | null;
  readonly sequence: number | null;
}

/**
 * The write side of cases: everything read or written inside a unit of work, through its
 * `EntityManager` (entities, and `em.execute` with `?` placeholders for what one statement does
 * better). Lists are `CaseListQuery`'s; the public read model is `Open311ReadModel`'s.
 */
@Injectable()
export class CaseRepository {
  findByIdempotencyKey(em: EntityManager, reporterSubject: string, idempotencyKey: string): Promise<Case | null> {
    return em.findOne(Case, { reporterSubject, idempotencyKey });
  }

  /**
   * For reports that arrive together, in one statement: which (reporter, idempotency key) pairs
   * have a case already (sent again), and a case-number sequence for each of the others, drawn in
   * ascending order for them in the order given. One round trip where a report took two.
   */
  async admitReports(em: EntityManager, pairs: readonly { subject: string; key: string }[]): Promise<{ earlier: boolean; sequence: number | null }[]> {
    if (pairs.length === 0) return [];
    const schema = String(em.config.get('schema'));
    const rows = await em.execute<{ earlier: boolean; n: string | null }[]>(
      `WITH i AS (
         SELECT i.s, i.k, i.ord FROM ROWS FROM (jsonb_to_recordset(?::jsonb) AS (s text, k text)) WITH ORDINALITY AS i(s, k, ord)
       ), e AS MATERIALIZED (
         SELECT i.ord, EXISTS (SELECT 1 FROM "${schema}".cases c WHERE c.reporter_subject = i.s AND c.idempotency_key = i.k) AS earlier FROM i
       )
       SELECT e.earlier, CASE WHEN e.earlier THEN NULL ELSE nextval('"${schema}".case_no_seq') END AS n FROM e ORDER BY e.ord`,
      [JSON.stringify(pairs.map((p) => ({ s: p.subject, k: p.key })))],
    );
    const drawn = rows.filter((r) => r.n !== null).map((r) => Number(r.n)).sort((a, b) => a - b);
    let next = 0;
    return rows.map((r) => ({ earlier: r.earlier, sequence: r.earlier ? null : drawn[next++]! }));
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
}
