import { z } from 'zod';
import { defineEvent } from '../messaging/define-event';
import { caseStateSchema, geoPointSchema, orgUnitCodeSchema, categoryCodeSchema, urgencySchema } from './case-values';

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
    channel: z.enum(['handheld', 'desk']),
    reportedAt: z.iso.datetime({ offset: true }),
    reporter: z.object({ subject: z.string().min(1), role: z.string().min(1) }),
  }),
});

export type CaseReportedV1 = z.infer<typeof caseReportedV1.schema>;
