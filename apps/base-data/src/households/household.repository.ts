import { Injectable } from '@nestjs/common';
import type pg from 'pg';
import type { HouseholdPage, HouseholdView } from '@gm/contracts';
import { SqlRepository } from '@gm/platform';
import { pageByCode, Where } from '../records/codes-and-pages';

/** An active member of a household, as a write locks it. */
export interface Member {
  readonly id: string;
  readonly grid_code: string;
}

/**
 * The only place that reads or writes households (plain pool, `$n`), with the statements that
 * carry their members along (residents' household and grid); writes run in the caller's transaction.
 */
@Injectable()
export class HouseholdRepository extends SqlRepository {
  /** One page of the households of the unit's subtree, by code, optionally of one house. */
  page(f: { scope: string; houseCode?: string | undefined; cursor?: string | undefined; limit: number }): Promise<HouseholdPage> {
    const where = new Where('h.grid_code', f.scope).add(f.houseCode, (p) => `h.house_code = ${p}`);
    const select = `SELECT h.code, h.house_code AS "houseCode", concat(b.address, ' ', hs.room, '室') AS address, h.grid_code AS "gridCode",
              (SELECT count(*) FROM ${this.table('residents')} r WHERE r.household_code = h.code AND r.status = 'active')::int AS members, h.version
       FROM ${this.table('households')} h JOIN ${this.table('houses')} hs ON hs.code = h.house_code JOIN ${this.table('buildings')} b ON b.code = hs.building_code`;
    return pageByCode(this.sql.query.bind(this.sql), select, 'h.code', where, f);
  }

  /** The household without its members, or undefined. */
  async byCode(code: string): Promise<Omit<HouseholdView, 'members'> | undefined> {
    const [row] = await this.sql.query<Omit<HouseholdView, 'members'>>(
      `SELECT h.code, h.house_code AS "houseCode", concat(b.address, ' ', hs.room, '室') AS address, h.grid_code AS "gridCode", h.version
       FROM ${this.table('households')} h JOIN ${this.table('houses')} hs ON hs.code = h.house_code JOIN ${this.table('buildings')} b ON b.code = hs.building_code WHERE h.code = $1`,
      [code],
    );
    return row;
  }

  /** The household's active members, the head first, then by birth date. */
  members(code: string): Promise<HouseholdView['members']> {
    return this.sql.query<HouseholdView['members'][number]>(
      `SELECT id, name, relation FROM ${this.table('residents')} WHERE household_code = $1 AND status = 'active' ORDER BY relation = 'head' DESC, birth_date, id`,
      [code],
    );
  }

  /** The household's house and grid, locked until the transaction ends, or undefined. */
  async lockForUpdate(client: pg.PoolClient, code: string): Promise<{ house_code: string; grid_code: string } | undefined> {
    return (await client.query<{ house_code: string; grid_code: string }>(`SELECT house_code, grid_code FROM ${this.table('households')} WHERE code = $1 FOR UPDATE`, [code])).rows[0];
  }

  /** The household's active members by id, locked until the transaction ends. */
  async lockMembers(client: pg.PoolClient, code: string): Promise<Member[]> {
    return (await client.query<Member>(`SELECT id, grid_code FROM ${this.table('residents')} WHERE household_code = $1 AND status = 'active' ORDER BY id FOR UPDATE`, [code])).rows;
  }

  /** A house's code and grid, or undefined. */
  async house(client: pg.PoolClient, code: string): Promise<{ code: string; grid_code: string } | undefined> {
    return (await client.query<{ code: string; grid_code: string }>(`SELECT code, grid_code FROM ${this.table('houses')} WHERE code = $1`, [code])).rows[0];
  }

  /** Locks the house row until the transaction ends (one new household per house at a time). */
  async lockHouse(client: pg.PoolClient, houseCode: string): Promise<void> {
    await client.query(`SELECT 1 FROM ${this.table('houses')} WHERE code = $1 FOR UPDATE`, [houseCode]);
  }

  /** The highest `-H<n>` serial among the house's households (null for none). */
  async highestSerial(client: pg.PoolClient, houseCode: string): Promise<number | null | undefined> {
    const [row] = (
      await client.query<{ n: number | null }>(`SELECT max(substring(code FROM '-H([0-9]+)$')::int) AS n FROM ${this.table('households')} WHERE code LIKE $1`, [`${houseCode.replace(/[\\%_]/g, '\\$&')}-H%`])
    ).rows;
    return row?.n;
  }

  async insert(client: pg.PoolClient, row: { code: string; houseCode: string; gridCode: string }): Promise<void> {
    await client.query(`INSERT INTO ${this.table('households')} (code, house_code, grid_code) VALUES ($1, $2, $3)`, [row.code, row.houseCode, row.gridCode]);
  }

  /** Moves the household to a house (and its grid), raising its version. */
  async setHouse(client: pg.PoolClient, code: string, houseCode: string, gridCode: string): Promise<void> {
    await client.query(`UPDATE ${this.table('households')} SET house_code = $2, grid_code = $3, updated_at = now(), version = version + 1 WHERE code = $1`, [code, houseCode, gridCode]);
  }

  /** Puts the residents into another household and grid, raising their versions. */
  async moveResidents(client: pg.PoolClient, ids: readonly string[], householdCode: string, gridCode: string): Promise<void> {
    await client.query(`UPDATE ${this.table('residents')} SET household_code = $2, grid_code = $3, updated_at = now(), version = version + 1 WHERE id = ANY($1::uuid[])`, [
      ids,
      householdCode,
      gridCode,
    ]);
  }

  /** Puts the residents into another grid (their household moved), raising their versions. */
  async setResidentsGrid(client: pg.PoolClient, ids: readonly string[], gridCode: string): Promise<void> {
    await client.query(`UPDATE ${this.table('residents')} SET grid_code = $2, updated_at = now(), version = version + 1 WHERE id = ANY($1::uuid[])`, [ids, gridCode]);
  }

  /** Records the residents as left since `date`, raising their versions. */
  async residentsLeft(client: pg.PoolClient, ids: readonly string[], date: string): Promise<void> {
    await client.query(`UPDATE ${this.table('residents')} SET status = 'left', status_since = $2, updated_at = now(), version = version + 1 WHERE id = ANY($1::uuid[])`, [ids, date]);
  }
}
