import { z } from 'zod';
import { defineEvent } from '../messaging/define-event';
import { orgUnitCodeSchema } from '../cases/case-values';

/**
 * Grid workers' positions (GPS fixes from the handheld). The worker is named by the pseudonymous
 * subject of the account and by the account name the staff roster is keyed by (system-admin
 * `staff.username`, a staff number such as `gw-07`, never a person's name).
 */

const iso = z.iso.datetime({ offset: true, message: 'expected an ISO 8601 date-time with offset, e.g. 2026-12-06T09:30:00+08:00' });

/** How much later than the server's clock a fix may claim to be (phones' clocks drift). */
export const POSITION_CLOCK_SKEW_MS = 2 * 60_000;
/** Fixes older than this are refused: the handheld's queue holds a shift, not a week. */
export const POSITION_MAX_AGE_MS = 72 * 60 * 60_000;
export const POSITION_BATCH_MAX = 500;

/** One GPS fix as the handheld takes it. */
export const positionFixSchema = z
  .object({
    at: iso,
    latitude: z.number().min(-90, 'latitude must be between -90 and 90').max(90, 'latitude must be between -90 and 90'),
    longitude: z.number().min(-180, 'longitude must be between -180 and 180').max(180, 'longitude must be between -180 and 180'),
    /** Horizontal accuracy (metres, 68 %), as the phone reports it. */
    accuracy: z.number().min(0, 'accuracy must be 0 or more metres').max(100_000, 'accuracy must be at most 100000 metres'),
  })
  .strict();
export type PositionFix = z.infer<typeof positionFixSchema>;

/** `POST /api/v1/positions` at mobile-gateway: a batch of the caller's own fixes. */
export const postPositionsBodySchema = z
  .object({
    /** Optional: the subject of the worker the fixes belong to; must be the caller's own. */
    worker: z.string().min(1).max(64).optional(),
    fixes: z.array(positionFixSchema).min(1, 'fixes must hold at least one fix').max(POSITION_BATCH_MAX, `fixes may hold at most ${POSITION_BATCH_MAX} fixes`),
  })
  .strict();
export type PostPositionsBody = z.infer<typeof postPositionsBodySchema>;

export const postPositionsResultSchema = z
  .object({
    accepted: z.number().int().min(0),
    /** The newest fix of the batch, as kept for the live map. */
    latestAt: iso,
  })
  .strict();
export type PostPositionsResult = z.infer<typeof postPositionsResultSchema>;

/** `gm.worker.positions-reported.v1`: a worker's handheld sent fixes (oldest first). */
export const workerPositionsReportedV1 = defineEvent({
  type: 'gm.worker.positions-reported.v1',
  aggregate: 'worker',
  description: "A grid worker's handheld sent a batch of GPS fixes (for the command centre's live map, tracks and dispatch)",
  schema: z.object({
    batchId: z.uuid(),
    worker: z.object({ subject: z.string().min(1), username: z.string().min(1).max(100), role: z.string().min(1), unit: orgUnitCodeSchema }),
    fixes: z.array(positionFixSchema).min(1).max(POSITION_BATCH_MAX),
    receivedAt: iso,
  }),
});
export type WorkerPositionsReportedV1 = z.infer<typeof workerPositionsReportedV1.schema>;
