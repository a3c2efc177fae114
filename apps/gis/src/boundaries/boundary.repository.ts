import { Injectable } from '@nestjs/common';
import { subtreePattern } from '@gm/persistence';
import { SqlRepository } from '@gm/platform';
import type { GridGeometry } from '../locate/grid-index';

/** Most features one layer answer holds. */
export const MAX_LAYER_FEATURES = 20_000;

/**
 * The reads of the boundaries (plain pool, `$n`): locating points by SQL, the grids for the
 * in-memory index, map layers and single units as GeoJSON built by PostgreSQL, and a patrol's
 * coverage of a grid. The import and the coverage check write and read inside the import's own
 * transaction (boundary-import.service.ts, coverage.service.ts).
 */
@Injectable()
export class BoundaryRepository extends SqlRepository {
  private get boundaries(): string {
    return this.table('boundaries');
  }

  /** The grid covering the point (the lowest code on a shared edge), or undefined. */
  async gridAt(longitude: number, latitude: number): Promise<string | undefined> {
    const [row] = await this.sql.query<{ code: string }>(
      `SELECT code FROM ${this.boundaries} WHERE level = 'grid' AND ST_Covers(geom, ST_SetSRID(ST_MakePoint($1, $2), 4326)) ORDER BY code LIMIT 1`,
      [longitude, latitude],
    );
    return row?.code;
  }

  /** The same for many points, in one statement, in order. */
  async gridsAt(points: readonly { longitude: number; latitude: number }[]): Promise<(string | undefined)[]> {
    const rows = await this.sql.query<{ code: string | null }>(
      `SELECT (SELECT b.code FROM ${this.boundaries} b
               WHERE b.level = 'grid' AND ST_Covers(b.geom, ST_SetSRID(ST_MakePoint(p.x, p.y), 4326)) ORDER BY b.code LIMIT 1) AS code
       FROM unnest($1::float8[], $2::float8[]) WITH ORDINALITY AS p(x, y, i) ORDER BY p.i`,
      [points.map((p) => p.longitude), points.map((p) => p.latitude)],
    );
    return rows.map((r) => r.code ?? undefined);
  }

  /** What changes when any grid does: their number and the latest update. */
  async gridsSignature(): Promise<string> {
    const [row] = await this.sql.query<{ n: string; at: string | null }>(`SELECT count(*) AS n, max(updated_at)::text AS at FROM ${this.boundaries} WHERE level = 'grid'`);
    return `${row?.n}/${row?.at}`;
  }

  /** Every grid's polygon as GeoJSON, for the in-memory index. */
  gridGeometries(): Promise<GridGeometry[]> {
    return this.sql.query<GridGeometry>(`SELECT code, ST_AsGeoJSON(geom)::json AS geometry FROM ${this.boundaries} WHERE level = 'grid'`);
  }

  /** A FeatureCollection of one level as JSON text, simplified by `tolerance` degrees, in a box and a subtree when given. */
  async layer(q: { level: string; tolerance: number; bbox?: readonly [number, number, number, number] | undefined; within?: string | undefined }): Promise<string> {
    const params: unknown[] = [q.level, q.tolerance];
    let where = 'level = $1';
    if (q.bbox) {
      params.push(...q.bbox);
      where += ` AND geom && ST_MakeEnvelope($${params.length - 3}, $${params.length - 2}, $${params.length - 1}, $${params.length}, 4326)`;
    }
    if (q.within) {
      params.push(subtreePattern(q.within));
      where += ` AND code LIKE $${params.length}`;
    }
    const [row] = await this.sql.query<{ fc: string }>(
      `SELECT json_build_object('type', 'FeatureCollection', 'features', COALESCE(json_agg(f ORDER BY f->'properties'->>'code'), '[]'::json))::text AS fc
       FROM (SELECT json_build_object(
                'type', 'Feature',
                'properties', json_build_object('code', code, 'name', name, 'level', level, 'parentCode', parent_code, 'areaM2', round(area_m2)),
                'geometry', ST_AsGeoJSON(ST_SimplifyPreserveTopology(geom, $2), 7)::json) AS f
             FROM ${this.boundaries} WHERE ${where} ORDER BY code LIMIT ${MAX_LAYER_FEATURES}) x`,
      params,
    );
    return row!.fc;
  }

  /** One unit as a GeoJSON Feature (JSON text), or undefined. */
  async feature(code: string): Promise<string | undefined> {
    const [row] = await this.sql.query<{ f: string }>(
      `SELECT json_build_object('type', 'Feature',
                'properties', json_build_object('code', code, 'name', name, 'level', level, 'parentCode', parent_code, 'areaM2', round(area_m2), 'updatedAt', updated_at),
                'geometry', ST_AsGeoJSON(geom, 7)::json)::text AS f
       FROM ${this.boundaries} WHERE code = $1`,
      [code],
    );
    return row?.f;
  }

  /** A grid's area and the part of it within `withinM` metres of the track (geodesic m²), or undefined for no such grid. */
  async trackCoverage(gridCode: string, track: readonly { longitude: number; latitude: number }[], withinM: number): Promise<{ grid: number; covered: number } | undefined> {
    const [row] = await this.sql.query<{ grid: number; covered: number }>(
      `WITH g AS (SELECT geom, area_m2 FROM ${this.boundaries} WHERE code = $1 AND level = 'grid'),
            p AS (SELECT ST_SetSRID(ST_MakePoint(x, y), 4326) AS pt, n FROM unnest($2::float8[], $3::float8[]) WITH ORDINALITY AS u(x, y, n)),
            t AS (SELECT CASE WHEN count(*) > 1 THEN ST_MakeLine(pt ORDER BY n) ELSE ST_Collect(pt) END AS line FROM p),
            c AS (SELECT ST_Buffer(line::geography, $4)::geometry AS corridor FROM t)
       SELECT g.area_m2 AS grid, COALESCE(ST_Area(ST_Intersection(g.geom, c.corridor)::geography), 0) AS covered FROM g, c`,
      [gridCode, track.map((p) => p.longitude), track.map((p) => p.latitude), withinM],
    );
    return row ? { grid: Number(row.grid), covered: Number(row.covered) } : undefined;
  }
}
