import { Injectable } from '@nestjs/common';
import type pg from 'pg';
import { CITY_OBJECT_CODE, type CityObjectPage, type CityObjectView } from '@gm/contracts';
import { SqlRepository } from '@gm/platform';
import { Changes, codeForNew, pageByCode, Where } from '../records/codes-and-pages';
import type { CityObjectFilter, NewCityObject } from './city-object.service';

/** A new city object as stored: its code decided, its grid found. */
export type NewCityObjectRow = Omit<NewCityObject, 'code'> & { readonly code: string; readonly gridCode: string };

/** A city object as an update locks it. */
export interface LockedCityObject {
  readonly name: string;
  readonly state: string;
  readonly owner_department: string;
  readonly maintainer: string;
  readonly grid_code: string;
}

/** The only place that reads or writes city objects (plain pool, `$n`); writes run in the caller's transaction. */
@Injectable()
export class CityObjectRepository extends SqlRepository {
  private select = () => `
    SELECT code, class_code AS "classCode", name, owner_department AS "ownerDepartment", maintainer, state,
           json_build_object('longitude', public.ST_X(location), 'latitude', public.ST_Y(location)) AS location, grid_code AS "gridCode", version
    FROM ${this.table('city_objects')}`;

  /** One page of the city objects of the unit's subtree, by code, optionally in one state or of one class. */
  page(f: CityObjectFilter): Promise<CityObjectPage> {
    const where = new Where('grid_code', f.scope).add(f.state, (p) => `state = ${p}`).add(f.classCode, (p) => `class_code = ${p}`);
    return pageByCode(this.sql.query.bind(this.sql), this.select(), 'code', where, f);
  }

  async byCode(code: string): Promise<CityObjectView | undefined> {
    const [row] = await this.sql.query<CityObjectView>(`${this.select()} WHERE code = $1`, [code]);
    return row;
  }

  /**
   * The given code (which must be free) or the next 4-digit serial of the class in the grid (codes of
   * the documented scheme only), formatted by `format`; one registration per grid and class at a time (codeForNew).
   */
  codeForNew(client: pg.PoolClient, gridCode: string, classCode: string, given: string | undefined, format: (serial: number) => string): Promise<string> {
    return codeForNew(client, {
      table: this.table('city_objects'),
      lock: `city-object:${gridCode}:${classCode}`,
      given,
      highest: [
        `SELECT max(substring(code FROM '-([0-9]{4})$')::int) AS n FROM ${this.table('city_objects')} WHERE grid_code = $1 AND class_code = $2 AND code ~ $3`,
        [gridCode, classCode, CITY_OBJECT_CODE.source],
      ],
      format,
    });
  }

  async insert(client: pg.PoolClient, row: NewCityObjectRow): Promise<void> {
    await client.query(
      `INSERT INTO ${this.table('city_objects')} (code, class_code, name, owner_department, maintainer, state, location, grid_code)
         VALUES ($1, $2, $3, $4, $5, $6, public.ST_SetSRID(public.ST_MakePoint($7, $8), 4326), $9)`,
      [row.code, row.classCode, row.name, row.ownerDepartment, row.maintainer, row.state, row.location.longitude, row.location.latitude, row.gridCode],
    );
  }

  /** The city object, locked until the transaction ends, or undefined. */
  async lockForUpdate(client: pg.PoolClient, code: string): Promise<LockedCityObject | undefined> {
    return (await client.query<LockedCityObject>(`SELECT name, state, owner_department, maintainer, grid_code FROM ${this.table('city_objects')} WHERE code = $1 FOR UPDATE`, [code])).rows[0];
  }

  /** Applies the changes to the city object, raising its version. */
  update(client: pg.PoolClient, changes: Changes): Promise<void> {
    return changes.apply(client, this.table('city_objects'));
  }
}
