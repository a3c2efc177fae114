import { Injectable } from '@nestjs/common';
import { DomainError, type HousePage, type HouseView } from '@gm/contracts';
import { isWithinScope } from '@gm/domain';
import { ServiceSql } from '@gm/platform';
import { pageByCode, Where } from '../records/codes-and-pages';
import { RecordWrites, type Actor } from '../records/record-writes';

export interface HouseFilter {
  readonly scope: string;
  readonly use?: string | undefined;
  readonly buildingCode?: string | undefined;
  readonly cursor?: string | undefined;
  readonly limit: number;
}

/** Houses (房屋) of a unit with what lives in them, and the one thing staff change by hand: their use. */
@Injectable()
export class HouseService {
  constructor(
    private readonly sql: ServiceSql,
    private readonly writes: RecordWrites,
  ) {}

  private t = (n: string) => this.sql.table(n);

  private select = () => `
    SELECT hs.code, hs.building_code AS "buildingCode", concat(b.address, ' ', hs.room, '室') AS address, hs.floor, hs.room, hs.area_m2::float8 AS "areaM2", hs.use,
           (SELECT count(*) FROM ${this.t('households')} h WHERE h.house_code = hs.code)::int AS households,
           (SELECT count(*) FROM ${this.t('households')} h JOIN ${this.t('residents')} r ON r.household_code = h.code WHERE h.house_code = hs.code AND r.status = 'active')::int AS residents,
           hs.grid_code AS "gridCode", hs.version
    FROM ${this.t('houses')} hs JOIN ${this.t('buildings')} b ON b.code = hs.building_code`;

  list(f: HouseFilter): Promise<HousePage> {
    const where = new Where('hs.grid_code', f.scope).add(f.use, (p) => `hs.use = ${p}`).add(f.buildingCode, (p) => `hs.building_code = ${p}`);
    return pageByCode(this.sql.query.bind(this.sql), this.select(), 'hs.code', where, f);
  }

  async get(scope: string, code: string): Promise<HouseView> {
    const [row] = await this.sql.query<HouseView>(`${this.select()} WHERE hs.code = $1`, [code]);
    if (!row || !isWithinScope(scope, row.gridCode)) throw new DomainError('HOUSE.NOT_FOUND', `no house ${code}`);
    return row;
  }

  /** A house (a flat, a shop) in a building of the caller's unit: code `<building>-<room>`, in the building's grid. */
  async create(actor: Actor, input: { buildingCode: string; floor: number; room: string; areaM2: number; use: string }): Promise<HouseView> {
    const scope = actor.principal.orgUnit;
    const code = `${input.buildingCode}-${input.room}`;
    await this.writes.write(actor, async ({ client, record }) => {
      const building = (await client.query<{ floors: number; grid_code: string }>(`SELECT floors, grid_code FROM ${this.t('buildings')} WHERE code = $1 FOR UPDATE`, [input.buildingCode])).rows[0];
      if (!building || !isWithinScope(scope, building.grid_code)) throw DomainError.validation([{ field: 'buildingCode', message: `no building ${input.buildingCode} in your unit` }]);
      if (input.floor > building.floors) throw DomainError.validation([{ field: 'floor', message: `the building has ${building.floors} floors` }]);
      if ((await client.query(`SELECT 1 FROM ${this.t('houses')} WHERE code = $1`, [code])).rowCount) throw DomainError.validation([{ field: 'room', message: `house ${code} exists` }]);
      await client.query(`INSERT INTO ${this.t('houses')} (code, building_code, floor, room, area_m2, use, grid_code) VALUES ($1, $2, $3, $4, $5, $6, $7)`, [
        code,
        input.buildingCode,
        input.floor,
        input.room,
        input.areaM2,
        input.use,
        building.grid_code,
      ]);
      await record('house', code, building.grid_code, 'added', 'add', { building_code: input.buildingCode, floor: input.floor, room: input.room, area_m2: input.areaM2, use: input.use, grid_code: building.grid_code });
    });
    return this.get(scope, code);
  }

  /** Sets a house's use (自住、出租、空置、商用); the same use again changes nothing. */
  async setUse(actor: Actor, code: string, use: string): Promise<HouseView> {
    const scope = actor.principal.orgUnit;
    await this.writes.write(actor, async ({ client, record }) => {
      const row = (await client.query<{ use: string; grid_code: string }>(`SELECT use, grid_code FROM ${this.t('houses')} WHERE code = $1 FOR UPDATE`, [code])).rows[0];
      if (!row || !isWithinScope(scope, row.grid_code)) throw new DomainError('HOUSE.NOT_FOUND', `no house ${code}`);
      if (row.use === use) return;
      await client.query(`UPDATE ${this.t('houses')} SET use = $2, updated_at = now(), version = version + 1 WHERE code = $1`, [code, use]);
      await record('house', code, row.grid_code, 'updated', 'update', { use: { from: row.use, to: use } });
    });
    return this.get(scope, code);
  }

  async history(scope: string, code: string) {
    await this.get(scope, code);
    return this.writes.history('house', code);
  }
}
