import { Injectable } from '@nestjs/common';
import { CITY_OBJECT_CODE, DomainError, type CityObjectPage, type CityObjectView } from '@gm/contracts';
import { isWithinScope } from '@gm/domain';
import { ServiceSql } from '@gm/platform';
import { checkGivenCode, GridLocator } from '../records/grid-locator';
import { Changes, codeForNew, pageByCode, Where } from '../records/codes-and-pages';
import { RecordWrites, type Actor } from '../records/record-writes';

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
    private readonly sql: ServiceSql,
    private readonly writes: RecordWrites,
    private readonly locator: GridLocator,
  ) {}

  private t = (n: string) => this.sql.table(n);

  private select = () => `
    SELECT code, class_code AS "classCode", name, owner_department AS "ownerDepartment", maintainer, state,
           json_build_object('longitude', public.ST_X(location), 'latitude', public.ST_Y(location)) AS location, grid_code AS "gridCode", version
    FROM ${this.t('city_objects')}`;

  list(f: CityObjectFilter): Promise<CityObjectPage> {
    const where = new Where('grid_code', f.scope).add(f.state, (p) => `state = ${p}`).add(f.classCode, (p) => `class_code = ${p}`);
    return pageByCode(this.sql.query.bind(this.sql), this.select(), 'code', where, f);
  }

  async get(scope: string, code: string): Promise<CityObjectView> {
    const [row] = await this.sql.query<CityObjectView>(`${this.select()} WHERE code = $1`, [code]);
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
      const code = await codeForNew(client, {
        table: this.t('city_objects'),
        lock: `city-object:${gridCode}:${input.classCode}`,
        given: input.code,
        highest: [
          `SELECT max(substring(code FROM '-([0-9]{4})$')::int) AS n FROM ${this.t('city_objects')} WHERE grid_code = $1 AND class_code = $2 AND code ~ $3`,
          [gridCode, input.classCode, CITY_OBJECT_CODE.source],
        ],
        format: (n) => {
          if (n > 9999) throw DomainError.validation([{ field: 'classCode', message: `grid ${gridCode} has 9,999 objects of class ${input.classCode} already` }]);
          return `${gridCode}-${input.classCode}-${String(n).padStart(4, '0')}`;
        },
      });
      await client.query(
        `INSERT INTO ${this.t('city_objects')} (code, class_code, name, owner_department, maintainer, state, location, grid_code)
         VALUES ($1, $2, $3, $4, $5, $6, public.ST_SetSRID(public.ST_MakePoint($7, $8), 4326), $9)`,
        [code, input.classCode, input.name, input.ownerDepartment, input.maintainer, input.state, input.location.longitude, input.location.latitude, gridCode],
      );
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
      const row = (
        await client.query<{ name: string; state: string; owner_department: string; maintainer: string; grid_code: string }>(
          `SELECT name, state, owner_department, maintainer, grid_code FROM ${this.t('city_objects')} WHERE code = $1 FOR UPDATE`,
          [code],
        )
      ).rows[0];
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
      await changed.apply(client, this.t('city_objects'));
      await record('city-object', code, row.grid_code, 'updated', 'update', changed.history);
    });
    return this.get(scope, code);
  }

  async history(scope: string, code: string) {
    await this.get(scope, code);
    return this.writes.history('city-object', code);
  }
}
