import { Type, type EntityProperty, type Platform } from '@mikro-orm/core';

export const WGS84 = 4326;

export interface GeoJsonPoint {
  type: 'Point';
  /** [longitude, latitude] */
  coordinates: [number, number];
}
export interface GeoJsonPolygon {
  type: 'Polygon';
  coordinates: [number, number][][];
}
export interface GeoJsonMultiPolygon {
  type: 'MultiPolygon';
  coordinates: [number, number][][][];
}
export type GeoJsonGeometry = GeoJsonPoint | GeoJsonPolygon | GeoJsonMultiPolygon;

/**
 * A PostGIS geometry column seen from JavaScript as GeoJSON. The conversion happens in SQL
 * (`ST_GeomFromGeoJSON` on the way in, `ST_AsGeoJSON` on the way out), so the database keeps a
 * real geometry with SRID 4326 that spatial indexes and predicates can use.
 */
export class GeometryType<G extends GeoJsonGeometry = GeoJsonGeometry> extends Type<G | null, string | null> {
  constructor(private readonly geometryKind: 'Point' | 'Polygon' | 'MultiPolygon' | 'Geometry' = 'Geometry') {
    super();
  }

  override convertToDatabaseValue(value: G | null): string | null {
    if (value === null || value === undefined) return null;
    return JSON.stringify(value);
  }

  override convertToJSValue(value: string | G | null): G | null {
    if (value === null || value === undefined) return null;
    return typeof value === 'string' ? (JSON.parse(value) as G) : value;
  }

  override convertToDatabaseValueSQL(key: string): string {
    return `ST_SetSRID(ST_GeomFromGeoJSON(${key}), ${WGS84})`;
  }

  override convertToJSValueSQL(key: string): string {
    return `ST_AsGeoJSON(${key})`;
  }

  override compareAsType(): string {
    return 'string';
  }

  override getColumnType(_prop: EntityProperty, _platform: Platform): string {
    return `geometry(${this.geometryKind}, ${WGS84})`;
  }
}

export class PointType extends GeometryType<GeoJsonPoint> {
  constructor() {
    super('Point');
  }
}

export function point(longitude: number, latitude: number): GeoJsonPoint {
  return { type: 'Point', coordinates: [longitude, latitude] };
}
