import { Injectable } from '@nestjs/common';
import { DomainError } from '@gm/contracts';
import { ServiceSql } from '@gm/platform';
import { subtreePattern } from '@gm/persistence';

export interface LayerQuery {
  readonly level: 'district' | 'street' | 'community' | 'grid';
  readonly bbox?: readonly [number, number, number, number] | undefined;
  readonly zoom: number;
  /** Only units of this unit's subtree (codes are prefixes of their subtree's). */
  readonly within?: string | undefined;
}

const MAX_FEATURES = 20_000;

/** Map layers: GeoJSON FeatureCollections of one level, simplified to about half a pixel at the zoom. */
@Injectable()
export class LayerService {
  constructor(private readonly sql: ServiceSql) {}

  /** The FeatureCollection as JSON text, built by PostgreSQL (no re-serialisation here). */
  async layer(q: LayerQuery): Promise<string> {
    // Web-mercator tiles are 256 px: degrees per pixel at the equator is 360 / (256 · 2^zoom).
    const tolerance = 360 / (256 * 2 ** q.zoom) / 2;
    const params: unknown[] = [q.level, tolerance];
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
             FROM ${this.sql.table('boundaries')} WHERE ${where} ORDER BY code LIMIT ${MAX_FEATURES}) x`,
      params,
    );
    return row!.fc;
  }

  async unit(code: string): Promise<string> {
    const [row] = await this.sql.query<{ f: string }>(
      `SELECT json_build_object('type', 'Feature',
                'properties', json_build_object('code', code, 'name', name, 'level', level, 'parentCode', parent_code, 'areaM2', round(area_m2), 'updatedAt', updated_at),
                'geometry', ST_AsGeoJSON(geom, 7)::json)::text AS f
       FROM ${this.sql.table('boundaries')} WHERE code = $1`,
      [code],
    );
    if (!row) throw new DomainError('UNIT.NOT_FOUND', `no boundary for ${code}`);
    return row.f;
  }
}
