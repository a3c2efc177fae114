import { Injectable } from '@nestjs/common';
import { CITY_OBJECT_CODE, DomainError, type CityObjectPage, type CityObjectView } from '@gm/contracts';
import { isWithinScope } from '@gm/domain';
import { checkGivenCode, GridLocator } from '../records/grid-locator';
import { Changes } from '../records/codes-and-pages';
import { RecordWrites, type Actor } from '../records/record-writes';
import { CityObjectRepository } from './city-object.repository';

export interface CityObjectFilter {
  readonly scope: string;
  readonly state?: string | undefined;
  readonly classCode?: string | undefined;
  readonly cursor?: string | undefined;
  readonly limit: number;
}

export interface NewCityObject {
  readonly code?: string | undefined;
  readonly classCode: string;
  readonly name: string;
  readonly ownerDepartment: string;
  readonly maintainer: string;
  readonly state: string;
  readonly location: { readonly longitude: number; readonly latitude: number };
}

export interface CityObjectChanges {
  readonly name?: string | undefined;
  readonly state?: string | undefined;
  readonly ownerDepartment?: string | undefined;
  readonly maintainer?: string | undefined;
}

/**
 * City objects (部件: manhole covers, lamps, bins …): registered at a point that gis places in a
 * grid of the caller's unit, with a code of the documented scheme (`CITY_OBJECT_CODE`), and kept
 * current: state, owner department, maintainer.
 */
@Injectable()
export class CityObjectService {
  constructor(
    private readonly objects: CityObjectRepository,
    private readonly writes: RecordWrites,
    private readonly locator: GridLocator,
  ) {}

  list(f: CityObjectFilter): Promise<CityObjectPage> {
    return this.objects.page(f);
  }

  async get(scope: string, code: string): Promise<CityObjectView> {
    const row = await this.objects.byCode(code);
    if (!row || !isWithinScope(scope, row.gridCode)) throw new DomainError('CITY_OBJECT.NOT_FOUND', `no city object ${code}`);
    return row;
  }

  async create(actor: Actor, input: NewCityObject): Promise<CityObjectView> {
    const scope = actor.principal.orgUnit;
    const gridCode = await this.locator.gridIn(scope, input.location);
    if (input.code) {
      const m = checkGivenCode(input.code, CITY_OBJECT_CODE, gridCode, '<grid code>-<class>-<4-digit serial>, e.g. 350206001001-07-0302-0001');
      if (m[2] !== input.classCode) throw DomainError.validation([{ field: 'code', message: `names class ${m[2]}, not ${input.classCode}` }]);
    }
    const code = await this.writes.write(actor, async ({ client, record }) => {
      const code = await this.objects.codeForNew(client, gridCode, input.classCode, input.code, (n) => {
        if (n > 9999) throw DomainError.validation([{ field: 'classCode', message: `grid ${gridCode} has 9,999 objects of class ${input.classCode} already` }]);
        return `${gridCode}-${input.classCode}-${String(n).padStart(4, '0')}`;
      });
      await this.objects.insert(client, {
        code,
        classCode: input.classCode,
        name: input.name,
        ownerDepartment: input.ownerDepartment,
        maintainer: input.maintainer,
        state: input.state,
        location: input.location,
        gridCode,
      });
      await record('city-object', code, gridCode, 'added', 'add', {
        class_code: input.classCode,
        name: input.name,
        owner_department: input.ownerDepartment,
        maintainer: input.maintainer,
        state: input.state,
        grid_code: gridCode,
      });
      return code;
    });
    return this.get(scope, code);
  }

  /** State (normal, damaged, lost, removed), owner department, maintainer, name; unchanged values change nothing. */
  async update(actor: Actor, code: string, changes: CityObjectChanges): Promise<CityObjectView> {
    const scope = actor.principal.orgUnit;
    await this.writes.write(actor, async ({ client, record }) => {
      const row = await this.objects.lockForUpdate(client, code);
      if (!row || !isWithinScope(scope, row.grid_code)) throw new DomainError('CITY_OBJECT.NOT_FOUND', `no city object ${code}`);
      const columns: [keyof CityObjectChanges, 'name' | 'state' | 'owner_department' | 'maintainer'][] = [
        ['name', 'name'],
        ['state', 'state'],
        ['ownerDepartment', 'owner_department'],
        ['maintainer', 'maintainer'],
      ];
      const changed = new Changes(code);
      for (const [key, column] of columns) changed.compare(column, row[column], changes[key]);
      if (changed.empty) return;
      await this.objects.update(client, changed);
      await record('city-object', code, row.grid_code, 'updated', 'update', changed.history);
    });
    return this.get(scope, code);
  }

  async history(scope: string, code: string) {
    await this.get(scope, code);
    return this.writes.history('city-object', code);
  }
}
