import { Entity, PrimaryKey, Property } from '@mikro-orm/decorators/legacy';

/** An event shown on the live feed, kept so that a reconnecting client can catch up (Last-Event-ID). */
@Entity({ tableName: 'live_events' })
export class LiveEvent {
  @PrimaryKey({ type: 'bigint', autoincrement: true })
  seq!: string;

  @Property({ type: 'uuid', unique: true })
  eventId!: string;

  @Property({ type: 'text' })
  type!: string;

  /** The org unit the event is about (a case's grid); decides who may see it. */
  @Property({ type: 'text' })
  unitCode!: string;

  @Property({ type: 'timestamptz' })
  occurredAt!: Date;

  /** The CloudEvent as received (no clear personal data: publishers redact). */
  @Property({ type: 'jsonb' })
  envelope!: Record<string, unknown>;

  @Property({ type: 'timestamptz' })
  receivedAt: Date = new Date();
}
