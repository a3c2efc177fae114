import { Injectable } from '@nestjs/common';
import { DomainError, type HousePage, type HouseView } from '@gm/contracts';
import { isWithinScope } from '@gm/domain';
import { RecordWrites, type Actor } from '../records/record-writes';
import { HouseRepository } from './house.repository';

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
    private readonly houses: HouseRepository,
    private readonly writes: RecordWrites,
  ) {}

  list(f: HouseFilter): Promise<HousePage> {
    return this.houses.page(f);
  }

  async get(scope: string, code: string): Promise<HouseView> {
    const row = await this.houses.byCode(code);
    if (!row || !isWithinScope(scope, row.gridCode)) throw new DomainError('HOUSE.NOT_FOUND', `no house ${code}`);
    return row;
  }

  /** A house (a flat, a shop) in a building of the caller's unit: code `<building>-<room>`, in the building's grid. */
  async create(actor: Actor, input: { buildingCode: string; floor: number; room: string; areaM2: number; use: string }): Promise<HouseView> {
    const scope = actor.principal.orgUnit;
    const code = `${input.buildingCode}-${input.room}`;
    await this.writes.write(actor, async ({ client, record }) => {
      const building = await this.houses.lockBuilding(client, input.buildingCode);
      if (!building || !isWithinScope(scope, building.grid_code)) throw DomainError.validation([{ field: 'buildingCode', message: `no building ${input.buildingCode} in your unit` }]);
      if (input.floor > building.floors) throw DomainError.validation([{ field: 'floor', message: `the building has ${building.floors} floors` }]);
      if (await this.houses.exists(client, code)) throw DomainError.validation([{ field: 'room', message: `house ${code} exists` }]);
      await this.houses.insert(client, {
        code,
        buildingCode: input.buildingCode,
        floor: input.floor,
        room: input.room,
        areaM2: input.areaM2,
        use: input.use,
        gridCode: building.grid_code,
      });
      await record('house', code, building.grid_code, 'added', 'add', { building_code: input.buildingCode, floor: input.floor, room: input.room, area_m2: input.areaM2, use: input.use, grid_code: building.grid_code });
    });
    return this.get(scope, code);
  }

  /** Sets a house's use (自住、出租、空置、商用); the same use again changes nothing. */
  async setUse(actor: Actor, code: string, use: string): Promise<HouseView> {
    const scope = actor.principal.orgUnit;
    await this.writes.write(actor, async ({ client, record }) => {
      const row = await this.houses.lockForUpdate(client, code);
      if (!row || !isWithinScope(scope, row.grid_code)) throw new DomainError('HOUSE.NOT_FOUND', `no house ${code}`);
      if (row.use === use) return;
      await this.houses.setUse(client, code, use);
      await record('house', code, row.grid_code, 'updated', 'update', { use: { from: row.use, to: use } });
    });
    return this.get(scope, code);
  }

  async history(scope: string, code: string) {
    await this.get(scope, code);
    return this.writes.history('house', code);
  }
}
