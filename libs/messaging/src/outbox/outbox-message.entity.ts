import { Entity, PrimaryKey, Property } from '@mikro-orm/decorators/legacy';

/**
 * One event waiting to be published (or already published). Written in the same database
 * transaction as the state change it describes; the relay publishes it with `Nats-Msg-Id` = id.
 */
@Entity({ tableName: 'outbox' })
export class OutboxMessage {
  /** The CloudEvents id. */
  @PrimaryKey({ type: 'uuid' })
  id!: string;

  /** Scoped NATS subject. */
  @Property({ type: 'text' })
  subject!: string;

  @Property({ type: 'text' })
  type!: string;

  /** The whole CloudEvents envelope. */
  @Property({ type: 'jsonb' })
  payload!: Record<string, unknown>;

  /** Headers to send beside it (trace context). */
  @Property({ type: 'jsonb' })
  headers!: Record<string, string>;

  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();

  @Property({ type: 'timestamptz', nullable: true })
  sentAt?: Date | null = null;

  @Property({ type: 'integer' })
  attempts = 0;

  @Property({ type: 'text', nullable: true })
  lastError?: string | null = null;
}

/** DDL of the outbox and inbox tables, for each service's first migration (unqualified: run in its schema). */
export const OUTBOX_INBOX_DDL: readonly string[] = [
  `CREATE TABLE outbox (
     id uuid PRIMARY KEY,
     subject text NOT NULL,
     type text NOT NULL,
     payload jsonb NOT NULL,
     headers jsonb NOT NULL DEFAULT '{}'::jsonb,
     created_at timestamptz NOT NULL DEFAULT now(),
     sent_at timestamptz NULL,
     attempts integer NOT NULL DEFAULT 0,
     last_error text NULL
   )`,
  `CREATE INDEX outbox_unsent_idx ON outbox (created_at, id) WHERE sent_at IS NULL`,
  `CREATE TABLE inbox (
     consumer text NOT NULL,
     event_id uuid NOT NULL,
     event_type text NOT NULL,
     handled_at timestamptz NOT NULL DEFAULT now(),
     PRIMARY KEY (consumer, event_id)
   )`,
];
