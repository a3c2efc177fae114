import { Entity, PrimaryKey, Property } from '@mikro-orm/decorators/legacy';
import type { CaseAction, CaseState } from '@gm/contracts';
import { PointType, type GeoJsonPoint } from '@gm/persistence';

/** One step of a case's history (timeline): who did what, as whom, when, where, with which note and attachments. */
@Entity({ tableName: 'case_transitions' })
export class CaseTransition {
  @PrimaryKey({ type: 'bigint', autoincrement: true })
  id!: string;

  @Property({ type: 'uuid' })
  caseId!: string;

  /** `report` for the intake itself, `receive` for a case escalated from a child, otherwise a workflow action. */
  @Property({ type: 'text' })
  action!: CaseAction | 'report' | 'receive';

  @Property({ type: 'text', nullable: true })
  fromState: CaseState | null = null;

  @Property({ type: 'text' })
  toState!: CaseState;

  @Property({ type: 'text' })
  actorSubject!: string;

  @Property({ type: 'text' })
  actorRole!: string;

  @Property({ type: 'text' })
  actorUnit!: string;

  @Property({ type: 'timestamptz' })
  at!: Date;

  @Property({ type: PointType, nullable: true })
  location: GeoJsonPoint | null = null;

  @Property({ type: 'text', nullable: true })
  note: string | null = null;

  @Property({ type: 'json' })
  attachments: string[] = [];

  @Property({ type: 'json' })
  details: Record<string, unknown> = {};

  /** The tier where the step was taken, when not this one (history received with an escalation, results sent down). */
  @Property({ type: 'text', nullable: true })
  tier: string | null = null;
}
