import { z } from 'zod';
import { orgUnitCodeSchema } from '../cases/case-values';

/**
 * Change proposals (五必报 and other changes a grid worker sees on the ground): made from the
 * handheld, kept at the tier that keeps the grid's base data, confirmed or rejected by community
 * staff. A confirmed one is applied through base-data's own write APIs (validation, history, the
 * change event); a rejected one changes nothing.
 *
 * - `newcomer` (新迁入) and `birth` (出生): a resident registered in a household (the body of
 *   `POST /api/v1/residents`);
 * - `moved-out` (迁出) and `death` (死亡): `{residentId, date, reason?}`;
 * - `rented-out` (房屋出租): `{houseCode}`, the house becomes rented;
 * - `focus-person` (重点人员): `{residentId, focusClass, tags?}`.
 */
export const CHANGE_PROPOSAL_KINDS = ['newcomer', 'birth', 'moved-out', 'death', 'rented-out', 'focus-person'] as const;
export type ChangeProposalKind = (typeof CHANGE_PROPOSAL_KINDS)[number];
export const CHANGE_PROPOSAL_STATUSES = ['pending', 'confirmed', 'rejected'] as const;

export const changeProposalViewSchema = z
  .object({
    id: z.uuid(),
    clientId: z.string(),
    kind: z.enum(CHANGE_PROPOSAL_KINDS),
    status: z.enum(CHANGE_PROPOSAL_STATUSES),
    gridCode: orgUnitCodeSchema,
    proposer: z.string().describe('The account (staff number) that proposed it'),
    proposedAt: z.iso.datetime({ offset: true }),
    summary: z
      .record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()]))
      .describe('What the proposal changes, without personal data in clear (an ID number masked, a name by its first character)'),
    decidedBy: z.string().nullable(),
    decidedAt: z.iso.datetime({ offset: true }).nullable(),
    note: z.string().nullable().describe("The reason of a rejection, or the staff's note"),
    applied: z.object({ kind: z.string(), key: z.string() }).nullable().describe('The record the confirmation changed'),
  })
  .strict()
  .meta({ id: 'ChangeProposal' });
export type ChangeProposalView = z.infer<typeof changeProposalViewSchema>;

export const changeProposalPageSchema = z
  .object({ items: z.array(changeProposalViewSchema), nextCursor: z.string().nullable() })
  .strict()
  .meta({ id: 'ChangeProposalPage' });
export type ChangeProposalPage = z.infer<typeof changeProposalPageSchema>;
