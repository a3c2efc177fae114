import { z } from 'zod';
import { orgUnitCodeSchema } from '../cases/case-values';

/**
 * Dispatch suggestions (智能派遣): for one case, the on-duty grid workers nearest to it (its grid
 * first, then its community, then the rest of the caller's subtree) and the departments whose
 * remit its category is. The desk dispatches with the `assignee` of the chosen suggestion.
 */

const iso = z.iso.datetime({ offset: true });

const workerAssignee = z.object({ kind: z.literal('worker'), code: z.string() }).strict();
const departmentAssignee = z.object({ kind: z.literal('department'), code: z.string() }).strict();

export const dispatchSuggestionsSchema = z
  .object({
    caseId: z.uuid(),
    gridCode: orgUnitCodeSchema,
    workers: z.array(
      z
        .object({
          subject: z.string(),
          username: z.string(),
          unitCode: orgUnitCodeSchema,
          /** `grid`: works in the case's grid; `community`: in its community; `other`: elsewhere in your subtree. */
          proximity: z.enum(['grid', 'community', 'other']),
          distanceM: z.number().min(0),
          positionAt: iso,
          ageSeconds: z.number().int().min(0),
          accuracyM: z.number(),
          assignee: workerAssignee,
        })
        .strict(),
    ),
    departments: z.array(
      z
        .object({
          code: z.string(),
          nameZh: z.string(),
          nameEn: z.string(),
          /** The category's owner department (职能部门) comes first. */
          owner: z.boolean(),
          assignee: departmentAssignee,
        })
        .strict(),
    ),
    /** Positions older than this are left out (off duty, or the phone is off). */
    maxAgeSeconds: z.number().int().min(0),
  })
  .strict();
export type DispatchSuggestions = z.infer<typeof dispatchSuggestionsSchema>;
