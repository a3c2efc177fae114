import { Injectable } from '@nestjs/common';
import { CITY_OBJECT_CODE, DomainError, type CityObjectPage, type CityObjectView } from '@gm/contracts';
import { isWithinScope } from '@gm/domain';
import { ServiceSql } from '@gm/platform';
import { checkGivenCode, GridLocator } from '../records/grid-locator';
import { decodeCodeCursor, encodeCodeCursor, RecordWrites, type Actor } from '../records/record-writes';

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

  async list(f: CityObjectFilter): Promise<CityObjectPage> {
    const params: unknown[] = [`${f.scope}%`];
    const where = ['grid_code LIKE $1'];
    const add = (clause: (p: string) => string, value: unknown) => {
      params.push(value);
      where.push(clause(`$${params.length}`));
    };
    if (f.state) add((p) => `state = ${p}`, f.state);
    if (f.classCode) add((p) => `class_code = ${p}`, f.classCode);
    if (f.cursor) {
      const after = decodeCodeCursor(f.cursor);
      if (after === undefined) throw DomainError.validation([{ field: 'cursor', message: 'not a cursor from this list' }]);
      add((p) => `code > ${p}`, after);
    }
    params.push(f.limit + 1);
    const rows = await this.sql.query<CityObjectView>(`${this.select()} WHERE ${where.join(' AND ')} ORDER BY code LIMIT $${params.length}`, params);
    const items = rows.slice(0, f.limit);
    return { items, nextCursor: rows.length > f.limit ? encodeCodeCursor(items[items.length - 1]!.code) : null };
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
      // One registration at a time per grid and class, so that serials do not collide.
      await client.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [`city-object:${gridCode}:${input.classCode}`]);
      let code = input.code;
      if (code) {
        const taken = (await client.query(`SELECT 1 FROM ${this.t('city_objects')} WHERE code = $1`, [code])).rowCount;
        if (taken) throw DomainError.validation([{ field: 'code', message: `${code} is taken` }]);
      } else {
        const [row] = (
          await client.query<{ n: number | null }>(`SELECT max(substring(code FROM '-([0-9]{4})$')::int) AS n FROM ${this.t('city_objects')} WHERE grid_code = $1 AND class_code = $2 AND code ~ $3`, [
            gridCode,
            input.classCode,
            CITY_OBJECT_CODE.source,
          ])
        ).rows;
        const serial = (row?.n ?? 0) + 1;
        if (serial > 9999) throw DomainError.validation([{ field: 'classCode', message: `grid ${gridCode} has 9,999 objects of class ${input.classCode} already` }]);
        code = `${gridCode}-${input.classCode}-${String(serial).padStart(4, '0')}`;
      }
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
      const history: Record<string, { from: string; to: string }> = {};
      const params: unknown[] = [code];
      const sets: string[] = [];
      for (const [key, column] of columns) {
        const value = changes[key];
        if (value === undefined || value === row[column]) continue;
        params.push(value);
        sets.push(`${column} = $${params.length}`);
        history[column] = { from: row[column], to: value };
      }
      if (sets.length === 0) return;
      await client.query(`UPDATE ${this.t('city_objects')} SET ${sets.join(', ')}, updated_at = now(), version = version + 1 WHERE code = $1`, params);
      await record('city-object', code, row.grid_code, 'updated', 'update', history);
    });
    return this.get(scope, code);
  }

  async history(scope: string, code: string) {
    await this.get(scope, code);
    return this.writes.history('city-object', code);
  }
}
