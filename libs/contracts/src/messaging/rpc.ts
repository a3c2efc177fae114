import { z } from 'zod';
import { CHANGE_PROPOSAL_KINDS, changeProposalViewSchema } from '../base-data/change-proposals';
import { caseActionBodySchema, reportCaseBodySchema, reportCaseResultSchema } from '../cases/report-case';
import { caseActionSchema } from '../cases/case-values';
import { casePageSchema, caseViewSchema } from '../cases/case-views';
import { locateBatchRequestSchema, locateGridsResponseSchema } from '../gis/gis';
import { orgUnitsRequestSchema, orgUnitsResponseSchema } from '../org/org';
import { openCasesRequestSchema, openCasesResponseSchema } from '../base-data/base-data';
import { parameterKeySchema, parameterSnapshotSchema } from '../parameters/parameters';
import { coveredWorkerSchema } from '../field-work/handovers';
import { staffMemberSchema } from '../org/org-views';
import { orgUnitCodeSchema } from '../cases/case-values';

/**
 * A request/reply pattern over NATS (Nest microservice transport). The pattern name is
 * unscoped; the subject adds the namespace (see subjects.ts). Requests and replies are
 * validated on both sides.
 */
export interface RpcDefinition<Req extends z.ZodType = z.ZodType, Res extends z.ZodType = z.ZodType> {
  readonly pattern: string;
  readonly request: Req;
  readonly response: Res;
  readonly description: string;
}

function defineRpc<const P extends string, Req extends z.ZodType, Res extends z.ZodType>(def: {
  pattern: P;
  request: Req;
  response: Res;
  description: string;
}): RpcDefinition<Req, Res> & { readonly pattern: P } {
  return def;
}

export const SERVICE_NAMES = [
  'base-data',
  'system-admin',
  'public-sentiment',
  'service-office',
  'command-centre',
  'mobile-gateway',
  'gis',
] as const;
export const serviceNameSchema = z.enum(SERVICE_NAMES);
export type ServiceName = z.infer<typeof serviceNameSchema>;

export const serviceInfoSchema = z.object({
  service: serviceNameSchema,
  version: z.string(),
  tier: z.string(),
  namespace: z.string(),
  startedAt: z.iso.datetime({ offset: true }),
});
export type ServiceInfo = z.infer<typeof serviceInfoSchema>;

export const Rpc = {
  /** mobile-gateway (or any intake) → public-sentiment: store a new case. Caller's token rides in the `authorization` header. */
  reportCase: defineRpc({
    pattern: 'gm.rpc.case.report.v1',
    description: 'Store a reported case (idempotent by reporter + idempotency key)',
    request: z.object({
      report: reportCaseBodySchema,
      idempotencyKey: z.string().regex(/^[A-Za-z0-9_-]{8,64}$/),
      channel: z.enum(['handheld', 'desk']),
      covering: z.array(coveredWorkerSchema).max(10).default([]).describe('Workers the reporter covers now (A/B posts): a report may be placed in their grids'),
    }),
    response: reportCaseResultSchema.extend({ replayed: z.boolean() }),
  }),
  /** anyone → gis: the grid (and its community, street, district) of each point; null outside the district. */
  locate: defineRpc({
    pattern: 'gm.rpc.gis.locate.v1',
    description: 'Resolve WGS84 points to grid codes (up to 10,000 per call)',
    request: locateBatchRequestSchema,
    response: locateGridsResponseSchema,
  }),
  /** mobile-gateway (the handheld's task list) → public-sentiment: the open cases dispatched to the caller (a worker), most pressing first. Caller's token in `authorization`. */
  myTasks: defineRpc({
    pattern: 'gm.rpc.case.my-tasks.v1',
    description: 'Open cases dispatched to the calling worker (and to the workers the caller covers now, A/B posts), emergencies and nearest deadlines first',
    request: z
      .object({
        limit: z.number().int().min(1).max(200),
        covering: z.array(coveredWorkerSchema).max(10).default([]).describe("Workers of the caller's community the caller covers now (hand-overs recorded at the gateway)"),
      })
      .strict(),
    response: casePageSchema,
  }),
  /** mobile-gateway (a task acted on from the handheld) → public-sentiment: one workflow action as the caller. */
  caseAction: defineRpc({
    pattern: 'gm.rpc.case.act.v1',
    description: 'One workflow action on a case, as the caller (on a case of a worker the caller covers, too)',
    request: z.object({ caseId: z.uuid(), action: caseActionSchema, body: caseActionBodySchema, covering: z.array(coveredWorkerSchema).max(10).default([]) }).strict(),
    response: caseViewSchema,
  }),
  /**
   * service-office (a department's command come down from the tier where the department acts, ADR
   * 0015) → public-sentiment of the tier that owns the case: the department's step, as the department.
   * The department user was authenticated where they acted; the command reached this tier through
   * the federation's authenticated links, as the mirrored steps of escalated cases do.
   */
  departmentStep: defineRpc({
    pattern: 'gm.rpc.case.department-step.v1',
    description: "A department's step on a case of this tier, come down from the tier where the department acts",
    request: z
      .object({
        caseId: z.uuid(),
        action: caseActionSchema,
        body: caseActionBodySchema,
        actor: z.object({ subject: z.string().min(1), username: z.string().min(1), department: z.string().regex(/^[a-z][a-z0-9-]{1,39}$/), unit: orgUnitCodeSchema }).strict(),
      })
      .strict(),
    response: caseViewSchema,
  }),
  /** mobile-gateway (a patrol's end) → gis: how much of a grid lies within a distance of a track. */
  trackCoverage: defineRpc({
    pattern: 'gm.rpc.gis.track-coverage.v1',
    description: "Share of a grid's area within a distance of a track (geodesic)",
    request: z
      .object({
        gridCode: z.string().min(1).max(20),
        track: z.array(z.object({ longitude: z.number().min(-180).max(180), latitude: z.number().min(-90).max(90) }).strict()).min(1).max(20_000),
        withinM: z.number().positive().max(1000),
      })
      .strict(),
    response: z.object({ gridCode: z.string(), share: z.number().min(0).max(1), gridAreaM2: z.number(), coveredM2: z.number() }).strict(),
  }),
  /** mobile-gateway (a handheld's synced must-report) → base-data: keep a change proposal. Caller's token rides in the `authorization` header. */
  proposeChange: defineRpc({
    pattern: 'gm.rpc.base-data.propose-change.v1',
    description: 'Keep a change proposal from the grid (idempotent by proposer + clientId)',
    request: z.object({ clientId: z.string().regex(/^[A-Za-z0-9_-]{8,64}$/), kind: z.enum(CHANGE_PROPOSAL_KINDS), body: z.unknown() }).strict(),
    response: changeProposalViewSchema,
  }),
  /** mobile-gateway (a visit) → base-data: the grid of a household or a resident in the caller's unit (404 outside it). Caller's token rides in the `authorization` header. */
  recordGrid: defineRpc({
    pattern: 'gm.rpc.base-data.record-grid.v1',
    description: "The grid of a household or a resident of the caller's unit",
    request: z.union([z.object({ householdCode: z.string().min(1).max(40) }).strict(), z.object({ residentId: z.uuid() }).strict()]),
    response: z.object({ gridCode: z.string() }).strict(),
  }),
  /** mobile-gateway (A/B posts) → system-admin: a staff member's unit and A/B partner; null for an unknown account. */
  staffMember: defineRpc({
    pattern: 'gm.rpc.org.staff-member.v1',
    description: "A staff member's unit, post and A/B partner",
    request: z.object({ username: z.string().min(1).max(64) }).strict(),
    // No display name: a person's name never travels on NATS.
    response: z.object({ member: staffMemberSchema.pick({ username: true, post: true, abPartner: true }).extend({ unitCode: orgUnitCodeSchema }).strict().nullable() }).strict(),
  }),
  /** anyone → system-admin: org units, optionally of one subtree and one level. */
  orgUnits: defineRpc({
    pattern: 'gm.rpc.org.units.v1',
    description: 'List org units (the org tree is owned by system-admin)',
    request: orgUnitsRequestSchema,
    response: orgUnitsResponseSchema,
  }),
  /** base-data (grid summaries) → public-sentiment: open cases in a subtree. */
  openCases: defineRpc({
    pattern: 'gm.rpc.case.count-open.v1',
    description: 'Count open cases in a unit\'s subtree, per grid',
    request: openCasesRequestSchema,
    response: openCasesResponseSchema,
  }),
  /** any service → system-admin: a run-time parameter of the tier (the case rules, the category catalogue) with its version. */
  parameter: defineRpc({
    pattern: 'gm.rpc.parameter.get.v1',
    description: 'A run-time parameter of this tier, with its version (0 = the default shipped with the code)',
    request: z.object({ key: parameterKeySchema }).strict(),
    response: parameterSnapshotSchema,
  }),
} as const;

/** Every service answers `gm.rpc.<service>.info.v1` with its name, version and tier. */
export function serviceInfoRpc(service: ServiceName) {
  return defineRpc({
    pattern: `gm.rpc.${service}.info.v1`,
    description: `Name, version and tier of ${service}`,
    request: z.object({}).strict(),
    response: serviceInfoSchema,
  });
}

export type RpcRequest<R extends RpcDefinition> = z.input<R['request']>;
export type RpcResponse<R extends RpcDefinition> = z.infer<R['response']>;
