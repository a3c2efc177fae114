import { z } from 'zod';
import { envBool, serviceConfigSchema } from '@gm/platform/config';

export const configSchema = serviceConfigSchema('gis', { port: 3007, schema: 'gis' }, {
  /** Answer `locate` from grid polygons held in memory (reloaded after imports); false: from PostGIS each time. */
  LOCATE_CACHE: envBool.default(true),
  /** How often the in-memory grids check the database for boundaries changed by another replica. */
  LOCATE_CACHE_REFRESH_MS: z.coerce.number().int().min(1000).max(3_600_000).default(60_000),
  /** Gaps, overlaps and overhangs smaller than this (m²) are rounding, not problems. */
  COVERAGE_TOLERANCE_M2: z.coerce.number().min(0).max(10_000).default(1),
  /** Largest boundary file accepted over HTTP. */
  IMPORT_MAX_BYTES: z.coerce.number().int().min(1024).max(2 ** 31).default(256 * 1024 * 1024),
});
export type AppConfig = z.infer<typeof configSchema>;
