import type { CaseState } from '@gm/contracts';
import type { GeoJsonPoint } from '@gm/persistence';
import { CaseTransition } from './case-transition.entity';

/** What a timeline entry says; everything not given takes the entity's default (none, empty). */
export interface TimelineEntryFields {
  readonly action: CaseTransition['action'];
  readonly from?: CaseState | null;
  readonly to: CaseState;
  readonly at: Date;
  /** Who acted (pseudonymous subject). Omitted for a step taken at another tier: `tier:<code>`. */
  readonly subject?: string;
  readonly role: string;
  readonly unit: string;
  readonly location?: GeoJsonPoint | null;
  readonly note?: string | null;
  readonly attachments?: readonly string[];
  /** The tier where the step was taken, when not this one. */
  readonly tier?: string | null;
  readonly details?: Record<string, unknown>;
}

/**
 * The one way a timeline entry (`case_transitions` row) is made: at intake, by a workflow step, for
 * a copy received from a child, and for a step mirrored from another tier.
 */
export function timelineEntry(caseId: string, f: TimelineEntryFields): CaseTransition {
  const e = new CaseTransition();
  e.caseId = caseId;
  e.action = f.action;
  e.fromState = f.from ?? null;
  e.toState = f.to;
  e.actorSubject = f.subject ?? `tier:${f.tier ?? f.unit}`;
  e.actorRole = f.role;
  e.actorUnit = f.unit;
  e.at = f.at;
  e.location = f.location ?? null;
  e.note = f.note ?? null;
  e.attachments = [...(f.attachments ?? [])];
  e.tier = f.tier ?? null;
  e.details = f.details ?? {};
  return e;
}
