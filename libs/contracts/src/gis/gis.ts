import { z } from 'zod';
import { defineEvent } from '../messaging/define-event';
import { geoPointSchema, orgUnitCodeSchema } from '../cases/case-values';

/** The units a point lies in, from the grid up. */
export const locatedUnitsSchema = z.object({
  gridCode: orgUnitCodeSchema,
  communityCode: orgUnitCodeSchema,
  streetCode: orgUnitCodeSchema,
  districtCode: orgUnitCodeSchema,
});
export type LocatedUnits = z.infer<typeof locatedUnitsSchema>;

export const MAX_LOCATE_BATCH = 10_000;

export const locateBatchRequestSchema = z
  .object({
    points: z.array(geoPointSchema.strict()).min(1, 'points must not be empty').max(MAX_LOCATE_BATCH, `at most ${MAX_LOCATE_BATCH} points per call`),
  })
  .strict();
export type LocateBatchRequest = z.infer<typeof locateBatchRequestSchema>;

/** One result per point, in order; null for a point outside every grid. (HTTP) */
export const locateBatchResponseSchema = z.object({ results: z.array(locatedUnitsSchema.nullable()) });
export type LocateBatchResponse = z.infer<typeof locateBatchResponseSchema>;

/**
 * The same over NATS, as grid codes only (the community, street and district are prefixes of
 * the grid code): 10,000 full results would pass NATS's default 1 MiB message limit.
 */
export const locateGridsResponseSchema = z.object({ grids: z.array(orgUnitCodeSchema.nullable()) });

export const boundaryLevelSchema = z.enum(['district', 'street', 'community', 'grid']);

export const coverageProblemSchema = z.object({
  kind: z.enum(['gap', 'overlap', 'outside']),
  /** The unit whose children were checked. */
  unit: orgUnitCodeSchema,
  /** Children involved: none for a gap, two for an overlap, one outside its parent. */
  children: z.array(orgUnitCodeSchema),
  areaM2: z.number(),
  /** The problem region (GeoJSON geometry, WGS84). */
  geometry: z.unknown(),
});
export type CoverageProblem = z.infer<typeof coverageProblemSchema>;

export const coverageReportSchema = z.object({
  unit: orgUnitCodeSchema,
  unitsChecked: z.number().int(),
  toleranceM2: z.number(),
  gaps: z.number().int(),
  overlaps: z.number().int(),
  outside: z.number().int(),
  problems: z.array(coverageProblemSchema),
});
export type CoverageReport = z.infer<typeof coverageReportSchema>;

/** `gm.boundary.imported.v1`: a set of boundaries was (re)loaded; caches of unit geometry should reload. */
export const boundaryImportedV1 = defineEvent({
  type: 'gm.boundary.imported.v1',
  aggregate: 'boundary',
  description: 'Boundaries were imported (inserted or updated) and the coverage of their parents checked',
  schema: z.object({
    importId: z.uuid(),
    features: z.number().int(),
    inserted: z.number().int(),
    updated: z.number().int(),
    coverage: z.object({ unitsChecked: z.number().int(), gaps: z.number().int(), overlaps: z.number().int(), outside: z.number().int() }),
  }),
});
