import { z } from 'zod';
import { CASE_ACTIONS, caseStateSchema } from './case-values';

/** Inputs a workflow action may require (the body fields of `POST /api/v1/cases/{id}/actions/{action}`). */
export const CASE_ACTION_INPUTS = ['reason', 'note', 'evidence', 'assignee', 'primaryCaseId', 'rating', 'extensionMinutes'] as const;

/**
 * The case workflow's rules as data (libs/domain `TRANSITIONS`), for clients that show an action's
 * form: from which states, to which, by whom, with which inputs. The service checks them again on
 * every action.
 */
export const caseWorkflowSchema = z
  .object({
    actions: z.record(
      z.enum(CASE_ACTIONS),
      z
        .object({
          from: z.array(caseStateSchema),
          /** `same`: the state stays; `held-from`: back to the state before the hold. */
          to: z.union([caseStateSchema, z.literal('same'), z.literal('held-from')]),
          /** Realm roles, or `reporter` (the case's own reporter). */
          actors: z.array(z.string()),
          requires: z.array(z.enum(CASE_ACTION_INPUTS)),
          rework: z.boolean(),
        })
        .strict(),
    ),
  })
  .strict()
  .meta({ id: 'CaseWorkflow' });
export type CaseWorkflowView = z.infer<typeof caseWorkflowSchema>;
