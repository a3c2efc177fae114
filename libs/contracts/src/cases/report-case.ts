import { z } from 'zod';
import { categoryCodeSchema, geoPointSchema, orgUnitCodeSchema, caseStateSchema, urgencySchema } from './case-values';

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
