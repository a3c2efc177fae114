import { z } from 'zod';
import { categorySchema } from './case-catalogue';
import { caseRulesSchema } from './case-rules';
import {
  assigneeSchema,
  CASE_ACTIONS,
  caseActionSchema,
  caseStateSchema,
  categoryCodeSchema,
  clockStepSchema,
  geoPointSchema,
  orgUnitCodeSchema,
  trafficLightSchema,
  triageSchema,
  urgencySchema,
} from './case-values';
import { reportCaseResultSchema } from './report-case';

/**
 * What the case endpoints of public-sentiment answer (HTTP), one schema per shape. The OpenAPI
 * documents and the console's generated types come from these, and the view builders are typed by
 * them, so a field added on one side only does not compile.
 */
const instant = z.iso.datetime({ offset: true });
const count = z.number().int().min(0);
const position = geoPointSchema.strict();

export const CASE_CHANNELS = ['handheld', 'desk', 'open311'] as const;

/** A row of a case list (and of the CSV export). */
export const caseListItemSchema = z
  .object({
    id: z.uuid(),
    caseNo: z.string(),
    state: caseStateSchema,
    categoryCode: categoryCodeSchema,
    urgency: urgencySchema,
    triage: triageSchema,
    gridCode: orgUnitCodeSchema,
    location: position,
    address: z.string().nullable(),
    summary: z.string().describe('The start of the description'),
    reportedAt: instant,
    step: clockStepSchema.nullable(),
    deadlineAt: instant.nullable(),
    light: trafficLightSchema.nullable().describe('null while on hold or once the case left the open states'),
    reworkCount: count,
    urgeCount: count,
    escalationDue: z.boolean(),
    rating: z.number().int().nullable(),
    closedAt: instant.nullable(),
    primaryCaseId: z.uuid().nullable(),
  })
  .strict()
  .meta({ id: 'CaseListItem' });
export type CaseListItem = z.infer<typeof caseListItemSchema>;

export const casePageSchema = z
  .object({ items: z.array(caseListItemSchema), nextCursor: z.string().nullable().describe('Pass back as cursor for the next page; null on the last') })
  .strict();
export type CasePage = z.infer<typeof casePageSchema>;

/** A case as staff see it (within their org unit subtree), with the actions the caller may take. */
export const caseViewSchema = z
  .object({
    id: z.uuid(),
    caseNo: z.string(),
    state: caseStateSchema,
    categoryCode: categoryCodeSchema,
    urgency: urgencySchema,
    triage: triageSchema,
    gridCode: orgUnitCodeSchema,
    location: position,
    address: z.string().nullable(),
    description: z.string(),
    attributes: z.record(z.string(), z.unknown()).describe("Answers to the category's extra attributes"),
    mediaUrl: z.string().nullable().describe("The reporter's link to media held elsewhere (Open311)"),
    reportedAt: instant,
    channel: z.enum(CASE_CHANNELS),
    owner: z.string().nullable().describe('Pseudonymous subject of the accountable first responder (首问负责人), once accepted'),
    assignee: assigneeSchema.nullable(),
    step: clockStepSchema.nullable(),
    deadlineAt: instant.nullable(),
    light: trafficLightSchema.nullable().describe('null while on hold or once the case left the open states'),
    onHoldSince: instant.nullable(),
    pendingExtensionMinutes: z.number().int().nullable(),
    reworkCount: count,
    urgeCount: count,
    escalationDue: z.boolean(),
    closedAt: instant.nullable(),
    rating: z.number().int().nullable(),
    ratingComment: z.string().nullable(),
    primaryCaseId: z.uuid().nullable(),
    availableActions: z.array(caseActionSchema).describe('What the caller may do now (buttons); inputs are checked on submit'),
    federation: z
      .object({
        escalatedTo: orgUnitCodeSchema.nullable().describe('The tier the case was escalated to (上报至)'),
        ownerTier: orgUnitCodeSchema.nullable().describe('Set while another tier owns the case'),
        upstreamState: caseStateSchema.nullable().describe('The state at the owning tier, as last heard'),
        followedBy: orgUnitCodeSchema.nullable().describe('The tier above whose copy follows this case, after it assigned the case back here (下派)'),
        readOnly: z.boolean(),
        origin: z.object({ tier: orgUnitCodeSchema, caseId: z.uuid(), caseNo: z.string().nullable() }).strict().nullable().describe('Where the case began'),
        source: z.object({ tier: orgUnitCodeSchema, caseId: z.uuid() }).strict().nullable().describe('The child tier this copy came from'),
        path: z.array(orgUnitCodeSchema).describe('Tiers the case passed through, from the origin'),
      })
      .strict(),
  })
  .strict()
  .meta({ id: 'CaseView' });
export type CaseView = z.infer<typeof caseViewSchema>;

/** One step of a case's history: who, in which role, when, where, with which note and attachments. */
export const caseTimelineEntrySchema = z
  .object({
    action: z.enum([...CASE_ACTIONS, 'report', 'receive']).describe('A workflow action, `report` for the intake, `receive` for a case escalated from a child'),
    from: caseStateSchema.nullable(),
    to: caseStateSchema,
    actor: z.object({ subject: z.string(), role: z.string(), unit: z.string() }).strict(),
    at: instant,
    location: position.nullable(),
    note: z.string().nullable(),
    attachments: z.array(z.string()).describe('Attachment keys, held by `tier` (this tier when null)'),
    details: z.record(z.string(), z.unknown()),
    tier: orgUnitCodeSchema.nullable().describe('The tier where the step was taken, when not this one'),
  })
  .strict()
  .meta({ id: 'CaseTimelineEntry' });
export type CaseTimelineEntry = z.infer<typeof caseTimelineEntrySchema>;

export const caseTimelineSchema = z
  .object({ caseId: z.uuid(), caseNo: z.string(), state: caseStateSchema, entries: z.array(caseTimelineEntrySchema) })
  .strict();
export type CaseTimeline = z.infer<typeof caseTimelineSchema>;

/** An open case of the same category nearby, reported within the duplicate window. */
export const duplicateCandidateSchema = z
  .object({ caseId: z.uuid(), caseNo: z.string(), state: caseStateSchema, distanceM: z.number().min(0), reportedAt: instant })
  .strict()
  .meta({ id: 'DuplicateCandidate' });
export type DuplicateCandidateView = z.infer<typeof duplicateCandidateSchema>;

export const caseDuplicatesSchema = z.object({ items: z.array(duplicateCandidateSchema) }).strict();
export type CaseDuplicates = z.infer<typeof caseDuplicatesSchema>;

/** The answer to a report at a staff desk: the stored case, with the open cases it may duplicate. */
export const deskReportResultSchema = reportCaseResultSchema.extend({ possibleDuplicates: z.array(duplicateCandidateSchema) }).strict();
export type DeskReportResult = z.infer<typeof deskReportResultSchema>;

/** The answer to a handheld report that the gateway keeps until the case service is back (store-and-forward). */
export const queuedReportSchema = z
  .object({ status: z.literal('queued'), clientId: z.string(), acceptedAt: instant, message: z.string() })
  .strict();
export type QueuedReport = z.infer<typeof queuedReportSchema>;

/** Counts of the cases in a unit (same filters as the list). */
export const caseStatsSchema = z
  .object({
    unit: orgUnitCodeSchema,
    at: instant,
    total: count,
    byState: z.partialRecord(caseStateSchema, count),
    byLight: z.object({ green: count, yellow: count, red: count }).strict(),
    byUrgency: z.partialRecord(urgencySchema, count),
    byCategory: z.record(categoryCodeSchema, count),
  })
  .strict();
export type CaseStats = z.infer<typeof caseStatsSchema>;

/** The case rules and category catalogue a tier runs by now; version 0 is the default shipped with the code. */
export const caseRulesInForceSchema = z
  .object({
    versions: z.object({ 'case-rules': count, 'case-catalogue': count }).strict(),
    rules: caseRulesSchema,
    categories: z.array(categorySchema),
  })
  .strict();
export type CaseRulesInForce = z.infer<typeof caseRulesInForceSchema>;
