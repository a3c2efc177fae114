import { z } from 'zod';

/**
 * Org unit code: the national statistical division code, 6 digits for the district, +3 for the
 * street, +3 for the community, and a 2-digit grid suffix after a hyphen:
 * `350206` → `350206001` → `350206001001` → `350206001001-07`.
 */
export const ORG_UNIT_CODE_PATTERN = /^\d{6}(?:\d{3}(?:\d{3}(?:-\d{2})?)?)?$/;
export const orgUnitCodeSchema = z
  .string()
  .regex(ORG_UNIT_CODE_PATTERN, 'expected an org unit code such as 350206, 350206001, 350206001001 or 350206001001-07');

/** Category codes: `BJ` + 4 digits for objects (部件), `SJ` + 4 digits for events (事件); 2-digit major + 2-digit minor. */
export const CATEGORY_CODE_PATTERN = /^(?:BJ|SJ)\d{4}$/;
export const categoryCodeSchema = z.string().regex(CATEGORY_CODE_PATTERN, 'expected BJ or SJ followed by 4 digits, e.g. SJ0101');

export const URGENCIES = ['normal', 'urgent', 'emergency'] as const;
export const urgencySchema = z.enum(URGENCIES);
export type Urgency = z.infer<typeof urgencySchema>;

/** Every state a case can be in (the transitions between them are rules, kept in libs/domain). */
export const CASE_STATES = [
  'reported',
  'accepted',
  'registered',
  'dispatched',
  'in_progress',
  'handled',
  'verified',
  'closed',
  'rejected',
  'returned',
  'on_hold',
  'escalated',
  'assigned_back',
  'merged',
  'voided',
] as const;
export const caseStateSchema = z.enum(CASE_STATES);
export type CaseState = z.infer<typeof caseStateSchema>;

/** A WGS84 position as handhelds report it. */
export const geoPointSchema = z.object({
  latitude: z.number().min(-90, 'latitude must be between -90 and 90').max(90, 'latitude must be between -90 and 90'),
  longitude: z.number().min(-180, 'longitude must be between -180 and 180').max(180, 'longitude must be between -180 and 180'),
});
export type GeoPoint = z.infer<typeof geoPointSchema>;

/** States in which a case is still being worked on (the clock and the lists of open cases count these). */
export const OPEN_CASE_STATES = ['reported', 'accepted', 'registered', 'dispatched', 'in_progress', 'handled', 'verified', 'returned', 'on_hold'] as const;
/**
 * States after which nothing happens to a case any more at this tier (a closed case may still be
 * reopened or rated; an escalated or assigned-back copy follows the tier that owns it, and comes
 * back to life should the case be handed back here).
 */
export const FINAL_CASE_STATES = ['closed', 'rejected', 'escalated', 'assigned_back', 'merged', 'voided'] as const;

/**
 * What someone does to a case (the commands of the workflow). The rules of each (from which states,
 * by whom, with what) are in libs/domain; the names cross process boundaries and never change.
 */
export const CASE_ACTIONS = [
  'accept',
  'reject',
  'register',
  'dispatch',
  'start',
  'handle',
  'return',
  'verify',
  'close',
  'hold',
  'resume',
  'void',
  'merge',
  'reopen',
  'self_handle',
  'urge',
  'request_extension',
  'approve_extension',
  'deny_extension',
  'rate',
  'escalate',
  'assign_back',
] as const;
export const caseActionSchema = z.enum(CASE_ACTIONS);
export type CaseAction = z.infer<typeof caseActionSchema>;

/**
 * Triage at intake (DOMAIN.md §5): handled on the spot by the grid worker, taken to the community
 * station for coordination, an emergency (street and owner department notified at once), or a
 * matter that needs approval before anything is done.
 */
export const TRIAGES = ['on_the_spot', 'coordination', 'emergency', 'approval'] as const;
export const triageSchema = z.enum(TRIAGES);
export type Triage = z.infer<typeof triageSchema>;

/** The step of the workflow a deadline applies to (受理, 立案, 派遣, 处置, 核查, 结案). */
export const CLOCK_STEPS = ['accept', 'register', 'dispatch', 'handle', 'verify', 'close'] as const;
export const clockStepSchema = z.enum(CLOCK_STEPS);
export type ClockStep = z.infer<typeof clockStepSchema>;

/** Traffic light of an open case's current step: green < 80 % of its time limit used, yellow 80–100 %, red overdue. */
export const TRAFFIC_LIGHTS = ['green', 'yellow', 'red'] as const;
export const trafficLightSchema = z.enum(TRAFFIC_LIGHTS);
export type TrafficLight = z.infer<typeof trafficLightSchema>;

/**
 * Who a case was handed to by `dispatch`: a department (职能部门, by code), an org unit (a grid or
 * community, by code), or one grid worker (by the pseudonymous subject of their account; the
 * command centre suggests the nearest on duty).
 */
export const assigneeSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('department'), code: z.string().regex(/^[a-z][a-z0-9-]{1,39}$/, 'department code: lower-case letters, digits and "-"') }),
  z.object({ kind: z.literal('unit'), code: orgUnitCodeSchema }),
  z.object({ kind: z.literal('worker'), code: z.string().regex(/^[A-Za-z0-9-]{8,64}$/, "worker: the subject of the worker's account (8–64 letters, digits or \"-\")") }),
]);
export type Assignee = z.infer<typeof assigneeSchema>;
