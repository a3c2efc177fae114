import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { MikroORM } from '@mikro-orm/postgresql';
import { headers as natsHeaders } from '@nats-io/transport-node';
import pg from 'pg';
import { Headers, type StreamDefinition } from '@gm/contracts';
import { contextFromHeaders, JsonLogger, oncePerScrape, ServiceMetrics, SpanKind, withSpan, type Counter } from '@gm/telemetry';
import { MESSAGING_OPTIONS, type MessagingOptions } from '../messaging-options';
import { errorText, NatsClient } from '../nats-client.service';
import { JetStreamService } from '../jetstream/jetstream.service';
import { injectTrace } from '../trace-headers';
import { Outbox } from './outbox.service';

export interface OutboxRelayOptions {
  /** Streams this service publishes into; ensured before the first publish on each connection. */
  readonly streams: readonly StreamDefinition[];
  /**
   * Fallback polling, for what no commit hook announces: rows written by another replica, and rows
   * left behind by a failed publish. Commits in this process wake the relay at once (ADR 0019).
   */
  readonly pollIntervalMs?: number;
  readonly batchSize?: number;
}
export const OUTBOX_RELAY_OPTIONS = Symbol('OUTBOX_RELAY_OPTIONS');

interface Row {
  /** Whether this batch took the lock (when not, the one row read has only this). */
  locked: boolean;
  id: string;
  subject: string;
  type: string;
  payload: unknown;
  headers: Record<string, string>;
}

/**
 * Publishes committed outbox rows to JetStream in the order they were written (`seq`), with `Nats-Msg-Id` = event id so
 * that a publish repeated after a crash or a lost ack is dropped by the stream, then marks them
 * sent. One relay works at a time per schema (advisory lock), which keeps the order across
 * replicas. While NATS is away it waits; rows stay until it returns.
 *
 * The relay has a PostgreSQL connection of its own, beside the ORM's pool, and a batch is two
 * statements on it: one takes the lock and reads the rows, one marks those published and lets go
 * of the lock. Through the ORM it was a transaction of five (begin, lock, read, update, commit) on a
 * pooled connection, which under load the relay first waited for behind the requests, and then
 * kept from them while it waited for JetStream's acks, one row after the other. The rows of a batch
 * are now published back to back and their acks awaited together.
 */
@Injectable()
export class OutboxRelay implements OnApplicationBootstrap, OnApplicationShutdown {
  private stopped = false;
  private wakeUp: (() => void) | undefined;
  private pendingWake = false;
  private loop: Promise<void> | undefined;
  private streamsReadyOn: unknown;
  private readonly table: string;
  private db: pg.Client | undefined;
  private readonly published: Counter;
  private readonly failures: Counter;

  constructor(
    private readonly orm: MikroORM,
    private readonly nats: NatsClient,
    private readonly jetstream: JetStreamService,
    private readonly outbox: Outbox,
    private readonly logger: JsonLogger,
    @Inject(MESSAGING_OPTIONS) private readonly opts: MessagingOptions,
    @Inject(OUTBOX_RELAY_OPTIONS) private readonly relayOpts: OutboxRelayOptions,
    private readonly metrics: ServiceMetrics,
  ) {
    this.table = `"${String(orm.config.get('schema'))}".outbox`;
    this.published = metrics.meter.createCounter('gm.outbox.published', { description: 'Events the relay published to JetStream' });
    this.failures = metrics.meter.createCounter('gm.outbox.publish_failures', { description: 'Publishes to JetStream that failed (retried by the next batch)' });
    // What waits to be published: rising while NATS is away, falling once it is back. Counted by the
    // partial index of unsent rows, through the ORM's pool (the relay's connection may be mid-batch).
    metrics.observe('gm.outbox.backlog', 'Outbox rows committed but not yet published', '{event}', async () => [{ value: (await this.backlog()).rows }]);
    metrics.observe('gm.outbox.oldest_age_seconds', 'Age of the oldest unpublished outbox row (0 when none)', 's', async () => [{ value: (await this.backlog()).ageSec }]);
  }

  /** The backlog, counted once for both gauges of a scrape. */
  private readonly backlog = oncePerScrape(async () => {
    const r = await this.orm.em
      .getConnection()
      .execute<{ rows: number; age: number | null }[]>(`SELECT count(*)::int AS rows, extract(epoch FROM now() - min(created_at))::float8 AS age FROM ${this.table} WHERE sent_at IS NULL`);
    return { rows: Number(r[0]?.rows ?? 0), ageSec: Math.max(0, Number(r[0]?.age ?? 0)) };
  });

  onApplicationBootstrap(): void {
    this.outbox.onCommitted(() => this.wake());
    this.nats.onChange((connected) => connected && this.wake());
    this.loop = this.run();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    this.wake();
    await this.loop;
    await this.disconnect();
  }

  wake(): void {
    this.pendingWake = true;
    this.wakeUp?.();
  }

  private async run(): Promise<void> {
    const poll = this.relayOpts.pollIntervalMs ?? 1000;
    while (!this.stopped) {
      let more = false;
      try {
        more = await this.drainOnce();
      } catch (err) {
        this.logger.event('error', 'outbox.relay_failed', { error: errorText(err) }, 'OutboxRelay');
      }
      if (more || this.stopped) continue;
      await this.idle(poll);
    }
  }

  private idle(ms: number): Promise<void> {
    if (this.pendingWake) {
      this.pendingWake = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const t = setTimeout(done, ms);
      const self = this;
      function done() {
        clearTimeout(t);
        self.wakeUp = undefined;
        self.pendingWake = false;
        resolve();
      }
      this.wakeUp = done;
    });
  }

  /** Publishes one batch. Returns true when more rows may be waiting. */
  async drainOnce(): Promise<boolean> {
    const nc = this.nats.current();
    if (!nc) return false;
    if (this.streamsReadyOn !== nc) {
      await this.jetstream.ensureStreams(this.relayOpts.streams);
      this.streamsReadyOn = nc;
    }
    const js = this.jetstream.client(nc);
    const batchSize = this.relayOpts.batchSize ?? 100;
    const timeout = this.opts.requestTimeoutMs ?? 2000;
    const db = await this.connection();
    try {
      // The lock is tried once (a materialized CTE), the rows are read only when it is taken; the
      // first column says whether it was (a row with it comes back either way).
      const { rows } = await db.query<Row>(
        `WITH lock AS MATERIALIZED (SELECT pg_try_advisory_lock(hashtext($1)) AS locked)
         SELECT lock.locked, o.id, o.subject, o.type, o.payload, o.headers
           FROM lock LEFT JOIN LATERAL (
             SELECT id, subject, type, payload, headers, seq FROM ${this.table}
              WHERE lock.locked AND sent_at IS NULL ORDER BY seq LIMIT $2
           ) o ON true
          ORDER BY o.seq`,
        [this.table, batchSize],
      );
      if (!rows[0]?.locked) return false; // another relay (replica) is at work
      const batch = rows.filter((r) => r.id !== null);
      // Published back to back, in order on the connection, and the acks awaited together: the
      // stream stores them in that order, and one ack's round trip no longer waits for another's
      // (under load, behind the requests this process serves). Marked sent: the rows up to the
      // first that failed; that one and every later one are published again by the next batch
      // (those that did arrive are then dropped by the stream as duplicates, Nats-Msg-Id).
      const results = await Promise.allSettled(batch.map((row) => this.publish(js, row, timeout)));
      const sent: string[] = [];
      let failure: { id: string; error: string } | undefined;
      for (const [i, r] of results.entries()) {
        if (r.status === 'fulfilled') {
          sent.push(batch[i]!.id);
          continue;
        }
        failure = { id: batch[i]!.id, error: errorText(r.reason) };
        break;
      }
      // Data-modifying CTEs run whether or not the query reads them.
      await db.query(
        `WITH sent AS (UPDATE ${this.table} SET sent_at = now(), attempts = attempts + 1 WHERE id = ANY($2::uuid[])),
              failed AS (UPDATE ${this.table} SET attempts = attempts + 1, last_error = $4 WHERE id = $3::uuid)
         SELECT pg_advisory_unlock(hashtext($1))`,
        [this.table, sent, failure?.id ?? null, failure?.error.slice(0, 500) ?? null],
      );
      if (sent.length > 0) this.logger.event('debug', 'outbox.published', { count: sent.length }, 'OutboxRelay');
      if (sent.length > 0) this.published.add(sent.length, this.metrics.labels());
      if (failure) {
        this.failures.add(1, this.metrics.labels());
        this.logger.event('warn', 'outbox.publish_failed', { eventId: failure.id, error: failure.error }, 'OutboxRelay');
        return false;
      }
      return batch.length === batchSize;
    } catch (err) {
      // Ending the connection releases the lock whatever state it was left in; rows published but
      // not marked are published again by the next batch, and dropped by the stream as duplicates.
      await this.disconnect();
      throw err;
    }
  }

  private publish(js: ReturnType<JetStreamService['client']>, row: Row, timeout: number): Promise<void> {
    return withSpan(
      this.opts.service,
      `publish ${row.type}`,
      {
        kind: SpanKind.PRODUCER,
        parent: contextFromHeaders((k) => row.headers[k]),
        attributes: { 'messaging.system': 'nats', 'messaging.destination.name': row.subject, 'messaging.message.id': row.id },
      },
      async () => {
        const h = injectTrace(natsHeaders());
        h.set(Headers.ceId, row.id);
        h.set(Headers.ceType, row.type);
        const ack = await js.publish(row.subject, JSON.stringify(row.payload), { msgID: row.id, headers: h, timeout });
        if (ack.duplicate) this.logger.event('info', 'outbox.duplicate_dropped_by_stream', { eventId: row.id, type: row.type }, 'OutboxRelay');
      },
    );
  }

  /** The relay's own connection (made on first use, and again after a failure). */
  private async connection(): Promise<pg.Client> {
    if (this.db) return this.db;
    // The ORM's own URL (with whatever it says of TLS and the like), else its parsed options.
    const url = this.orm.config.get('clientUrl');
    const application_name = `${this.opts.service} outbox relay`;
    let options: pg.ClientConfig = { connectionString: url };
    if (!url) {
      const { host, port, user, password, database } = this.orm.em.getConnection().getConnectionOptions();
      options = { host, port, user, password, database };
    }
    const client = new pg.Client({ ...options, application_name });
    // An error on the idle connection (the server restarted, say) surfaces at the next query; without
    // a listener it would be thrown as an uncaught exception.
    // Lost, the connection is dropped and the loop woken, to connect again at once (not at the next
    // poll) and publish whatever committed meanwhile.
    client.on('error', (err) => {
      this.logger.event('warn', 'outbox.relay_connection_error', { error: errorText(err) }, 'OutboxRelay');
      if (this.db === client) {
        this.db = undefined;
        client.end().catch(() => undefined);
        this.wake();
      }
    });
    try {
      await client.connect();
      // This connection only marks rows sent. A mark lost in a crash costs a publish again, which
      // the stream drops as a duplicate (Nats-Msg-Id), so it need not wait for the WAL to reach
      // disk; the events themselves are committed by the writers' own transactions, as before.
      await client.query('SET synchronous_commit = off');
    } catch (err) {
      await client.end().catch(() => undefined);
      throw err;
    }
    this.db = client;
    return client;
  }

  private async disconnect(): Promise<void> {
    const client = this.db;
    this.db = undefined;
    await client?.end().catch(() => undefined);
  }
}
