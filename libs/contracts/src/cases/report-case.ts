import { z } from 'zod';
import { assigneeSchema, categoryCodeSchema, geoPointSchema, orgUnitCodeSchema, caseStateSchema, triageSchema, urgencySchema } from './case-values';

/** A reference to an uploaded attachment (an object key in the tier's bucket), e.g. `cases/2026/11/3f2a.jpg`. */
export const attachmentKeySchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9/_.-]{0,199}$/, 'attachment keys are 1–200 letters, digits, "/", "_", "." or "-"')
  .refine((k) => !k.split('/').includes('..'), 'attachment keys must not contain ".."');

/** What a reporter sends (HTTP body of `POST /api/v1/reports` and of the staff desk intake). */
export const reportCaseBodySchema = z
  .object({
    categoryCode: categoryCodeSchema.describe('Category code, e.g. SJ0101 (事件) or BJ0101 (部件)'),
    description: z.string().trim().min(1, 'description must not be empty').max(2000, 'description must be at most 2000 characters'),
    location: geoPointSchema
      .extend({ accuracy: z.number().min(0).max(10_000).optional().describe('Horizontal accuracy in metres') })
      .strict()
      .describe('Where the problem is (WGS84)'),
    address: z.string().trim().max(200).optional().describe('Free-text address, e.g. building and door number'),
    gridCode: orgUnitCodeSchema.optional().describe("Grid the case belongs to; defaults to the reporter's own unit"),
    urgency: urgencySchema.optional().describe('Defaults to the category\'s urgency'),
    occurredAt: z.iso.datetime({ offset: true }).optional().describe('When the problem was seen'),
    triage: triageSchema
      .optional()
      .describe('on_the_spot (solved there: needs evidence, closes at once), coordination (default), emergency, approval'),
    evidence: z.array(attachmentKeySchema).max(20, 'at most 20 attachments').optional().describe('Attachment keys (photos)'),
    clientId: z
      .string()
      .regex(/^[A-Za-z0-9_-]{8,64}$/, 'clientId must be 8–64 letters, digits, "-" or "_" (a UUID works)')
      .optional()
      .describe('Idempotency key chosen by the device: replaying a report with the same clientId returns the first answer'),
  })
  .strict();
export type ReportCaseBody = z.infer<typeof reportCaseBodySchema>;

/** The answer to a report: the same for the first call and for every replay. */
export const reportCaseResultSchema = z.object({
  caseId: z.uuid(),
  caseNo: z.string(),
  state: caseStateSchema,
  categoryCode: categoryCodeSchema,
  gridCode: orgUnitCodeSchema,
  urgency: urgencySchema,
  reportedAt: z.iso.datetime({ offset: true }),
  clientId: z.string(),
});
export type ReportCaseResult = z.infer<typeof reportCaseResultSchema>;

/** What comes with a workflow action (`POST /api/v1/cases/{id}/actions/{action}`); which fields each action needs is a domain rule. */
export const caseActionBodySchema = z
  .object({
    reason: z.string().trim().min(1, 'reason must not be empty').max(1000, 'reason must be at most 1000 characters').optional(),
    note: z.string().trim().max(2000, 'note must be at most 2000 characters').optional(),
    evidence: z.array(attachmentKeySchema).max(20, 'at most 20 attachments').optional(),
    assignee: assigneeSchema.optional(),
    primaryCaseId: z.uuid('primaryCaseId must be a UUID').optional(),
    rating: z.number().int('rating must be a whole number').min(1, 'rating must be from 1 to 5').max(5, 'rating must be from 1 to 5').optional(),
    comment: z.string().trim().max(500, 'comment must be at most 500 characters').optional(),
    extensionMinutes: z.number().int('extensionMinutes must be a whole number').positive('extensionMinutes must be positive').optional(),
    location: geoPointSchema.strict().optional().describe('Where the actor was (optional)'),
    escalateTo: orgUnitCodeSchema
      .optional()
      .describe('For "escalate": the tier that should own the case, the parent by default; a tier further up (e.g. the district for a grid emergency) receives it through the tiers between, which keep read-only copies'),
  })
  .strict();
export type CaseActionBody = z.infer<typeof caseActionBodySchema>;
