import { Injectable } from '@nestjs/common';
import type pg from 'pg';
import type { BuildingPage, BuildingView } from '@gm/contracts';
import { SqlRepository } from '@gm/platform';
import { Changes, codeForNew, pageByCode, Where } from '../records/codes-and-pages';
import { escapeLike } from '../records/record-writes';

/** A building as an update locks it. */
export interface LockedBuilding {
  readonly name: string;
  readonly address: string;
  readonly floors: number;
  readonly grid_code: string;
}

export interface NewBuildingRow {
  readonly code: string;
  readonly name: string;
  readonly address: string;
  readonly location: { readonly longitude: number; readonly latitude: number };
  readonly floors: number;
  readonly gridCode: string;
}

/** The only place that reads or writes buildings (plain pool, `$n`); writes run in the caller's transaction. */
@Injectable()
export class BuildingRepository extends SqlRepository {
  private select = () => `
    SELECT b.code, b.name, b.address, b.floors, json_build_object('longitude', public.ST_X(b.location), 'latitude', public.ST_Y(b.location)) AS location,
           (SELECT count(*) FROM ${this.table('houses')} hs WHERE hs.building_code = b.code)::int AS houses, b.grid_code AS "gridCode", b.version
    FROM ${this.table('buildings')} b`;

  /** One page of the buildings of the unit's subtree, by code, optionally those whose address contains `address`. */
  page(f: { scope: string; address?: string | undefined; cursor?: string | undefined; limit: number }): Promise<BuildingPage> {
    const where = new Where('b.grid_code', f.scope).add(f.address && `%${escapeLike(f.address)}%`, (p) => `b.address ILIKE ${p}`);
    return pageByCode(this.sql.query.bind(this.sql), this.select(), 'b.code', where, f);
  }

  async byCode(code: string): Promise<BuildingView | undefined> {
    const [row] = await this.sql.query<BuildingView>(`${this.select()} WHERE b.code = $1`, [code]);
    return row;
  }

  /** The given code (which must be free) or the grid's next serial formatted by `format`; one registration per grid at a time (codeForNew). */
  codeForNew(client: pg.PoolClient, gridCode: string, given: string | undefined, format: (serial: number) => string): Promise<string> {
    return codeForNew(client, {
      table: this.table('buildings'),
      lock: `building:${gridCode}`,
      given,
      highest: [`SELECT max(substring(code FROM '-B([0-9]+)$')::int) AS n FROM ${this.table('buildings')} WHERE grid_code = $1`, [gridCode]],
      format,
    });
  }

  async insert(client: pg.PoolClient, row: NewBuildingRow): Promise<void> {
    await client.query(
      `INSERT INTO ${this.table('buildings')} (code, name, address, location, floors, grid_code) VALUES ($1, $2, $3, public.ST_SetSRID(public.ST_MakePoint($4, $5), 4326), $6, $7)`,
      [row.code, row.name, row.address, row.location.longitude, row.location.latitude, row.floors, row.gridCode],
    );
  }

  /** The building, locked until the transaction ends, or undefined. */
  async lockForUpdate(client: pg.PoolClient, code: string): Promise<LockedBuilding | undefined> {
    return (await client.query<LockedBuilding>(`SELECT name, address, floors, grid_code FROM ${this.table('buildings')} WHERE code = $1 FOR UPDATE`, [code])).rows[0];
  }

  /** The highest floor of the building's houses (null when it has none). */
  async topFloor(client: pg.PoolClient, code: string): Promise<number | null | undefined> {
    const [top] = (await client.query<{ floor: number | null }>(`SELECT max(floor) AS floor FROM ${this.table('houses')} WHERE building_code = $1`, [code])).rows;
    return top?.floor;
  }

  /** Applies the changes to the building, raising its version. */
  update(client: pg.PoolClient, changes: Changes): Promise<void> {
    return changes.apply(client, this.table('buildings'));
  }
}
