import { z } from 'zod';
import { defineEvent } from '../messaging/define-event';
import {
  assigneeSchema,
  caseActionSchema,
  caseStateSchema,
  categoryCodeSchema,
  clockStepSchema,
  geoPointSchema,
  orgUnitCodeSchema,
  triageSchema,
  urgencySchema,
} from './case-values';

/**
 * `gm.case.reported.v1`: a case entered the tier (from a handheld, a staff desk, …).
 * Carries no personal data in clear: the summary is redacted, the reporter is a pseudonymous
 * subject id and a role.
 */
export const caseReportedV1 = defineEvent({
  type: 'gm.case.reported.v1',
  aggregate: 'case',
  description: 'A case was reported and stored in state "reported"',
  schema: z.object({
    caseId: z.uuid(),
    caseNo: z.string().min(1),
    state: caseStateSchema,
    categoryCode: categoryCodeSchema,
    urgency: urgencySchema,
    gridCode: orgUnitCodeSchema,
    location: geoPointSchema,
    summary: z.string().max(200),
    channel: z.enum(['handheld', 'desk', 'open311']),
    triage: triageSchema.optional(),
    reportedAt: z.iso.datetime({ offset: true }),
    reporter: z.object({ subject: z.string().min(1), role: z.string().min(1) }),
    /**
     * Set on the copy of a case escalated from a child tier: the child it came from. The case was
     * reported there (and counts there); here it is taken over or passed on.
     */
    receivedFrom: orgUnitCodeSchema.optional(),
    /** The first step's clock (accept), so that a read model shows the case's light from its first event. */
    step: clockStepSchema.nullable().optional(),
    deadlineAt: z.iso.datetime({ offset: true }).nullable().optional(),
    /** When the light turns yellow (80 % of the step's time used); absent where the owner's clock is not known here. */
    yellowAt: z.iso.datetime({ offset: true }).nullable().optional(),
  }),
});

export type CaseReportedV1 = z.infer<typeof caseReportedV1.schema>;

const iso = z.iso.datetime({ offset: true });

/**
 * The data of every workflow event (`gm.case.accepted.v1`, `gm.case.closed.v1`, …): which case,
 * what was done, by whom in which capacity, and what the reporter should be told. Notes are
 * redacted summaries; the reporter is a pseudonymous subject id (the notification channel resolves it).
 */
export const caseTransitionDataSchema = z.object({
  caseId: z.uuid(),
  caseNo: z.string().min(1),
  action: caseActionSchema,
  from: caseStateSchema,
  to: caseStateSchema,
  categoryCode: categoryCodeSchema,
  urgency: urgencySchema,
  gridCode: orgUnitCodeSchema,
  at: iso,
  actor: z.object({ subject: z.string().min(1), role: z.string().min(1) }),
  /** Who hears about it (the reporter and, for merged cases, the reporters of the duplicates). */
  reporters: z.array(z.string().min(1)).min(1),
  note: z.string().max(200).optional(),
  /** The current step and its deadline after the transition (none while on hold or once final). */
  step: clockStepSchema.nullable(),
  deadlineAt: iso.nullable(),
  /** When the step's light turns yellow (80 % of its time used); absent when the clock is another tier's. */
  yellowAt: iso.nullable().optional(),
  reworkCount: z.number().int().min(0),
  assignee: assigneeSchema.optional(),
  primaryCaseId: z.uuid().optional(),
  rating: z.number().int().min(1).max(5).optional(),
  extensionMinutes: z.number().int().positive().optional(),
  evidenceCount: z.number().int().min(0).optional(),
  /** Set when the step was taken at another tier and mirrored here (federation): that tier's code. */
  actingTier: orgUnitCodeSchema.optional(),
  /** For `escalate`: the parent tier the case went to. */
  escalatedTo: orgUnitCodeSchema.optional(),
});
export type CaseTransitionData = z.infer<typeof caseTransitionDataSchema>;

function transitionEvent<const T extends string>(type: T, description: string) {
  return defineEvent({ type, aggregate: 'case', description, schema: caseTransitionDataSchema });
}

export const caseAcceptedV1 = transitionEvent('gm.case.accepted.v1', 'A case was accepted (受理); the accepting person owns it until feedback');
export const caseRejectedV1 = transitionEvent('gm.case.rejected.v1', 'A report was rejected as not a case (不予受理)');
export const caseRegisteredV1 = transitionEvent('gm.case.registered.v1', 'A case was registered (立案)');
export const caseDispatchedV1 = transitionEvent('gm.case.dispatched.v1', 'A case was dispatched (派遣) to a department or unit');
export const caseStartedV1 = transitionEvent('gm.case.started.v1', 'Work on a case started (处置中)');
export const caseHandledV1 = transitionEvent('gm.case.handled.v1', 'A case was handled (处置完毕), with evidence');
export const caseReturnedV1 = transitionEvent('gm.case.returned.v1', 'A case went back to dispatch (退回, counted as rework)');
export const caseVerifiedV1 = transitionEvent('gm.case.verified.v1', 'The handling of a case was verified on site (核查)');
export const caseClosedV1 = transitionEvent('gm.case.closed.v1', 'A case was closed (结案)');
export const caseHeldV1 = transitionEvent('gm.case.held.v1', 'A case went to the long-term pool (挂账); its clock is paused');
export const caseResumedV1 = transitionEvent('gm.case.resumed.v1', 'A case left the long-term pool; its clock runs again');
export const caseVoidedV1 = transitionEvent('gm.case.voided.v1', 'A case was voided (作废)');
export const caseMergedV1 = transitionEvent('gm.case.merged.v1', 'A case was merged into the case it duplicates; it follows that case from now on');
export const caseReopenedV1 = transitionEvent('gm.case.reopened.v1', 'The reporter reopened a closed case (counted as rework)');
export const caseSelfHandledV1 = transitionEvent('gm.case.self-handled.v1', 'A grid worker solved the problem on the spot and closed the case (现场处理)');
export const caseUrgedV1 = transitionEvent('gm.case.urged.v1', 'A supervisor urged a case (督办)');
export const caseExtensionRequestedV1 = transitionEvent('gm.case.extension-requested.v1', 'More time was asked for the current step (延期申请)');
export const caseExtensionApprovedV1 = transitionEvent('gm.case.extension-approved.v1', 'An extension was approved; the deadline moved');
export const caseExtensionDeniedV1 = transitionEvent('gm.case.extension-denied.v1', 'An extension was denied');
export const caseRatedV1 = transitionEvent('gm.case.rated.v1', 'The reporter rated the outcome of a closed case (满意度)');
export const caseEscalatedV1 = transitionEvent('gm.case.escalated.v1', 'A case was escalated (上报) to the parent tier, which owns it from now on; this copy follows it read-only');
export const caseAssignedBackV1 = transitionEvent(
  'gm.case.assigned-back.v1',
  'A tier handed an escalated case back to the child it came from, with instructions (下派); the child owns it again and this copy follows it read-only',
);

/** `gm.case.overdue.v1`: the current step of a case passed its deadline. Raised once per step. */
export const caseOverdueV1 = defineEvent({
  type: 'gm.case.overdue.v1',
  aggregate: 'case',
  description: 'The current step of a case passed its deadline (超期); raised once per step',
  schema: z.object({
    caseId: z.uuid(),
    caseNo: z.string().min(1),
    state: caseStateSchema,
    step: clockStepSchema,
    categoryCode: categoryCodeSchema,
    urgency: urgencySchema,
    gridCode: orgUnitCodeSchema,
    deadlineAt: iso,
    detectedAt: iso,
    /** The accountable first responder (首问负责人), if the case was accepted. */
    owner: z.string().min(1).nullable(),
  }),
});
export type CaseOverdueV1 = z.infer<typeof caseOverdueV1.schema>;

/** `gm.case.escalation-due.v1`: the category's rule says this overdue case should go to the parent tier. */
export const caseEscalationDueV1 = defineEvent({
  type: 'gm.case.escalation-due.v1',
  aggregate: 'case',
  description: "An overdue case passed its category's escalation threshold and is marked for the parent tier",
  schema: z.object({
    caseId: z.uuid(),
    caseNo: z.string().min(1),
    step: clockStepSchema,
    categoryCode: categoryCodeSchema,
    gridCode: orgUnitCodeSchema,
    deadlineAt: iso,
    overdueWorkingMinutes: z.number().min(0),
    detectedAt: iso,
  }),
});

/** `gm.case.emergency.v1`: an emergency was reported; the street and the owner department are told at once. */
export const caseEmergencyV1 = defineEvent({
  type: 'gm.case.emergency.v1',
  aggregate: 'case',
  description: 'An emergency was reported (突发事件): the street and the owner department are notified immediately',
  schema: z.object({
    caseId: z.uuid(),
    caseNo: z.string().min(1),
    categoryCode: categoryCodeSchema,
    gridCode: orgUnitCodeSchema,
    location: geoPointSchema,
    summary: z.string().max(200),
    reportedAt: iso,
    notify: z.object({ street: orgUnitCodeSchema, department: z.string().min(1) }),
  }),
});
export type CaseEmergencyV1 = z.infer<typeof caseEmergencyV1.schema>;
