import { Injectable } from '@nestjs/common';
import type pg from 'pg';
import { ServiceSql } from '@gm/platform';
import type { CloudEvent } from '@gm/contracts';
import type { EventFacts, SubscriptionFilter } from './remit';

export interface SecretRow {
  readonly secret: string;
  readonly createdAt: string;
  readonly expiresAt: string | null;
}

export interface SubscriptionRow extends SubscriptionFilter {
  readonly url: string;
  readonly description: string;
  readonly status: 'active' | 'disabled';
  readonly disabledReason: string | null;
  readonly secrets: SecretRow[];
  readonly createdBy: string;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

export interface DeliveryRow {
  readonly id: string;
  readonly subscriptionId: string;
  readonly eventId: string;
  readonly eventType: string;
  readonly caseNo: string | null;
  readonly status: 'pending' | 'delivered' | 'dead';
  readonly attempts: number;
  readonly lastStatusCode: number | null;
  readonly lastError: string | null;
  readonly lastLatencyMs: number | null;
  readonly nextAttemptAt: Date;
  readonly createdAt: Date;
  readonly deliveredAt: Date | null;
  readonly replay: boolean;
}

/** A delivery claimed for sending, with what sending needs. */
export interface ClaimedDelivery {
  readonly id: string;
  readonly subscriptionId: string;
  readonly attempts: number;
  readonly firstAttemptAt: Date | null;
  readonly url: string;
  readonly secrets: SecretRow[];
  readonly envelope: CloudEvent;
}

export interface EnqueueRow {
  readonly subscriptionId: string;
  readonly seq: string;
  readonly eventId: string;
  readonly caseKey: string;
  readonly replay: boolean;
}

/** One attempt's result, as the sender records it. */
export interface AttemptResult {
  readonly id: string;
  readonly at: Date;
  readonly statusCode: number | null;
  readonly latencyMs: number;
  readonly error: string | null;
  readonly outcome: 'delivered' | 'retry' | 'held' | 'dead';
  readonly retryAt?: Date | undefined;
}

/** A logged event as replay reads it. */
export interface LoggedEvent {
  readonly seq: string;
  readonly facts: EventFacts;
}

type Db = Pick<pg.PoolClient, 'query'>;

const SUBSCRIPTION = `id, department, url, description, event_types AS "eventTypes", categories, areas, status, disabled_reason AS "disabledReason",
  secrets, created_by AS "createdBy", created_at AS "createdAt", updated_at AS "updatedAt"`;
const DELIVERY = `d.id::text AS id, d.subscription_id AS "subscriptionId", d.event_id AS "eventId", e.type AS "eventType", e.case_no AS "caseNo", d.status,
  d.attempts, d.last_status_code AS "lastStatusCode", d.last_error AS "lastError", d.last_latency_ms AS "lastLatencyMs",
  d.next_attempt_at AS "nextAttemptAt", d.created_at AS "createdAt", d.delivered_at AS "deliveredAt", d.replay`;

/** The only place that queries service-office's subscriptions, deliveries and event log (plain SQL, `$n`). */
@Injectable()
export class SubscriptionRepository {
  constructor(private readonly sql: ServiceSql) {}

  private t(name: string): string {
    return this.sql.table(name);
  }

  transaction<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    return this.sql.transaction(fn);
  }

  // ---- the event log and routing --------------------------------------------------------------

  /** Logs events (once each); returns each new event's sequence by event id. */
  async logEvents(db: Db, events: readonly { facts: EventFacts; envelope: CloudEvent }[]): Promise<Map<string, string>> {
    if (events.length === 0) return new Map();
    const res = await db.query<{ seq: string; event_id: string }>(
      `INSERT INTO ${this.t('case_event_log')} (event_id, type, case_key, case_no, category_code, grid_code, occurred_at, envelope)
       SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::timestamptz[], $8::jsonb[])
       ON CONFLICT (event_id) DO NOTHING RETURNING seq::text, event_id`,
      [
        events.map((e) => e.facts.id),
        events.map((e) => e.facts.type),
        events.map((e) => e.facts.caseKey),
        events.map((e) => e.facts.caseNo ?? null),
        events.map((e) => e.facts.categoryCode ?? null),
        events.map((e) => e.facts.gridCode ?? null),
        events.map((e) => e.facts.occurredAt),
        events.map((e) => JSON.stringify(e.envelope)),
      ],
    );
    return new Map(res.rows.map((r) => [r.event_id, r.seq]));
  }

  /** The department each case is dispatched to now (`db`: inside a transaction, else the pool). */
  /** What this tier has heard of a case by its number: its id, category and grid as of its latest event. */
  async caseByNo(caseNo: string): Promise<{ caseKey: string; categoryCode: string | null; gridCode: string | null } | undefined> {
    return (
      await this.sql.query<{ caseKey: string; categoryCode: string | null; gridCode: string | null }>(
        `SELECT case_key AS "caseKey", category_code AS "categoryCode", grid_code AS "gridCode" FROM ${this.t('case_event_log')}
         WHERE case_no = $1 AND type LIKE 'gm.case.%' ORDER BY seq DESC LIMIT 1`,
        [caseNo],
      )
    )[0];
  }

  /** A case as this tier last heard of it (from any tier below): its id and the tier that published it. */
  async caseTarget(caseNo: string): Promise<{ caseKey: string; tier: string; gridCode: string | null } | undefined> {
    return (
      await this.sql.query<{ caseKey: string; tier: string; gridCode: string | null }>(
        `SELECT case_key AS "caseKey", envelope->>'gmtier' AS tier, grid_code AS "gridCode" FROM ${this.t('case_event_log')}
         WHERE case_no = $1 AND type LIKE 'gm.case.%' ORDER BY seq DESC LIMIT 1`,
        [caseNo],
      )
    )[0];
  }

  /** A work order as this tier last heard of it: its department, number and the tier that keeps it. */
  async workOrderTarget(id: string): Promise<{ department: string; no: string; tier: string } | undefined> {
    return (
      await this.sql.query<{ department: string; no: string; tier: string }>(
        `SELECT envelope->'data'->>'department' AS department, envelope->'data'->>'no' AS no, envelope->>'gmtier' AS tier FROM ${this.t('case_event_log')}
         WHERE case_key = $1 AND type LIKE 'gm.workorder.%' ORDER BY seq DESC LIMIT 1`,
        [id],
      )
    )[0];
  }

  async caseDepartments(db: Db | undefined, caseKeys: readonly string[]): Promise<Map<string, string>> {
    if (caseKeys.length === 0) return new Map();
    const res = await (db ?? (this.sql.pool as unknown as Db)).query<{ case_key: string; department: string }>(`SELECT case_key, department FROM ${this.t('case_departments')} WHERE case_key = ANY($1)`, [
      [...new Set(caseKeys)],
    ]);
    return new Map(res.rows.map((r) => [r.case_key, r.department]));
  }

  async setCaseDepartment(db: Db, caseKey: string, department: string | null, at: string): Promise<void> {
    if (department === null) await db.query(`DELETE FROM ${this.t('case_departments')} WHERE case_key = $1`, [caseKey]);
    else
      await db.query(
        `INSERT INTO ${this.t('case_departments')} (case_key, department, since) VALUES ($1, $2, $3)
         ON CONFLICT (case_key) DO UPDATE SET department = excluded.department, since = excluded.since`,
        [caseKey, department, at],
      );
  }

  async enqueue(db: Db, rows: readonly EnqueueRow[]): Promise<number> {
    if (rows.length === 0) return 0;
    const res = await db.query(
      `INSERT INTO ${this.t('deliveries')} (subscription_id, event_seq, event_id, case_key, replay)
       SELECT * FROM unnest($1::uuid[], $2::bigint[], $3::uuid[], $4::text[], $5::boolean[])
       ON CONFLICT (subscription_id, event_id) WHERE status = 'pending' DO NOTHING`,
      [rows.map((r) => r.subscriptionId), rows.map((r) => r.seq), rows.map((r) => r.eventId), rows.map((r) => r.caseKey), rows.map((r) => r.replay)],
    );
    return res.rowCount ?? 0;
  }

  /** Logged events after `afterSeq` (or from `since`), in order, one page. */
  async loggedEvents(from: { afterSeq: string } | { since: string }, limit: number): Promise<LoggedEvent[]> {
    const [where, param] = 'afterSeq' in from ? ['seq > $1', from.afterSeq] : ['occurred_at >= $1', from.since];
    const rows = await this.sql.query<{ seq: string; event_id: string; type: string; case_key: string; case_no: string | null; category_code: string | null; grid_code: string | null; occurred_at: Date }>(
      `SELECT seq::text, event_id, type, case_key, case_no, category_code, grid_code, occurred_at FROM ${this.t('case_event_log')} l WHERE ${where} ORDER BY l.seq LIMIT $2`,
      [param, limit],
    );
    return rows.map((r) => ({
      seq: r.seq,
      facts: {
        id: r.event_id,
        type: r.type,
        caseKey: r.case_key,
        caseNo: r.case_no ?? undefined,
        categoryCode: r.category_code ?? undefined,
        gridCode: r.grid_code ?? undefined,
        occurredAt: new Date(r.occurred_at).toISOString(),
        dispatchedTo: undefined,
      },
    }));
  }

  async seqOfEvent(eventId: string): Promise<string | undefined> {
    return (await this.sql.query<{ seq: string }>(`SELECT seq::text FROM ${this.t('case_event_log')} WHERE event_id = $1`, [eventId]))[0]?.seq;
  }

  /** Drops logged events older than `before` (their deliveries with them). */
  async pruneLog(before: Date): Promise<number> {
    const rows = await this.sql.query(`DELETE FROM ${this.t('case_event_log')} WHERE occurred_at < $1 RETURNING seq`, [before]);
    return rows.length;
  }

  // ---- subscriptions ----------------------------------------------------------------------------

  async activeSubscriptions(db?: Db): Promise<SubscriptionRow[]> {
    const q = `SELECT ${SUBSCRIPTION} FROM ${this.t('subscriptions')} WHERE status = 'active'`;
    return db ? (await db.query<SubscriptionRow>(q)).rows : this.sql.query<SubscriptionRow>(q);
  }

  async list(department: string | undefined): Promise<SubscriptionRow[]> {
    return department === undefined
      ? this.sql.query<SubscriptionRow>(`SELECT ${SUBSCRIPTION} FROM ${this.t('subscriptions')} WHERE department NOT LIKE '\\_%' ORDER BY created_at`)
      : this.sql.query<SubscriptionRow>(`SELECT ${SUBSCRIPTION} FROM ${this.t('subscriptions')} WHERE department = $1 ORDER BY created_at`, [department]);
  }

  async one(id: string): Promise<SubscriptionRow | undefined> {
    return (await this.sql.query<SubscriptionRow>(`SELECT ${SUBSCRIPTION} FROM ${this.t('subscriptions')} WHERE id = $1`, [id]))[0];
  }

  async counts(ids: readonly string[]): Promise<Map<string, { pending: number; delivered: number; dead: number }>> {
    const rows = await this.sql.query<{ subscription_id: string; status: 'pending' | 'delivered' | 'dead'; n: number }>(
      `SELECT subscription_id, status, count(*)::int AS n FROM ${this.t('deliveries')} WHERE subscription_id = ANY($1) GROUP BY 1, 2`,
      [ids],
    );
    const out = new Map(ids.map((id) => [id, { pending: 0, delivered: 0, dead: 0 }]));
    for (const r of rows) out.get(r.subscription_id)![r.status] = r.n;
    return out;
  }

  async insert(s: { id: string; department: string; url: string; description: string; eventTypes: string[]; categories: string[]; areas: string[]; secrets: SecretRow[]; createdBy: string }): Promise<void> {
    await this.sql.query(
      `INSERT INTO ${this.t('subscriptions')} (id, department, url, description, event_types, categories, areas, secrets, created_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [s.id, s.department, s.url, s.description, s.eventTypes, s.categories, s.areas, JSON.stringify(s.secrets), s.createdBy],
    );
  }

  async update(id: string, s: { url: string; description: string; eventTypes: string[]; categories: string[]; areas: string[]; status: 'active' | 'disabled'; disabledReason: string | null }): Promise<void> {
    await this.sql.query(
      `UPDATE ${this.t('subscriptions')} SET url = $2, description = $3, event_types = $4, categories = $5, areas = $6, status = $7, disabled_reason = $8, updated_at = now() WHERE id = $1`,
      [id, s.url, s.description, s.eventTypes, s.categories, s.areas, s.status, s.disabledReason],
    );
  }

  async setSecrets(id: string, secrets: SecretRow[]): Promise<void> {
    await this.sql.query(`UPDATE ${this.t('subscriptions')} SET secrets = $2, updated_at = now() WHERE id = $1`, [id, JSON.stringify(secrets)]);
  }

  async disable(id: string, reason: string): Promise<void> {
    await this.sql.query(`UPDATE ${this.t('subscriptions')} SET status = 'disabled', disabled_reason = $2, updated_at = now() WHERE id = $1 AND status = 'active'`, [id, reason]);
    await this.park(id, true);
  }

  /** Parks a disabled subscription's waiting deliveries out of the sender's way, or brings them back (due now) when it is enabled. */
  /**
   * A subscription the tier configures rather than a department (the notification gateway, whose
   * "department" starts with "_" and is listed nowhere): kept as configured, active, with what
   * waited for it released.
   */
  async upsertSystem(s: { id: string; department: string; url: string; description: string; secrets: SecretRow[] }): Promise<void> {
    await this.sql.query(
      `INSERT INTO ${this.t('subscriptions')} (id, department, url, description, event_types, categories, areas, secrets, created_by) VALUES ($1, $2, $3, $4, '{}', '{}', '{}', $5, 'configuration')
       ON CONFLICT (id) DO UPDATE SET url = excluded.url, description = excluded.description, secrets = excluded.secrets, status = 'active', disabled_reason = NULL, updated_at = now()`,
      [s.id, s.department, s.url, s.description, JSON.stringify(s.secrets)],
    );
    await this.park(s.id, false);
  }

  async park(id: string, parked: boolean): Promise<void> {
    await this.sql.query(
      parked
        ? `UPDATE ${this.t('deliveries')} SET next_attempt_at = 'infinity' WHERE subscription_id = $1 AND status = 'pending'`
        : `UPDATE ${this.t('deliveries')} SET next_attempt_at = now() WHERE subscription_id = $1 AND status = 'pending' AND next_attempt_at = 'infinity'`,
      [id],
    );
  }

  async delete(id: string): Promise<void> {
    await this.sql.query(`DELETE FROM ${this.t('subscriptions')} WHERE id = $1`, [id]);
  }

  // ---- deliveries ------------------------------------------------------------------------------

  /**
   * Leases up to `limit` deliveries that are due, oldest first: each the oldest waiting one of its
   * case for its subscription (ordered per case), of an active subscription, not leased by another
   * sender. The walk follows the due index over a window of `4 × limit` and no further, so a long
   * backlog does not make a claim slower; what would fill the window without being sendable is kept
   * out of it: a retried delivery pushes its case's later ones back with it, and a disabled
   * subscription's deliveries are parked (due at 'infinity') until it is enabled again. The outer condition is checked again under the row lock, so two senders never
   * take the same delivery.
   */
  async claimDue(limit: number, leaseMs: number): Promise<ClaimedDelivery[]> {
    type Row = { id: string; subscription_id: string; attempts: number; first_attempt_at: Date | null; url: string; secrets: SecretRow[]; envelope: CloudEvent };
    // Index probes only, whatever the statistics say: a backlog grows faster than autovacuum's
    // analyze notices (80,000 deliveries in 20 s in T8), and with the statistics of an empty table
    // the planner scans every waiting delivery once per candidate (quadratic; seen in T8).
    const rows = await this.sql.transaction(async (db) => {
      await db.query('SET LOCAL enable_seqscan = off');
      await db.query('SET LOCAL enable_bitmapscan = off');
      // Three short statements on explicit ids, each an index walk or probes by key.
      const due = await db.query<{ id: string }>(
        `WITH candidates AS MATERIALIZED (
           SELECT d.id, d.subscription_id, d.chain, d.event_seq FROM ${this.t('deliveries')} d
           WHERE d.status = 'pending' AND d.next_attempt_at <= now() AND (d.leased_until IS NULL OR d.leased_until < now())
           ORDER BY d.next_attempt_at LIMIT $1
         )
         SELECT c.id::text AS id FROM candidates c
         WHERE NOT EXISTS (SELECT 1 FROM ${this.t('deliveries')} p WHERE p.chain = c.chain AND p.status = 'pending' AND p.event_seq < c.event_seq)
           AND EXISTS (SELECT 1 FROM ${this.t('subscriptions')} s WHERE s.id = c.subscription_id AND s.status = 'active')
         LIMIT $2`,
        [limit * 4, limit],
      );
      if (due.rows.length === 0) return [];
      const leased = await db.query<{ id: string }>(
        `UPDATE ${this.t('deliveries')} SET leased_until = now() + make_interval(secs => $2::double precision / 1000)
         WHERE id = ANY($1::bigint[]) AND status = 'pending' AND (leased_until IS NULL OR leased_until < now())
         RETURNING id::text AS id`,
        [due.rows.map((r) => r.id), leaseMs],
      );
      if (leased.rows.length === 0) return [];
      return (
        await db.query<Row>(
          `SELECT d.id::text AS id, d.subscription_id, d.attempts, d.first_attempt_at, s.url, s.secrets, e.envelope
           FROM ${this.t('deliveries')} d JOIN ${this.t('subscriptions')} s ON s.id = d.subscription_id JOIN ${this.t('case_event_log')} e ON e.seq = d.event_seq
           WHERE d.id = ANY($1::bigint[]) ORDER BY d.next_attempt_at`,
          [leased.rows.map((r) => r.id)],
        )
      ).rows;
    });
    return rows.map((r) => ({ id: r.id, subscriptionId: r.subscription_id, attempts: r.attempts, firstAttemptAt: r.first_attempt_at, url: r.url, secrets: r.secrets, envelope: r.envelope }));
  }

  /**
   * Records attempts and their outcomes, many in one statement: each delivery delivered, waiting
   * again until `retryAt`, held (its subscription was disabled), or dead; its attempt in the log.
   */
  async recordAttempts(results: readonly AttemptResult[]): Promise<void> {
    if (results.length === 0) return;
    await this.sql.query(
      `WITH r AS (
         SELECT * FROM unnest($1::bigint[], $2::text[], $3::int[], $4::text[], $5::int[], $6::timestamptz[], $7::timestamptz[]) AS r(id, status, code, error, latency, retry_at, at)
       ), logged AS (
         INSERT INTO ${this.t('delivery_attempts')} (delivery_id, at, status_code, latency_ms, error) SELECT id, at, code, latency, error FROM r
       ), behind AS (
         UPDATE ${this.t('deliveries')} x SET next_attempt_at = greatest(x.next_attempt_at, r.retry_at)
         FROM r JOIN ${this.t('deliveries')} h ON h.id = r.id
         WHERE r.retry_at IS NOT NULL AND x.chain = h.chain AND x.status = 'pending' AND x.event_seq > h.event_seq
       )
       UPDATE ${this.t('deliveries')} d SET status = r.status, attempts = d.attempts + 1, leased_until = NULL, first_attempt_at = coalesce(d.first_attempt_at, r.at),
         last_status_code = r.code, last_error = r.error, last_latency_ms = r.latency, next_attempt_at = coalesce(r.retry_at, d.next_attempt_at),
         delivered_at = CASE WHEN r.status = 'delivered' THEN r.at + make_interval(secs => r.latency / 1000.0) ELSE d.delivered_at END
       FROM r WHERE d.id = r.id`,
      [
        results.map((r) => r.id),
        results.map((r) => (r.outcome === 'delivered' ? 'delivered' : r.outcome === 'dead' ? 'dead' : 'pending')),
        results.map((r) => r.statusCode),
        results.map((r) => r.error),
        results.map((r) => r.latencyMs),
        results.map((r) => r.retryAt ?? null),
        results.map((r) => r.at),
      ],
    );
  }

  /** Gives leased deliveries back (a sender stopping with some not sent). */
  async release(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.sql.query(`UPDATE ${this.t('deliveries')} SET leased_until = NULL WHERE id = ANY($1::bigint[]) AND status = 'pending'`, [ids]);
  }

  async deliveries(subscriptionId: string, q: { status?: string | undefined; limit: number; cursor?: string | undefined }): Promise<DeliveryRow[]> {
    const params: unknown[] = [subscriptionId, q.limit];
    let where = 'd.subscription_id = $1';
    if (q.status) where += ` AND d.status = $${params.push(q.status)}`;
    if (q.cursor) where += ` AND d.id < $${params.push(q.cursor)}`;
    return this.sql.query<DeliveryRow>(
      `SELECT ${DELIVERY} FROM ${this.t('deliveries')} d JOIN ${this.t('case_event_log')} e ON e.seq = d.event_seq WHERE ${where} ORDER BY d.id DESC LIMIT $2`,
      params,
    );
  }

  async delivery(subscriptionId: string, id: string): Promise<DeliveryRow | undefined> {
    return (
      await this.sql.query<DeliveryRow>(`SELECT ${DELIVERY} FROM ${this.t('deliveries')} d JOIN ${this.t('case_event_log')} e ON e.seq = d.event_seq WHERE d.subscription_id = $1 AND d.id = $2`, [
        subscriptionId,
        id,
      ])
    )[0];
  }

  async attempts(deliveryId: string): Promise<{ at: Date; statusCode: number | null; latencyMs: number; error: string | null }[]> {
    return this.sql.query(
      `SELECT at, status_code AS "statusCode", latency_ms AS "latencyMs", error FROM ${this.t('delivery_attempts')} WHERE delivery_id = $1 ORDER BY id`,
      [deliveryId],
    );
  }

  /** Sends a dead delivery again (a fresh retry horizon); false if it is not dead, or the event waits already. */
  async redeliver(subscriptionId: string, id: string): Promise<boolean> {
    const rows = await this.sql.query(
      `UPDATE ${this.t('deliveries')} d SET status = 'pending', attempts = 0, first_attempt_at = NULL, next_attempt_at = now(), leased_until = NULL
       WHERE d.subscription_id = $1 AND d.id = $2 AND d.status = 'dead'
         AND NOT EXISTS (SELECT 1 FROM ${this.t('deliveries')} p WHERE p.subscription_id = d.subscription_id AND p.event_id = d.event_id AND p.status = 'pending')
       RETURNING d.id`,
      [subscriptionId, id],
    );
    return rows.length === 1;
  }

  async redeliverAllDead(subscriptionId: string): Promise<number> {
    const rows = await this.sql.query(
      `UPDATE ${this.t('deliveries')} d SET status = 'pending', attempts = 0, first_attempt_at = NULL, next_attempt_at = now(), leased_until = NULL
       WHERE d.id IN (SELECT DISTINCT ON (event_id) id FROM ${this.t('deliveries')} x WHERE x.subscription_id = $1 AND x.status = 'dead'
         AND NOT EXISTS (SELECT 1 FROM ${this.t('deliveries')} p WHERE p.subscription_id = x.subscription_id AND p.event_id = x.event_id AND p.status = 'pending')
         ORDER BY event_id, id DESC)
       RETURNING d.id`,
      [subscriptionId],
    );
    return rows.length;
  }
}
