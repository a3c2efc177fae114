import { z } from 'zod';
import { attachmentKeySchema } from '../cases/report-case';
import { geoPointSchema, orgUnitCodeSchema } from '../cases/case-values';
import { defineEvent } from '../messaging/define-event';
import { departmentCodeSchema } from './departments';

/**
 * A department's answer to a case or a work order that lives at another tier (ADR 0015): the
 * department acts at the tier it is connected to (mostly the district); its command travels down
 * the federation's DOWNLINK streams, hop by hop, to the tier that owns the case or the work order,
 * is applied there as the department's step, and its outcome comes back up with the step's events.
 */
export const DEPARTMENT_CASE_ACTIONS = ['start', 'handle', 'return', 'request_extension'] as const;
export const DEPARTMENT_WORK_ORDER_ACTIONS = ['acknowledge', 'arrive', 'resolve', 'decline'] as const;

const note = z.string().trim().max(1000);
/** What a step needs, by action: the workflow's and the work order's own inputs. */
export const departmentCommandBodySchema = z
  .object({
    note: note.optional(),
    reason: note.optional(),
    evidence: z.array(attachmentKeySchema).max(20).optional(),
    extensionMinutes: z.number().int().positive().max(60 * 24 * 30).optional(),
    location: geoPointSchema.strict().optional(),
  })
  .strict();
export type DepartmentCommandBody = z.infer<typeof departmentCommandBodySchema>;

/** `POST /api/v1/department-commands`: act on a case dispatched to your department, or a work order whistled to it, wherever it lives. */
export const departmentCommandCreateSchema = z
  .object({
    target: z.discriminatedUnion('kind', [
      z.object({ kind: z.literal('case'), caseNo: z.string().trim().min(1).max(40) }).strict(),
      z.object({ kind: z.literal('work-order'), id: z.uuid('target.id must be a work order id (UUID)') }).strict(),
    ]),
    action: z.enum([...DEPARTMENT_CASE_ACTIONS, ...DEPARTMENT_WORK_ORDER_ACTIONS]),
    body: departmentCommandBodySchema.default({}),
  })
  .strict();
export type DepartmentCommandCreateBody = z.input<typeof departmentCommandCreateSchema>;

export const DEPARTMENT_COMMAND_STATUSES = ['pending', 'applied', 'refused'] as const;
const iso = z.iso.datetime({ offset: true });
const targetSchema = z.object({ kind: z.enum(['case', 'work-order']), tier: orgUnitCodeSchema, id: z.uuid(), no: z.string().nullable() }).strict();

export const departmentCommandViewSchema = z
  .object({
    id: z.uuid(),
    department: departmentCodeSchema,
    target: targetSchema,
    action: z.string(),
    status: z.enum(DEPARTMENT_COMMAND_STATUSES),
    reason: z.string().nullable().describe('Why the owning tier refused it'),
    issuedBy: z.string(),
    issuedAt: iso,
    settledAt: iso.nullable(),
  })
  .strict();
export type DepartmentCommandView = z.infer<typeof departmentCommandViewSchema>;
export const departmentCommandPageSchema = z.object({ items: z.array(departmentCommandViewSchema), total: z.number().int(), limit: z.number().int(), offset: z.number().int() }).strict();
export const departmentCommandQuerySchema = z
  .object({
    status: z.enum(DEPARTMENT_COMMAND_STATUSES).optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
    offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
  })
  .strict();

/** `gm.downlink.department-command.v1`: a department's step on the way down to the tier that owns its target. */
export const departmentCommandDownV1 = defineEvent({
  type: 'gm.downlink.department-command.v1',
  aggregate: 'department-command',
  description: "A department's step on a case or work order of a tier below, travelling down to it",
  schema: z.object({
    commandId: z.uuid(),
    department: departmentCodeSchema,
    target: targetSchema,
    action: z.string().min(1),
    body: departmentCommandBodySchema,
    /** The department user (pseudonymous subject and username) and the tier where they acted. */
    actor: z.object({ subject: z.string().min(1), username: z.string().min(1), unit: orgUnitCodeSchema }),
    issuedAt: iso,
  }),
});
export type DepartmentCommandDownV1 = z.infer<typeof departmentCommandDownV1.schema>;

/** `gm.department.command-outcome.v1`: the owning tier applied or refused a department's command; it goes up to the department. */
export const departmentCommandOutcomeV1 = defineEvent({
  type: 'gm.department.command-outcome.v1',
  aggregate: 'department-command',
  description: "The outcome of a department's command at the tier that owns its target",
  schema: z.object({
    commandId: z.uuid(),
    department: departmentCodeSchema,
    target: targetSchema,
    action: z.string().min(1),
    outcome: z.enum(['applied', 'refused']),
    reason: z.string().max(500).optional(),
    at: iso,
  }),
});
