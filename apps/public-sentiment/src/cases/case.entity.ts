import { Entity, Index, PrimaryKey, Property, Unique } from '@mikro-orm/decorators/legacy';
import { ArrayType } from '@mikro-orm/postgresql';
import type { Assignee, CaseState, ClockStep, Triage, Urgency } from '@gm/contracts';
import type { ClockKind } from '@gm/domain';
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

  /** Answers to the category's extra attributes (checked against its definition); never copied into events or logs. */
  @Property({ type: 'json' })
  attributes: Record<string, unknown> = {};

  /** A link to the reporter's photo or video held elsewhere (Open311 `media_url`); this service never fetches it. */
  @Property({ type: 'text', nullable: true })
  mediaUrl: string | null = null;

  @Property({ type: 'timestamptz' })
  reportedAt!: Date;

  @Property({ type: 'text' })
  channel!: 'handheld' | 'desk' | 'open311';

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

  @Property({ type: 'text' })
  triage: Triage = 'coordination';

  /** Whoever accepted the case: its accountable owner (首问负责) until feedback, whoever handles it. */
  @Property({ type: 'text', nullable: true })
  ownerSubject: string | null = null;

  @Property({ type: 'text', nullable: true })
  assigneeKind: Assignee['kind'] | null = null;

  @Property({ type: 'text', nullable: true })
  assigneeCode: string | null = null;

  @Property({ type: 'text', nullable: true })
  heldFrom: CaseState | null = null;

  @Property({ type: 'timestamptz', nullable: true })
  closedAt: Date | null = null;

  @Property({ type: 'integer' })
  reworkCount = 0;

  @Property({ type: 'integer' })
  urgeCount = 0;

  @Property({ type: 'smallint', nullable: true })
  rating: number | null = null;

  @Property({ type: 'text', nullable: true })
  ratingComment: string | null = null;

  @Property({ type: 'integer', nullable: true })
  pendingExtensionMinutes: number | null = null;

  /** How many duplicates were merged into this case (their reporters hear of its steps too). */
  @Property({ type: 'integer' })
  mergedCount = 0;

  /** Set when merged: the case this one duplicates, and follows from now on. */
  @Property({ type: 'uuid', nullable: true })
  primaryCaseId: string | null = null;

  // The clock of the current step (see CaseClock in libs/domain); the instants are stored so that
  // lists can filter by light and the scheduler can find what is due with an index.
  @Property({ type: 'text', nullable: true })
  step: ClockStep | null = null;

  /** Counts steps; the overdue event of a step fires once, when overdueStepSeq < stepSeq. */
  @Property({ type: 'integer' })
  stepSeq = 1;

  @Property({ type: 'text', nullable: true })
  stepClock: ClockKind | null = null;

  @Property({ type: 'timestamptz', nullable: true })
  stepStartedAt: Date | null = null;

  @Property({ type: 'real', nullable: true })
  stepLimitMinutes: number | null = null;

  @Property({ type: 'real' })
  stepPausedMinutes = 0;

  @Property({ type: 'timestamptz', nullable: true })
  heldAt: Date | null = null;

  @Property({ type: 'real', nullable: true })
  escalateAfterMinutes: number | null = null;

  @Property({ type: 'timestamptz', nullable: true })
  yellowAt: Date | null = null;

  @Property({ type: 'timestamptz', nullable: true })
  deadlineAt: Date | null = null;

  @Property({ type: 'timestamptz', nullable: true })
  escalateAt: Date | null = null;

  @Property({ type: 'integer' })
  overdueStepSeq = 0;

  /** Marked for the parent tier by the category's escalation rule (the forwarding itself is federation's). */
  @Property({ type: 'boolean' })
  escalationDue = false;

  // Federation (see apps/public-sentiment/src/federation): where the case went, and where it came from.

  /** The parent tier this tier escalated the case to (上报至). */
  @Property({ type: 'text', nullable: true })
  escalatedTo: string | null = null;

  /** Set while another tier owns the case: this copy follows it and takes no actions but the reporter's rating. */
  @Property({ type: 'text', nullable: true })
  ownerTier: string | null = null;

  /**
   * The parent tier that keeps a copy following this case: set when the parent assigned the case
   * back here (下派), so that every step here is sent up to it; cleared when the case goes up again.
   */
  @Property({ type: 'text', nullable: true })
  followedBy: string | null = null;

  /** The owning tier's state, as last heard. */
  @Property({ type: 'text', nullable: true })
  upstreamState: CaseState | null = null;

  /** Where the case began (for a copy received from a child): that tier, its case id and number. */
  @Property({ type: 'text', nullable: true })
  originTier: string | null = null;

  @Property({ type: 'uuid', nullable: true })
  originCaseId: string | null = null;

  @Property({ type: 'text', nullable: true })
  originCaseNo: string | null = null;

  /** The direct child this copy came from, and that child's case id (where results are sent). */
  @Property({ type: 'text', nullable: true })
  sourceTier: string | null = null;

  @Property({ type: 'uuid', nullable: true })
  sourceCaseId: string | null = null;

  /** Tiers the case passed through, from the origin to the child it came from. */
  @Property({ type: ArrayType, columnType: 'text[]', nullable: true })
  tierPath: string[] | null = null;

  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();

  @Property({ type: 'timestamptz', onUpdate: () => new Date() })
  updatedAt: Date = new Date();

  @Property({ type: 'integer', version: true })
  version!: number;
}
