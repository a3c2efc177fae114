import type { CaseActionBody, CaseState } from '@gm/contracts';
import type { TransitionDecision } from '@gm/domain';
import type { Case } from './case.entity';
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

/** What a workflow step's timeline entry records of its decision (`details`). */
export function decisionDetails(decision: TransitionDecision, body: CaseActionBody, c: Case): Record<string, unknown> {
  return {
    ...(body.reason && { reason: body.reason }),
    ...(decision.action === 'dispatch' && { assignee: body.assignee }),
    ...(decision.action === 'merge' && { primaryCaseId: body.primaryCaseId }),
    ...(decision.action === 'rate' && { rating: body.rating }),
    ...(body.extensionMinutes !== undefined && decision.action === 'request_extension' && { extensionMinutes: body.extensionMinutes }),
    ...(decision.clock.kind === 'extend' && { extensionMinutes: decision.clock.minutes }),
    ...(decision.action === 'escalate' && { escalatedTo: c.escalatedTo, ...(body.escalateTo && { target: body.escalateTo }) }),
    ...(decision.action === 'assign_back' && { assignedBackTo: c.sourceTier }),
    ...(decision.rework && { reworkCount: c.reworkCount }),
    ...(c.deadlineAt && { deadlineAt: c.deadlineAt.toISOString() }),
  };
}
