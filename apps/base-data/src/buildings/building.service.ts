import { Injectable } from '@nestjs/common';
import { BUILDING_CODE, DomainError, type BuildingPage, type BuildingView } from '@gm/contracts';
import { isWithinScope } from '@gm/domain';
import { checkGivenCode, GridLocator } from '../records/grid-locator';
import { Changes } from '../records/codes-and-pages';
import { RecordWrites, type Actor } from '../records/record-writes';
import { BuildingRepository } from './building.repository';

export interface BuildingInput {
  readonly code?: string | undefined;
  readonly name: string;
  readonly address: string;
  readonly floors: number;
  readonly location: { readonly longitude: number; readonly latitude: number };
}

export type BuildingChanges = Partial<Pick<BuildingInput, 'name' | 'address' | 'floors'>>;

/** Buildings (楼栋) of a unit: registered at a point of one of its grids, renamed, re-addressed. */
@Injectable()
export class BuildingService {
  constructor(
    private readonly buildings: BuildingRepository,
    private readonly writes: RecordWrites,
    private readonly locator: GridLocator,
  ) {}

  list(f: { scope: string; address?: string | undefined; cursor?: string | undefined; limit: number }): Promise<BuildingPage> {
    return this.buildings.page(f);
  }

  async get(scope: string, code: string): Promise<BuildingView> {
    const row = await this.buildings.byCode(code);
    if (!row || !isWithinScope(scope, row.gridCode)) throw new DomainError('BUILDING.NOT_FOUND', `no building ${code}`);
    return row;
  }

  async create(actor: Actor, input: BuildingInput): Promise<BuildingView> {
    const scope = actor.principal.orgUnit;
    const gridCode = await this.locator.gridIn(scope, input.location);
    if (input.code) checkGivenCode(input.code, BUILDING_CODE, gridCode, '<grid code>-B<serial>, e.g. 350206001001-07-B012');
    const code = await this.writes.write(actor, async ({ client, record }) => {
      const code = await this.buildings.codeForNew(client, gridCode, input.code, (n) => `${gridCode}-B${String(n).padStart(3, '0')}`);
      await this.buildings.insert(client, { code, name: input.name, address: input.address, location: input.location, floors: input.floors, gridCode });
      await record('building', code, gridCode, 'added', 'add', { name: input.name, address: input.address, floors: input.floors, grid_code: gridCode });
      return code;
    });
    return this.get(scope, code);
  }

  async update(actor: Actor, code: string, changes: BuildingChanges): Promise<BuildingView> {
    const scope = actor.principal.orgUnit;
    await this.writes.write(actor, async ({ client, record }) => {
      const row = await this.buildings.lockForUpdate(client, code);
      if (!row || !isWithinScope(scope, row.grid_code)) throw new DomainError('BUILDING.NOT_FOUND', `no building ${code}`);
      if (changes.floors !== undefined) {
        const top = await this.buildings.topFloor(client, code);
        if (top != null && changes.floors < top) throw DomainError.validation([{ field: 'floors', message: `the building has houses up to floor ${top}` }]);
      }
      const changed = new Changes(code);
      for (const key of ['name', 'address', 'floors'] as const) changed.compare(key, row[key], changes[key]);
      if (changed.empty) return;
      await this.buildings.update(client, changed);
      await record('building', code, row.grid_code, 'updated', 'update', changed.history);
    });
    return this.get(scope, code);
  }

  async history(scope: string, code: string) {
    await this.get(scope, code);
    return this.writes.history('building', code);
  }
}
