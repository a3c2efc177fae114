import { z } from 'zod';
import { errorBodySchema } from '../errors/error-body';

/**
 * `POST /api/v1/sync` at mobile-gateway: what a handheld queued while it was offline, sent in
 * order once the network returns. Each item carries the client id the device gave it when it was
 * made and is answered on its own: a bad or refused item does not hold back the others, and an item
 * sent again (a replayed batch after a lost answer) is answered as the first time and changes
 * nothing.
 */
export const SYNC_ITEM_TYPES = ['report', 'positions', 'patrol-start', 'patrol-points', 'patrol-stop', 'change-proposal', 'visit', 'case-action'] as const;
export const SYNC_BATCH_MAX = 100;

export const syncClientIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9_-]{8,64}$/, 'clientId must be 8–64 letters, digits, "-" or "_" (a UUID works)')
  .describe('Made on the device when the item was made; the same item sent again carries the same clientId');

export const syncItemSchema = z
  .object({
    clientId: syncClientIdSchema,
    type: z.enum(SYNC_ITEM_TYPES).describe('report: the body of POST /api/v1/reports; positions: the body of POST /api/v1/positions; patrol-start, patrol-points, patrol-stop: a patrol and its track; change-proposal: {kind, body} of POST /api/v1/change-proposals at base-data (五必报); visit: a visit (走访) to a household or resident of the grid; case-action: {caseId, action, body} on a task (start, handle with photos, …)'),
    body: z.unknown().describe('Checked per item against its type; a bad body refuses this item only (400 naming the field within the body)'),
  })
  .strict();
export type SyncItem = z.infer<typeof syncItemSchema>;

export const syncBodySchema = z
  .object({
    items: z.array(syncItemSchema).min(1, 'items must hold at least one item').max(SYNC_BATCH_MAX, `items may hold at most ${SYNC_BATCH_MAX} items`),
  })
  .strict()
  .meta({ id: 'SyncBatch' });
export type SyncBody = z.infer<typeof syncBodySchema>;

export const syncItemAnswerSchema = z
  .object({
    clientId: syncClientIdSchema,
    type: z.enum(SYNC_ITEM_TYPES),
    status: z.number().int().min(200).max(599).describe('As the item\'s own endpoint would answer it: 201 stored, 202 accepted or queued, 4xx refused (for good: do not send it again), 5xx try again later'),
    replayed: z.boolean().describe('This item had been received before: the answer is the first one, and nothing changed'),
    result: z.unknown().optional().describe("The item's own endpoint's answer body on success"),
    error: errorBodySchema.optional().describe('Why the item was refused'),
  })
  .strict()
  .meta({ id: 'SyncItemAnswer' });
export type SyncItemAnswer = z.infer<typeof syncItemAnswerSchema>;

export const syncResultSchema = z
  .object({ items: z.array(syncItemAnswerSchema).describe('One answer per item, in the order sent') })
  .strict()
  .meta({ id: 'SyncResult' });
export type SyncResult = z.infer<typeof syncResultSchema>;
