import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { MikroORM } from '@mikro-orm/postgresql';
import { headers as natsHeaders } from '@nats-io/transport-node';
import { Headers, type StreamDefinition } from '@gm/contracts';
import { contextFromHeaders, JsonLogger, SpanKind, withSpan } from '@gm/telemetry';
import { MESSAGING_OPTIONS, type MessagingOptions } from '../messaging-options';
import { errorText, NatsClient } from '../nats-client.service';
import { JetStreamService } from '../jetstream/jetstream.service';
import { injectTrace } from '../trace-headers';
import { Outbox } from './outbox.service';

export interface OutboxRelayOptions {
  /** Streams this service publishes into; ensured before the first publish on each connection. */
  readonly streams: readonly StreamDefinition[];
  /** Fallback polling when no commit signal arrives (e.g. rows written by another replica). */
  readonly pollIntervalMs?: number;
  readonly batchSize?: number;
}
export const OUTBOX_RELAY_OPTIONS = Symbol('OUTBOX_RELAY_OPTIONS');

interface Row {
  id: string;
  subject: string;
  type: string;
  payload: unknown;
  headers: Record<string, string>;
}

/**
 * Publishes committed outbox rows to JetStream in commit order, with `Nats-Msg-Id` = event id so
 * that a publish repeated after a crash or a lost ack is dropped by the stream, then marks them
 * sent. One relay works at a time per schema (advisory lock), which keeps the order across
 * replicas. While NATS is away it waits; rows stay until it returns.
 */
@Injectable()
export class OutboxRelay implements OnApplicationBootstrap, OnApplicationShutdown {
  private stopped = false;
  private wakeUp: (() => void) | undefined;
  private pendingWake = false;
  private loop: Promise<void> | undefined;
  private streamsReadyOn: unknown;
  private readonly table: string;

  constructor(
    private readonly orm: MikroORM,
    private readonly nats: NatsClient,
    private readonly jetstream: JetStreamService,
    private readonly outbox: Outbox,
    private readonly logger: JsonLogger,
    @Inject(MESSAGING_OPTIONS) private readonly opts: MessagingOptions,
    @Inject(OUTBOX_RELAY_OPTIONS) private readonly relayOpts: OutboxRelayOptions,
  ) {
    this.table = `"${String(orm.config.get('schema'))}".outbox`;
  }

  onApplicationBootstrap(): void {
    this.outbox.bindRelay(() => this.wake());
    this.nats.onChange((connected) => connected && this.wake());
    this.loop = this.run();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    this.wake();
    await this.loop;
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

    return this.orm.em.fork().transactional(async (tx) => {
      const [lock] = await tx.execute<{ locked: boolean }[]>('SELECT pg_try_advisory_xact_lock(hashtext(?)) AS locked', [this.table]);
      if (!lock?.locked) return false;
      const rows = await tx.execute<Row[]>(
        `SELECT id, subject, type, payload, headers FROM ${this.table} WHERE sent_at IS NULL ORDER BY created_at, id LIMIT ?`,
        [batchSize],
      );
      const sent: string[] = [];
      let failure: { id: string; error: string } | undefined;
      for (const row of rows) {
        try {
          await withSpan(
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
              if (ack.duplicate) {
                this.logger.event('info', 'outbox.duplicate_dropped_by_stream', { eventId: row.id, type: row.type }, 'OutboxRelay');
              }
            },
          );
          sent.push(row.id);
        } catch (err) {
          failure = { id: row.id, error: errorText(err) };
          break; // keep commit order: nothing after a failed row goes out before it
        }
      }
      if (sent.length > 0) {
        await tx.execute(`UPDATE ${this.table} SET sent_at = now(), attempts = attempts + 1 WHERE id IN (?)`, [sent]);
        this.logger.event('debug', 'outbox.published', { count: sent.length }, 'OutboxRelay');
      }
      if (failure) {
        await tx.execute(`UPDATE ${this.table} SET attempts = attempts + 1, last_error = ? WHERE id = ?`, [failure.error.slice(0, 500), failure.id]);
        this.logger.event('warn', 'outbox.publish_failed', { eventId: failure.id, error: failure.error }, 'OutboxRelay');
        return false;
      }
      return rows.length === batchSize;
    });
  }
}
