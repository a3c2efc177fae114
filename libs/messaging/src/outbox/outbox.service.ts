import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from '@mikro-orm/postgresql';
import { afterCommit } from '@gm/persistence';
import type { z } from 'zod';
import { createCloudEvent, scopedSubject, Headers, type CloudEvent, type EventDefinition, type Namespace } from '@gm/contracts';
import { currentTraceHeaders } from '@gm/telemetry';
import { MESSAGING_OPTIONS, type MessagingOptions } from '../messaging-options';
import { OutboxMessage } from './outbox-message.entity';

/**
 * Records events in the caller's unit of work. Nothing is sent here: the relay publishes after
 * the transaction commits, so an event exists exactly when its state change does. Each row also
 * registers a commit hook on the caller's transaction (`afterCommit`, libs/persistence): the
 * persistence layer runs it right after the COMMIT, which wakes the relay (ADR 0019). Callers do
 * nothing more.
 */
@Injectable()
export class Outbox {
  private readonly listeners = new Set<() => void>();
  /** Run by the persistence layer after a commit that wrote outbox rows: tells the listeners (the relay). */
  private readonly committed = (): void => {
    for (const l of this.listeners) l();
  };

  constructor(@Inject(MESSAGING_OPTIONS) private readonly opts: MessagingOptions) {}

  /** Adds the event to `em` (flushed with the caller's transaction) and returns the envelope. */
  add<S extends z.ZodType>(em: EntityManager, def: EventDefinition<S>, data: z.input<S>, about?: string): CloudEvent<z.infer<S>> {
    const { row, event } = this.build(def, data, about);
    em.persist(row);
    afterCommit(em, this.committed);
    return event;
  }

  /**
   * The same, published in another tier's subject space: what a parent sends down to a child
   * (`gm.<child>.downlink.…`, captured by the parent's DOWNLINK_<child> stream).
   */
  addFor<S extends z.ZodType>(em: EntityManager, target: Namespace, def: EventDefinition<S>, data: z.input<S>, about?: string): CloudEvent<z.infer<S>> {
    const { row, event } = this.build(def, data, about, target);
    em.persist(row);
    afterCommit(em, this.committed);
    return event;
  }

  /**
   * The same for code that writes with a plain `pg` transaction (bulk imports): inserts the row
   * through `client` in its transaction (one of `RawSql.transaction`, whose commit runs the hook).
   */
  async addWith<S extends z.ZodType>(
    client: { query(sql: string, params: unknown[]): Promise<unknown> },
    schema: string,
    def: EventDefinition<S>,
    data: z.input<S>,
    about?: string,
  ): Promise<CloudEvent<z.infer<S>>> {
    const { row, event } = this.build(def, data, about);
    await client.query(`INSERT INTO "${schema}".outbox (id, subject, type, payload, headers, created_at) VALUES ($1, $2, $3, $4, $5, now())`, [
      row.id,
      row.subject,
      row.type,
      JSON.stringify(row.payload),
      JSON.stringify(row.headers),
    ]);
    afterCommit(client, this.committed);
    return event;
  }

  /**
   * Many events of one type at once, each on a subject of its own (e.g. one per record), in one
   * statement through `client` in its transaction.
   */
  async addManyWith<S extends z.ZodType>(
    client: { query(sql: string, params: unknown[]): Promise<unknown> },
    schema: string,
    def: EventDefinition<S>,
    items: readonly { readonly data: z.input<S>; readonly subject: string; readonly about?: string }[],
  ): Promise<void> {
    for (let i = 0; i < items.length; i += 1000) {
      const rows = items.slice(i, i + 1000).map((item) => {
        const { row } = this.build(def, item.data, item.about);
        return { ...row, subject: item.subject };
      });
      await client.query(
        `INSERT INTO "${schema}".outbox (id, subject, type, payload, headers, created_at)
         SELECT id, subject, type, payload, headers, now() FROM unnest($1::uuid[], $2::text[], $3::text[], $4::jsonb[], $5::jsonb[]) AS r(id, subject, type, payload, headers)`,
        [rows.map((r) => r.id), rows.map((r) => r.subject), rows.map((r) => r.type), rows.map((r) => JSON.stringify(r.payload)), rows.map((r) => JSON.stringify(r.headers))],
      );
    }
    if (items.length > 0) afterCommit(client, this.committed);
  }

  /** `listener` runs after every commit that wrote outbox rows through this service (the relay listens). */
  onCommitted(listener: () => void): void {
    this.listeners.add(listener);
  }

  private build<S extends z.ZodType>(
    def: EventDefinition<S>,
    data: z.input<S>,
    about?: string,
    target: Namespace = this.opts.namespace,
  ): { row: OutboxMessage; event: CloudEvent<z.infer<S>> } {
    const trace = currentTraceHeaders();
    const event = createCloudEvent(def, data, {
      source: `${this.opts.tier}/${this.opts.service}`,
      tier: this.opts.tier,
      ...(about !== undefined && { subject: about }),
      ...(trace[Headers.traceparent] !== undefined && { traceparent: trace[Headers.traceparent] }),
      ...(trace[Headers.tracestate] !== undefined && { tracestate: trace[Headers.tracestate] }),
    });
    const row = new OutboxMessage();
    row.id = event.id;
    row.type = event.type;
    row.subject = scopedSubject(target, event.type);
    row.payload = event as unknown as Record<string, unknown>;
    row.headers = trace;
    return { row, event };
  }
}
