import { z } from 'zod';
import { orgUnitCodeSchema } from '../cases/case-values';
import { boundaryLevelSchema, coverageReportSchema } from './gis';

/** Units of the division as GeoJSON (RFC 7946, WGS84), as gis serves them to maps. */
const position = z.array(z.number()).min(2).max(3).describe('[longitude, latitude]');
const polygonSchema = z.object({ type: z.literal('Polygon'), coordinates: z.array(z.array(position)) }).strict();
const multiPolygonSchema = z.object({ type: z.literal('MultiPolygon'), coordinates: z.array(z.array(z.array(position))) }).strict();
export const unitGeometrySchema = z.discriminatedUnion('type', [polygonSchema, multiPolygonSchema]);

const unitPropertiesSchema = z
  .object({ code: orgUnitCodeSchema, name: z.string(), level: boundaryLevelSchema, parentCode: orgUnitCodeSchema.nullable(), areaM2: z.number().min(0) })
  .strict();

/** One unit in a layer (geometry simplified to the zoom). */
export const layerFeatureSchema = z
  .object({ type: z.literal('Feature'), properties: unitPropertiesSchema, geometry: unitGeometrySchema })
  .strict()
  .meta({ id: 'UnitLayerFeature' });

/** `GET /api/v1/layers/{level}`. */
export const unitLayerSchema = z.object({ type: z.literal('FeatureCollection'), features: z.array(layerFeatureSchema) }).strict();
export type UnitLayer = z.infer<typeof unitLayerSchema>;

/** `GET /api/v1/units/{code}`: one unit at full detail, with when its boundary was last imported. */
export const unitFeatureSchema = layerFeatureSchema
  .extend({ properties: unitPropertiesSchema.extend({ updatedAt: z.iso.datetime({ offset: true }) }).strict() })
  .strict()
  .meta({ id: 'UnitFeature' });
export type UnitFeature = z.infer<typeof unitFeatureSchema>;

/** `POST /api/v1/boundaries/import`: what the file changed, and the coverage of every parent it touched. */
export const boundaryImportReportSchema = z
  .object({
    importId: z.uuid(),
    features: z.number().int().min(0),
    inserted: z.number().int().min(0),
    updated: z.number().int().min(0),
    unchanged: z.number().int().min(0),
    coverage: coverageReportSchema.omit({ unit: true }).extend({ units: z.array(orgUnitCodeSchema) }),
    durationMs: z.number().int().min(0),
  })
  .strict();
export type BoundaryImportReport = z.infer<typeof boundaryImportReportSchema>;
