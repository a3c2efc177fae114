import { Entity, Index, PrimaryKey, Property, Unique } from '@mikro-orm/decorators/legacy';
import type { CaseState, Urgency } from '@gm/contracts';
import { PointType, type GeoJsonPoint } from '@gm/persistence';

/** A case (社情民意): one problem reported in one grid, owned by this tier while it is here. */
@Entity({ tableName: 'cases' })
@Unique({ name: 'cases_reporter_idempotency_key', properties: ['reporterSubject', 'idempotencyKey'] })
export class Case {
  @PrimaryKey({ type: 'uuid' })
  id!: string;

  /** Human-readable number, `<tier>-<yyyymmdd>-<seq>`. */
  @Property({ type: 'text', unique: true })
  caseNo!: string;

  @Property({ type: 'text' })
  state!: CaseState;

  @Property({ type: 'text' })
  categoryCode!: string;

  @Property({ type: 'text' })
  urgency!: Urgency;

  @Index({ name: 'cases_grid_state_idx', properties: ['gridCode', 'state'] })
  @Property({ type: 'text' })
  gridCode!: string;

  @Property({ type: PointType })
  location!: GeoJsonPoint;

  @Property({ type: 'real', nullable: true })
  locationAccuracyM?: number | null;

  @Property({ type: 'text', nullable: true })
  address?: string | null;

  /** Clear text as reported; never copied into events, logs or traces (they get a redacted summary). */
  @Property({ type: 'text' })
  description!: string;

  @Property({ type: 'timestamptz', nullable: true })
  occurredAt?: Date | null;

  @Property({ type: 'timestamptz' })
  reportedAt!: Date;

  @Property({ type: 'text' })
  channel!: 'handheld' | 'desk';

  /** The reporter's token subject (pseudonymous id); first responder (首问负责) until feedback. */
  @Property({ type: 'text' })
  reporterSubject!: string;

  @Property({ type: 'text' })
  reporterRole!: string;

  @Property({ type: 'text' })
  reporterUnit!: string;

  @Property({ type: 'text' })
  idempotencyKey!: string;

  /** Hash of the report as first received: a replay with a different body is a conflict. */
  @Property({ type: 'text' })
  requestHash!: string;

  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();

  @Property({ type: 'timestamptz', onUpdate: () => new Date() })
  updatedAt: Date = new Date();

  @Property({ type: 'integer', version: true })
  version!: number;
}
