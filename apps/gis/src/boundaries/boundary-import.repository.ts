import { Injectable } from '@nestjs/common';
import type pg from 'pg';
import { copyLine } from '@gm/persistence';
import { SqlRepository } from '@gm/platform';

/** A feature as checked, ready for the staging table. */
export interface StagedFeature {
  readonly line: number;
  readonly code: string;
  readonly level: string;
  readonly name: string;
  readonly parent: string | null;
  readonly geometry: string;
}

/**
 * The statements of a boundary import, each in the caller's transaction (`client`): a staging
 * table filled by COPY, the checks PostgreSQL makes on it (geometry, parents), the upsert by code,
 * the units whose coverage to check, and the import's record.
 */
@Injectable()
export class BoundaryImportRepository extends SqlRepository {
  private get boundaries(): string {
    return this.table('boundaries');
  }

  /** The features into a temporary staging table, dropped at commit. */
  async stage(client: pg.PoolClient, features: readonly StagedFeature[]): Promise<void> {
    await client.query(`CREATE TEMP TABLE boundary_stage (line int, code text, level text, name text, parent_code text, geojson text) ON COMMIT DROP`);
    await this.sql.copyIn(
      client,
      'COPY boundary_stage (line, code, level, name, parent_code, geojson) FROM STDIN',
      features.map((f) => copyLine([f.line, f.code, f.level, f.name, f.parent, f.geometry])),
    );
  }

  /** Staged features whose geometry PostGIS finds invalid, with its reason (at most `limit`). */
  async invalidGeometries(client: pg.PoolClient, limit: number): Promise<{ line: number; reason: string }[]> {
    const r = await client.query<{ line: number; reason: string }>(
      `SELECT line, ST_IsValidReason(ST_GeomFromGeoJSON(geojson)) AS reason FROM boundary_stage WHERE NOT ST_IsValid(ST_GeomFromGeoJSON(geojson)) ORDER BY line LIMIT $1`,
      [limit],
    );
    return r.rows;
  }

  /** Staged features whose parent is neither in the file nor stored (at most `limit`). */
  async orphans(client: pg.PoolClient, limit: number): Promise<{ line: number; parent_code: string }[]> {
    const r = await client.query<{ line: number; parent_code: string }>(
      `SELECT s.line, s.parent_code FROM boundary_stage s
       WHERE s.parent_code IS NOT NULL
         AND NOT EXISTS (SELECT 1 FROM boundary_stage p WHERE p.code = s.parent_code)
         AND NOT EXISTS (SELECT 1 FROM ${this.boundaries} b WHERE b.code = s.parent_code)
       ORDER BY s.line LIMIT $1`,
      [limit],
    );
    return r.rows;
  }

  /** The staged features upserted by code; a feature equal to the stored one changes nothing. */
  async upsertStaged(client: pg.PoolClient): Promise<{ inserted: number; updated: number }> {
    const r = await client.query<{ inserted: string; updated: string }>(
      `WITH s AS (SELECT code, level, name, parent_code, ST_Multi(ST_SetSRID(ST_GeomFromGeoJSON(geojson), 4326)) AS g FROM boundary_stage),
            up AS (
              INSERT INTO ${this.boundaries} (code, level, name, parent_code, geom, area_m2, updated_at)
              SELECT code, level, name, parent_code, g, ST_Area(g::geography), now() FROM s
              ON CONFLICT (code) DO UPDATE SET level = EXCLUDED.level, name = EXCLUDED.name, parent_code = EXCLUDED.parent_code,
                geom = EXCLUDED.geom, area_m2 = EXCLUDED.area_m2, updated_at = now()
              WHERE NOT ST_OrderingEquals(boundaries.geom, EXCLUDED.geom) OR boundaries.name <> EXCLUDED.name
                 OR boundaries.level <> EXCLUDED.level OR boundaries.parent_code IS DISTINCT FROM EXCLUDED.parent_code
              RETURNING (xmax = 0) AS inserted)
       SELECT count(*) FILTER (WHERE inserted) AS inserted, count(*) FILTER (WHERE NOT inserted) AS updated FROM up`,
    );
    return { inserted: Number(r.rows[0]?.inserted ?? 0), updated: Number(r.rows[0]?.updated ?? 0) };
  }

  /** Every stored unit whose set of children the file touched, and every unit it (re)defined that has children. */
  async unitsToCheck(client: pg.PoolClient): Promise<string[]> {
    const r = await client.query<{ code: string }>(
      `SELECT DISTINCT code FROM (SELECT parent_code AS code FROM boundary_stage WHERE parent_code IS NOT NULL
                                  UNION SELECT s.code FROM boundary_stage s WHERE EXISTS (SELECT 1 FROM ${this.boundaries} c WHERE c.parent_code = s.code)) x
       WHERE EXISTS (SELECT 1 FROM ${this.boundaries} b WHERE b.code = x.code) ORDER BY code`,
    );
    return r.rows.map((row) => row.code);
  }

  async recordImport(
    client: pg.PoolClient,
    i: { id: string; actor: string; features: number; inserted: number; updated: number; coverage: { unitsChecked: number; gaps: number; overlaps: number; outside: number } },
  ): Promise<void> {
    await client.query(`INSERT INTO ${this.sql.table('boundary_imports')} (id, actor, features, inserted, updated, coverage) VALUES ($1, $2, $3, $4, $5, $6)`, [
      i.id,
      i.actor,
      i.features,
      i.inserted,
      i.updated,
      JSON.stringify(i.coverage),
    ]);
  }
}
