import { Injectable } from '@nestjs/common';
import type pg from 'pg';
import type { HousePage, HouseView } from '@gm/contracts';
import { SqlRepository } from '@gm/platform';
import { pageByCode, Where } from '../records/codes-and-pages';
import type { HouseFilter } from './house.service';

export interface NewHouseRow {
  readonly code: string;
  readonly buildingCode: string;
  readonly floor: number;
  readonly room: string;
  readonly areaM2: number;
  readonly use: string;
  readonly gridCode: string;
}

/** The only place that reads or writes houses (plain pool, `$n`), with what lives in them counted; writes in the caller's transaction. */
@Injectable()
export class HouseRepository extends SqlRepository {
  private select = () => `
    SELECT hs.code, hs.building_code AS "buildingCode", concat(b.address, ' ', hs.room, '室') AS address, hs.floor, hs.room, hs.area_m2::float8 AS "areaM2", hs.use,
           (SELECT count(*) FROM ${this.table('households')} h WHERE h.house_code = hs.code)::int AS households,
           (SELECT count(*) FROM ${this.table('households')} h JOIN ${this.table('residents')} r ON r.household_code = h.code WHERE h.house_code = hs.code AND r.status = 'active')::int AS residents,
           hs.grid_code AS "gridCode", hs.version
    FROM ${this.table('houses')} hs JOIN ${this.table('buildings')} b ON b.code = hs.building_code`;

  /** One page of the houses of the unit's subtree, by code, optionally of one use or one building. */
  page(f: HouseFilter): Promise<HousePage> {
    const where = new Where('hs.grid_code', f.scope).add(f.use, (p) => `hs.use = ${p}`).add(f.buildingCode, (p) => `hs.building_code = ${p}`);
    return pageByCode(this.sql.query.bind(this.sql), this.select(), 'hs.code', where, f);
  }

  async byCode(code: string): Promise<HouseView | undefined> {
    const [row] = await this.sql.query<HouseView>(`${this.select()} WHERE hs.code = $1`, [code]);
    return row;
  }

  /** The building a house is added to, locked until the transaction ends, or undefined. */
  async lockBuilding(client: pg.PoolClient, buildingCode: string): Promise<{ floors: number; grid_code: string } | undefined> {
    return (await client.query<{ floors: number; grid_code: string }>(`SELECT floors, grid_code FROM ${this.table('buildings')} WHERE code = $1 FOR UPDATE`, [buildingCode])).rows[0];
  }

  async exists(client: pg.PoolClient, code: string): Promise<boolean> {
    return Boolean((await client.query(`SELECT 1 FROM ${this.table('houses')} WHERE code = $1`, [code])).rowCount);
  }

  async insert(client: pg.PoolClient, row: NewHouseRow): Promise<void> {
    await client.query(`INSERT INTO ${this.table('houses')} (code, building_code, floor, room, area_m2, use, grid_code) VALUES ($1, $2, $3, $4, $5, $6, $7)`, [
      row.code,
      row.buildingCode,
      row.floor,
      row.room,
      row.areaM2,
      row.use,
      row.gridCode,
    ]);
  }

  /** The house's use and grid, locked until the transaction ends, or undefined. */
  async lockForUpdate(client: pg.PoolClient, code: string): Promise<{ use: string; grid_code: string } | undefined> {
    return (await client.query<{ use: string; grid_code: string }>(`SELECT use, grid_code FROM ${this.table('houses')} WHERE code = $1 FOR UPDATE`, [code])).rows[0];
  }

  /** Sets the house's use, raising its version. */
  async setUse(client: pg.PoolClient, code: string, use: string): Promise<void> {
    await client.query(`UPDATE ${this.table('houses')} SET use = $2, updated_at = now(), version = version + 1 WHERE code = $1`, [code, use]);
  }
}
