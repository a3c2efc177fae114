import { z } from 'zod';
import {
  CASE_STATES,
  TRAFFIC_LIGHTS,
  URGENCIES,
  caseStateSchema,
  categoryCodeSchema,
  orgUnitCodeSchema,
  trafficLightSchema,
  urgencySchema,
} from '../cases/case-values';

/**
 * What the command centre (指挥中心) shows on the map and its boards: read models of the tier's
 * cases and workers, fed only by events. Responses of command-centre's HTTP API.
 */

const iso = z.iso.datetime({ offset: true });
const point = z.object({ type: z.literal('Point'), coordinates: z.tuple([z.number(), z.number()]) }).strict();

/** Filters of the map and the boards (query string). */
export const caseMapQuerySchema = z
  .object({
    unit: orgUnitCodeSchema.optional(),
    bbox: z
      .string()
      .regex(/^-?\d+(\.\d+)?(,-?\d+(\.\d+)?){3}$/, 'bbox must be minLng,minLat,maxLng,maxLat')
      .transform((v) => v.split(',').map(Number) as [number, number, number, number])
      .refine(([w, s, e, n]) => w <= e && s <= n, 'bbox must be minLng,minLat,maxLng,maxLat with min ≤ max')
      .optional(),
    category: z.string().regex(/^(?:BJ|SJ)\d{2}(?:\d{2})?$/, 'category is a code (SJ0101) or a major class (SJ01)').optional(),
    light: z.enum(TRAFFIC_LIGHTS, `light must be one of: ${TRAFFIC_LIGHTS.join(', ')}`).optional(),
    urgency: z.enum(URGENCIES, `urgency must be one of: ${URGENCIES.join(', ')}`).optional(),
    state: z
      .string()
      .transform((v) => v.split(',').map((s) => s.trim()).filter(Boolean))
      .pipe(z.array(z.enum(CASE_STATES, `state must be one or more of: ${CASE_STATES.join(', ')}`)).max(CASE_STATES.length))
      .optional(),
    /** Only cases still being worked on (default), or every case the tier holds. */
    open: z.enum(['true', 'false'], 'open must be true or false').default('true').transform((v) => v === 'true'),
    from: iso.transform((v) => new Date(v)).optional(),
    to: iso.transform((v) => new Date(v)).optional(),
  })
  .strict()
  .refine((q) => !q.from || !q.to || q.from < q.to, { path: ['to'], message: 'to must be after from' });
export type CaseMapQuery = z.infer<typeof caseMapQuerySchema>;

/** A case on the map: compact properties, the light as of the answer. */
export const caseMapFeatureSchema = z
  .object({
    type: z.literal('Feature'),
    id: z.uuid(),
    geometry: point,
    properties: z
      .object({
        caseNo: z.string(),
        state: caseStateSchema,
        categoryCode: categoryCodeSchema,
        urgency: urgencySchema,
        gridCode: orgUnitCodeSchema,
        light: trafficLightSchema.nullable(),
        reportedAt: iso.nullable(),
        deadlineAt: iso.nullable(),
        yellowAt: iso.nullable(),
        summary: z.string().nullable(),
        /** Set when another tier owns the case and this is a copy. */
        ownerTier: orgUnitCodeSchema.nullable(),
      })
      .strict(),
  })
  .strict();
export type CaseMapFeature = z.infer<typeof caseMapFeatureSchema>;

export const caseMapSchema = z
  .object({
    type: z.literal('FeatureCollection'),
    features: z.array(caseMapFeatureSchema),
    /** More cases matched than the answer holds (narrow the box or the filters). */
    truncated: z.boolean(),
    at: iso,
  })
  .strict();
export type CaseMap = z.infer<typeof caseMapSchema>;

/** Counts for the boards: by day (reported, closed), state, light, category, grid. */
export const caseOverviewSchema = z
  .object({
    unit: orgUnitCodeSchema,
    from: iso,
    to: iso,
    total: z.number().int().min(0),
    open: z.number().int().min(0),
    byDay: z.array(z.object({ day: z.iso.date(), reported: z.number().int().min(0), closed: z.number().int().min(0) }).strict()),
    byState: z.partialRecord(caseStateSchema, z.number().int().min(0)),
    byLight: z.object({ green: z.number().int().min(0), yellow: z.number().int().min(0), red: z.number().int().min(0) }).strict(),
    byCategory: z.array(z.object({ categoryCode: categoryCodeSchema, count: z.number().int().min(0) }).strict()),
    byGrid: z.array(z.object({ gridCode: orgUnitCodeSchema, open: z.number().int().min(0), red: z.number().int().min(0) }).strict()),
  })
  .strict();
export type CaseOverview = z.infer<typeof caseOverviewSchema>;

/** A worker's last position (from the handheld), with how old it is. */
export const workerPositionSchema = z
  .object({
    subject: z.string(),
    /** The account name the staff roster is keyed by (system-admin staff.username). */
    username: z.string(),
    role: z.string(),
    unitCode: orgUnitCodeSchema,
    location: point,
    accuracyM: z.number(),
    at: iso,
    ageSeconds: z.number().int().min(0),
  })
  .strict();
export type WorkerPosition = z.infer<typeof workerPositionSchema>;

export const workerPositionsSchema = z.object({ items: z.array(workerPositionSchema), at: iso }).strict();

export const workerTrackSchema = z
  .object({
    subject: z.string(),
    from: iso,
    to: iso,
    points: z.array(z.object({ at: iso, latitude: z.number(), longitude: z.number(), accuracyM: z.number() }).strict()),
    /** Length of the track in metres (geodesic). */
    lengthM: z.number().min(0),
  })
  .strict();
export type WorkerTrack = z.infer<typeof workerTrackSchema>;
