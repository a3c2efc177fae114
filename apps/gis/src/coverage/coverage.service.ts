import { Inject, Injectable } from '@nestjs/common';
import type pg from 'pg';
import { DomainError, type CoverageProblem, type CoverageReport } from '@gm/contracts';
import { SERVICE_CONFIG } from '@gm/platform';
import type { AppConfig } from '../config/config';
import { ServiceSql } from '@gm/platform';

type Queryable = Pick<pg.Pool, 'query'> | Pick<pg.PoolClient, 'query'>;

/**
 * Checks that a unit's children divide it exactly (无缝隙、全覆盖): no part of the unit outside
 * every child (gap), no two siblings sharing area (overlap), no child reaching outside the unit.
 * Areas are geodesic (m²); regions smaller than the tolerance are floating-point dust.
 */
@Injectable()
export class CoverageService {
  constructor(
    private readonly sql: ServiceSql,
    @Inject(SERVICE_CONFIG) private readonly config: AppConfig,
  ) {}

  /** One unit's children, or (deep) every unit with children in its subtree. `db` lets an import check inside its transaction. */
  async check(code: string, deep: boolean, db: Queryable = this.sql.pool): Promise<CoverageReport> {
    const t = this.sql.table('boundaries');
    const unit = await db.query<{ code: string }>(`SELECT code FROM ${t} WHERE code = $1`, [code]);
    if (unit.rows.length === 0) throw new DomainError('UNIT.NOT_FOUND', `no boundary for ${code}`);
    const parents = deep
      ? (await db.query<{ p: string }>(`SELECT DISTINCT parent_code AS p FROM ${t} WHERE parent_code = $1 OR parent_code LIKE $2 ORDER BY 1`, [code, `${code}%`])).rows.map((r) => r.p)
      : [code];
    const problems: CoverageProblem[] = [];
    for (const parent of parents) problems.push(...(await this.checkChildren(db, parent)));
    return {
      unit: code,
      unitsChecked: parents.length,
      toleranceM2: this.config.own.COVERAGE_TOLERANCE_M2,
      gaps: problems.filter((p) => p.kind === 'gap').length,
      overlaps: problems.filter((p) => p.kind === 'overlap').length,
      outside: problems.filter((p) => p.kind === 'outside').length,
      problems,
    };
  }

  private async checkChildren(db: Queryable, parent: string): Promise<CoverageProblem[]> {
    const t = this.sql.table('boundaries');
    const tol = this.config.own.COVERAGE_TOLERANCE_M2;
    const gaps = await db.query<{ area: number; geometry: unknown }>(
      `WITH u AS (SELECT geom FROM ${t} WHERE code = $1),
            k AS (SELECT ST_Union(geom) AS geom FROM ${t} WHERE parent_code = $1),
            d AS (SELECT (ST_Dump(ST_Difference(u.geom, COALESCE(k.geom, 'GEOMETRYCOLLECTION EMPTY'::geometry)))).geom AS g FROM u, k)
       SELECT ST_Area(g::geography) AS area, ST_AsGeoJSON(g, 7)::json AS geometry FROM d
       WHERE ST_Dimension(g) = 2 AND ST_Area(g::geography) > $2 ORDER BY area DESC`,
      [parent, tol],
    );
    const overlaps = await db.query<{ a: string; b: string; area: number; geometry: unknown }>(
      `WITH k AS (SELECT code, geom FROM ${t} WHERE parent_code = $1),
            x AS (SELECT a.code AS a, b.code AS b, ST_CollectionExtract(ST_Intersection(a.geom, b.geom), 3) AS g
                  FROM k a JOIN k b ON a.code < b.code AND a.geom && b.geom AND ST_Relate(a.geom, b.geom, '2********'))
       SELECT a, b, ST_Area(g::geography) AS area, ST_AsGeoJSON(g, 7)::json AS geometry FROM x
       WHERE ST_Area(g::geography) > $2 ORDER BY a, b`,
      [parent, tol],
    );
    const outside = await db.query<{ code: string; area: number; geometry: unknown }>(
      `WITH u AS (SELECT geom FROM ${t} WHERE code = $1),
            x AS (SELECT k.code, ST_CollectionExtract(ST_Difference(k.geom, u.geom), 3) AS g
                  FROM ${t} k, u WHERE k.parent_code = $1 AND NOT ST_CoveredBy(k.geom, u.geom))
       SELECT code, ST_Area(g::geography) AS area, ST_AsGeoJSON(g, 7)::json AS geometry FROM x
       WHERE ST_Area(g::geography) > $2 ORDER BY code`,
      [parent, tol],
    );
    return [
      ...gaps.rows.map((r) => ({ kind: 'gap' as const, unit: parent, children: [], areaM2: round(r.area), geometry: r.geometry })),
      ...overlaps.rows.map((r) => ({ kind: 'overlap' as const, unit: parent, children: [r.a, r.b], areaM2: round(r.area), geometry: r.geometry })),
      ...outside.rows.map((r) => ({ kind: 'outside' as const, unit: parent, children: [r.code], areaM2: round(r.area), geometry: r.geometry })),
    ];
  }
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}
