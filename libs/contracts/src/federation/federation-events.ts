import { z } from 'zod';
import { defineEvent } from '../messaging/define-event';
import {
  assigneeSchema,
  caseActionSchema,
  caseStateSchema,
  categoryCodeSchema,
  geoPointSchema,
  orgUnitCodeSchema,
  trafficLightSchema,
  triageSchema,
  urgencySchema,
} from '../cases/case-values';
import { assessmentSubjectKindSchema } from '../assessment/assessment-scheme';
import { kpiCountersSchema } from '../assessment/kpi-report';

/**
 * Events that cross tiers (federation). They travel only through the federation streams: a child
 * publishes `gm.<child>.uplink.…` into its `UPLINK`, which the parent's `UPLINK_AGG` sources; a
 * parent publishes `gm.<child>.downlink.…` into its `DOWNLINK_<child>`, which the child's
 * `DOWNLINK_IN` sources. Free text is redacted before it is written (no ID or phone numbers), and
 * people are pseudonymous subject ids with their role and unit.
 */

const iso = z.iso.datetime({ offset: true });
const caseRef = z.object({ tier: orgUnitCodeSchema, caseId: z.uuid(), caseNo: z.string().min(1) });
const actorSchema = z.object({ subject: z.string().min(1), role: z.string().min(1), unit: z.string().min(1) });
const FREE_TEXT_MAX = 2000;

/** An attachment of the case, by reference: the object stays in the bucket of the tier that holds it. */
export const attachmentRefSchema = z.object({ tier: orgUnitCodeSchema, key: z.string().min(1).max(512) });
export type AttachmentRef = z.infer<typeof attachmentRefSchema>;

/** One entry of a case's timeline as it travels up: enough for the parent to show the history. */
export const historyEntrySchema = z.object({
  tier: orgUnitCodeSchema,
  action: z.string().min(1),
  from: caseStateSchema.nullable(),
  to: caseStateSchema,
  at: iso,
  role: z.string().min(1),
  unit: z.string().min(1),
  note: z.string().max(FREE_TEXT_MAX).optional(),
  attachments: z.array(z.string().min(1)).max(50),
});
export type HistoryEntry = z.infer<typeof historyEntrySchema>;

/**
 * `gm.uplink.case-escalated.v1`: a tier hands a case to its parent (上报). The parent creates its
 * own copy with this provenance and owns it from then on; `origin` is where the case began, `from`
 * the direct child that escalated it, `path` every tier it passed from the origin to `from`.
 */
export const caseEscalatedUpV1 = defineEvent({
  type: 'gm.uplink.case-escalated.v1',
  aggregate: 'case',
  description: 'A case was escalated to the parent tier, with its snapshot, history and attachment references',
  schema: z.object({
    origin: caseRef,
    from: caseRef,
    to: orgUnitCodeSchema,
    /** The tier that is to own the case: `to`, or an ancestor of it (the tiers between pass it on). */
    target: orgUnitCodeSchema,
    path: z.array(orgUnitCodeSchema).min(1).max(4),
    escalatedAt: iso,
    reason: z.string().min(1).max(FREE_TEXT_MAX),
    actor: actorSchema,
    case: z.object({
      categoryCode: categoryCodeSchema,
      urgency: urgencySchema,
      triage: triageSchema,
      gridCode: orgUnitCodeSchema,
      location: geoPointSchema,
      address: z.string().max(500).nullable(),
      /** The report's text, redacted. */
      description: z.string().min(1).max(FREE_TEXT_MAX),
      occurredAt: iso.nullable(),
      reportedAt: iso,
      channel: z.enum(['handheld', 'desk', 'open311']),
      reporter: actorSchema,
      reworkCount: z.number().int().min(0),
      urgeCount: z.number().int().min(0),
    }),
    history: z.array(historyEntrySchema).max(500),
    attachments: z.array(attachmentRefSchema).max(200),
  }),
});
export type CaseEscalatedUpV1 = z.infer<typeof caseEscalatedUpV1.schema>;

/**
 * `gm.case.received.v1`, into the receiving tier's own CASE_EVENTS: a case escalated from a child
 * was taken in here, as this tier's case (`ownedHere`) or as a read-only copy passed on further
 * up. It names the attachments of the case held by other tiers, so that the tier that takes the
 * case over can fetch them at once (mobile-gateway, ADR 0010): the photos stay visible here even if
 * the link to the tier holding them fails later.
 */
export const caseReceivedV1 = defineEvent({
  type: 'gm.case.received.v1',
  aggregate: 'case',
  description: 'A case escalated from a child tier was received here (owned here or passed on), with the references of its attachments held by other tiers',
  schema: z.object({
    caseId: z.uuid(),
    caseNo: z.string().min(1),
    gridCode: orgUnitCodeSchema,
    from: orgUnitCodeSchema,
    origin: caseRef,
    ownedHere: z.boolean(),
    attachments: z.array(attachmentRefSchema).max(200),
    receivedAt: iso,
  }),
});
export type CaseReceivedV1 = z.infer<typeof caseReceivedV1.schema>;

/**
 * A step taken on a case at the tier that owns it, as it travels to the other tiers that hold a
 * copy (down towards the origin, or up to a parent that assigned it back).
 */
export const ownerStepSchema = z.object({
  /** The tier that owns the case after this step. */
  ownerTier: orgUnitCodeSchema,
  actingTier: orgUnitCodeSchema,
  action: caseActionSchema,
  /** States at the owning tier, before and after the step (after an assign-back: `dispatched`, at the child). */
  from: caseStateSchema,
  to: caseStateSchema,
  at: iso,
  actor: z.object({ role: z.string().min(1), unit: z.string().min(1) }),
  note: z.string().max(FREE_TEXT_MAX).optional(),
  evidenceCount: z.number().int().min(0).optional(),
  /** The step's evidence (photos of the result, say), held by the acting tier: readable at every tier the step reaches (ADR 0010). */
  attachments: z.array(attachmentRefSchema).max(20).optional(),
  assignee: assigneeSchema.optional(),
  deadlineAt: iso.nullable(),
});
export type OwnerStep = z.infer<typeof ownerStepSchema>;

/**
 * `gm.downlink.case-progressed.v1`: a step taken on an escalated case by the tier that owns it,
 * sent down the path towards the origin. `caseId` is the receiving tier's own copy.
 */
export const caseProgressedDownV1 = defineEvent({
  type: 'gm.downlink.case-progressed.v1',
  aggregate: 'case',
  description: 'A step on an escalated case at the owning tier, sent down towards the tier where the case began',
  schema: z.object({ caseId: z.uuid(), origin: caseRef, ...ownerStepSchema.shape }),
});
export type CaseProgressedDownV1 = z.infer<typeof caseProgressedDownV1.schema>;

/**
 * `gm.uplink.case-progressed.v1`: a step taken on a case that a parent assigned back (下派) to the
 * tier that sent it, sent up so that the parent's copy (and every tier above that follows it)
 * shows the work and the outcome. `from` is the sending tier's own copy; the parent finds its copy
 * by it (its source).
 */
export const caseProgressedUpV1 = defineEvent({
  type: 'gm.uplink.case-progressed.v1',
  aggregate: 'case',
  description: 'A step on a case assigned back to a child tier, sent up to the tiers that follow it',
  schema: z.object({ from: caseRef, to: orgUnitCodeSchema, origin: caseRef, step: ownerStepSchema }),
});
export type CaseProgressedUpV1 = z.infer<typeof caseProgressedUpV1.schema>;

/** Case counts of a tier's subtree. */
export const caseCountsSchema = z.object({
  total: z.number().int().min(0),
  open: z.number().int().min(0),
  byState: z.partialRecord(caseStateSchema, z.number().int().min(0)),
  byCategory: z.record(categoryCodeSchema, z.number().int().min(0)),
  byLight: z.partialRecord(trafficLightSchema, z.number().int().min(0)),
  byGrid: z.record(orgUnitCodeSchema, z.object({ total: z.number().int().min(0), open: z.number().int().min(0), red: z.number().int().min(0) })),
});
export type CaseCounts = z.infer<typeof caseCountsSchema>;

/**
 * `gm.uplink.tier-summary.v1`: a tier's periodic summary for its parent's dashboards: counts of the
 * cases it owns plus the latest summaries of its children, so every tier covers its subtree
 * without reading a child's database. A case counts once, at the tier that owns it.
 */
export const tierSummaryV1 = defineEvent({
  type: 'gm.uplink.tier-summary.v1',
  aggregate: 'tier',
  description: "A tier's periodic case counts of its subtree, for the parent's dashboards",
  schema: z.object({
    tier: orgUnitCodeSchema,
    at: iso,
    /** The tiers whose counts are included (this one and the children heard from). */
    tiers: z.array(orgUnitCodeSchema).min(1),
    counts: caseCountsSchema,
  }),
});
export type TierSummaryV1 = z.infer<typeof tierSummaryV1.schema>;

/** Additions to the assessment's daily counters of one subject (a unit, a person, a department) about one grid. */
export const kpiIncrementSchema = z.object({
  kind: assessmentSubjectKindSchema,
  /** A grid's code, a person's pseudonymous subject, or a department's code. */
  subject: z.string().min(1).max(64),
  unitCode: orgUnitCodeSchema,
  day: z.iso.date(),
  add: kpiCountersSchema.partial(),
});
export type KpiIncrement = z.infer<typeof kpiIncrementSchema>;

/**
 * `gm.uplink.kpi-increments.v1`: what a tier counted for the assessment (its own cases' steps, its
 * children's increments passed on), sent up so that every ancestor's KPIs cover its subtree
 * without reading a child's database. Applied once at each tier (inbox) and passed further up in
 * the same transaction; a step counts at the one tier where it was taken.
 */
export const kpiIncrementsUpV1 = defineEvent({
  type: 'gm.uplink.kpi-increments.v1',
  aggregate: 'kpi',
  description: "Additions to the assessment's daily counters of a tier's subtree, passed up to every ancestor",
  schema: z.object({
    /** The tier that counted them (the origin; passing on keeps it). */
    countedAt: orgUnitCodeSchema,
    increments: z.array(kpiIncrementSchema).min(1).max(5000),
  }),
});
export type KpiIncrementsUpV1 = z.infer<typeof kpiIncrementsUpV1.schema>;
