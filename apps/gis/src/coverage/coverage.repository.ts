import { Injectable } from '@nestjs/common';
import type pg from 'pg';
import { SqlRepository } from '@gm/platform';

/** The pool, or an import's client inside its transaction. */
export type Queryable = Pick<pg.Pool, 'query'> | Pick<pg.PoolClient, 'query'>;

/** A region found by a coverage check: its geodesic area (m²) and its shape (GeoJSON). */
interface Region {
  readonly area: number;
  readonly geometry: unknown;
}

/**
 * The PostGIS statements of the coverage check (无缝隙、全覆盖). Each runs on `db`: the pool, or the
 * client of an import that checks what it wrote before committing. Regions below `toleranceM2`
 * are left out.
 */
@Injectable()
export class CoverageRepository extends SqlRepository {
  private get boundaries(): string {
    return this.table('boundaries');
  }

  /** Where a check runs when no import's client is given. */
  get pool(): Queryable {
    return this.sql.pool;
  }

  async exists(db: Queryable, code: string): Promise<boolean> {
    return (await db.query(`SELECT code FROM ${this.boundaries} WHERE code = $1`, [code])).rows.length > 0;
  }

  /** Every unit with children in the subtree of `code` (itself included), by code. */
  async parentsWithin(db: Queryable, code: string): Promise<string[]> {
    const { rows } = await db.query<{ p: string }>(`SELECT DISTINCT parent_code AS p FROM ${this.boundaries} WHERE parent_code = $1 OR parent_code LIKE $2 ORDER BY 1`, [code, `${code}%`]);
    return rows.map((r) => r.p);
  }

  /** The parts of `parent` outside all of its children, largest first. */
  async gaps(db: Queryable, parent: string, toleranceM2: number): Promise<Region[]> {
    const t = this.boundaries;
    const { rows } = await db.query<Region>(
      `WITH u AS (SELECT geom FROM ${t} WHERE code = $1),
            k AS (SELECT ST_Union(geom) AS geom FROM ${t} WHERE parent_code = $1),
            d AS (SELECT (ST_Dump(ST_Difference(u.geom, COALESCE(k.geom, 'GEOMETRYCOLLECTION EMPTY'::geometry)))).geom AS g FROM u, k)
       SELECT ST_Area(g::geography) AS area, ST_AsGeoJSON(g, 7)::json AS geometry FROM d
       WHERE ST_Dimension(g) = 2 AND ST_Area(g::geography) > $2 ORDER BY area DESC`,
      [parent, toleranceM2],
    );
    return rows;
  }

  /** The area two children of `parent` share, pair by pair (`a` < `b`). */
  async overlaps(db: Queryable, parent: string, toleranceM2: number): Promise<(Region & { a: string; b: string })[]> {
    const { rows } = await db.query<Region & { a: string; b: string }>(
      `WITH k AS (SELECT code, geom FROM ${this.boundaries} WHERE parent_code = $1),
            x AS (SELECT a.code AS a, b.code AS b, ST_CollectionExtract(ST_Intersection(a.geom, b.geom), 3) AS g
                  FROM k a JOIN k b ON a.code < b.code AND a.geom && b.geom AND ST_Relate(a.geom, b.geom, '2********'))
       SELECT a, b, ST_Area(g::geography) AS area, ST_AsGeoJSON(g, 7)::json AS geometry FROM x
       WHERE ST_Area(g::geography) > $2 ORDER BY a, b`,
      [parent, toleranceM2],
    );
    return rows;
  }

  /** The parts of children of `parent` that reach outside it, by child. */
  async outside(db: Queryable, parent: string, toleranceM2: number): Promise<(Region & { code: string })[]> {
    const t = this.boundaries;
    const { rows } = await db.query<Region & { code: string }>(
      `WITH u AS (SELECT geom FROM ${t} WHERE code = $1),
            x AS (SELECT k.code, ST_CollectionExtract(ST_Difference(k.geom, u.geom), 3) AS g
                  FROM ${t} k, u WHERE k.parent_code = $1 AND NOT ST_CoveredBy(k.geom, u.geom))
       SELECT code, ST_Area(g::geography) AS area, ST_AsGeoJSON(g, 7)::json AS geometry FROM x
       WHERE ST_Area(g::geography) > $2 ORDER BY code`,
      [parent, toleranceM2],
    );
    return rows;
  }
}
