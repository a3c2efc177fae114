import { z } from 'zod';
import { orgUnitCodeSchema } from '../cases/case-values';
import { positionFixSchema } from './positions';

/**
 * Patrols (巡查): a grid worker walks the grid with the handheld, which records a GPS track. The
 * device makes the patrol's id, so that its start, its points and its stop can be queued offline
 * and synced in order (`POST /api/v1/sync`, types `patrol-start`, `patrol-points`, `patrol-stop`).
 */
const iso = z.iso.datetime({ offset: true, message: 'expected an ISO 8601 date-time with offset, e.g. 2026-12-06T09:30:00+08:00' });
const patrolId = z.uuid('patrolId must be a UUID made on the device');

export const PATROL_POINTS_MAX = 500;

export const patrolStartBodySchema = z
  .object({
    patrolId,
    startedAt: iso,
    gridCode: orgUnitCodeSchema.optional().describe("The grid patrolled; defaults to the worker's own"),
  })
  .strict();
export type PatrolStartBody = z.infer<typeof patrolStartBodySchema>;

export const patrolPointsBodySchema = z
  .object({
    patrolId,
    points: z.array(positionFixSchema).min(1, 'points must hold at least one point').max(PATROL_POINTS_MAX, `points may hold at most ${PATROL_POINTS_MAX} points`),
  })
  .strict();
export type PatrolPointsBody = z.infer<typeof patrolPointsBodySchema>;

export const patrolStopBodySchema = z.object({ patrolId, endedAt: iso }).strict();
export type PatrolStopBody = z.infer<typeof patrolStopBodySchema>;

export const patrolViewSchema = z
  .object({
    id: z.uuid(),
    worker: z.string().describe('The account (staff number), never a name'),
    gridCode: orgUnitCodeSchema,
    startedAt: iso,
    endedAt: iso.nullable(),
    points: z.number().int().min(0).describe('Points kept on the track'),
    filtered: z.number().int().min(0).describe('Points left out: their accuracy was worse than the tier allows (PATROL_MAX_ACCURACY_M)'),
    distanceM: z.number().min(0).describe('Length of the track (geodesic), metres'),
    durationS: z.number().int().min(0).nullable().describe('From start to stop; null while under way'),
    coverage: z
      .object({ share: z.number().min(0).max(1), withinM: z.number().positive() })
      .nullable()
      .describe("Share of the grid's area within withinM metres of the track, once stopped (null while under way, or when the map service could not be asked)"),
  })
  .strict()
  .meta({ id: 'Patrol' });
export type PatrolView = z.infer<typeof patrolViewSchema>;

export const patrolPageSchema = z.object({ items: z.array(patrolViewSchema), nextCursor: z.string().nullable() }).strict().meta({ id: 'PatrolPage' });
export type PatrolPage = z.infer<typeof patrolPageSchema>;
