import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type pg from 'pg';
import { HOUSE_USES, OBJECT_STATES, ORGANISATION_TYPES, type BaseDataKind, type FieldError } from '@gm/contracts';
import { isPlausiblePhone, isWithinScope, maskPhone, normalizePhone } from '@gm/domain';
import { rowBad, rowOk, type CsvKind } from '@gm/platform';
import type { PiiBoxFormat, PiiCipher } from '../privacy/pii-cipher';
import { residentRow, type ResidentWorkerData } from './resident-row';
import { code, coordinate, grid, int, oneOf, outside, text, type Ctx } from './row-checks';
import { upsertWithHistory } from './upsert';

/** What the kinds need from outside: known grids (system-admin), point → grid (gis), the cipher. */
export interface ImportDeps {
  readonly schema: string;
  readonly actor: string;
  readonly cipher: PiiCipher;
  /** The cipher's configuration, for row workers. */
  readonly cipherKeys: { readonly keys: readonly string[]; readonly hashKey: string; readonly sealFormat: PiiBoxFormat };
  /** Grid codes of the org tree. */
  readonly grids: () => Promise<ReadonlySet<string>>;
  /** Grid of each point (null outside every grid), in order. */
  readonly locate: (points: readonly { longitude: number; latitude: number }[]) => Promise<(string | null)[]>;
  /** In a federation, the tier's own code: rows of grids outside its subtree are refused (they belong to another tier). */
  readonly scope?: string | undefined;
}

/** Compiled only: under the test runner the sources are TypeScript and rows stay in this thread. */
const RESIDENT_WORKER = join(__dirname, 'residents.worker.js');

/** Staged points get their grid from gis; points in no grid (or, in a federation, in another tier's) are errors naming their line. */
async function locateStaged(client: pg.PoolClient, table: string, deps: ImportDeps): Promise<FieldError[]> {
  const rows = (await client.query<{ line: number; longitude: number; latitude: number }>(`SELECT line, longitude, latitude FROM ${table} ORDER BY line`)).rows;
  const errors: FieldError[] = [];
  for (let i = 0; i < rows.length; i += 10_000) {
    const batch = rows.slice(i, i + 10_000);
    const grids = await deps.locate(batch);
    const lines: number[] = [];
    const codes: string[] = [];
    grids.forEach((g, k) => {
      if (g && deps.scope && !isWithinScope(deps.scope, g)) errors.push({ line: batch[k]!.line, field: 'longitude,latitude', message: outside(g, deps.scope) });
      else if (g) {
        lines.push(batch[k]!.line);
        codes.push(g);
      } else errors.push({ line: batch[k]!.line, field: 'longitude,latitude', message: 'the point lies in no grid of the district' });
    });
    await client.query(`UPDATE ${table} s SET grid_code = v.g FROM unnest($1::int[], $2::text[]) AS v(line, g) WHERE s.line = v.line`, [lines, codes]);
  }
  return errors;
}

/**
 * Rows repeating an earlier row's key: the repeated keys first (a hash aggregate that only
 * counts), then the lines of those few keys; lines are not gathered for a million unique keys.
 */
async function duplicates(client: pg.PoolClient, table: string, column: string, field: string): Promise<FieldError[]> {
  const rows = await client.query<{ lines: number[] }>(
    `WITH repeated AS (SELECT ${column} FROM ${table} GROUP BY ${column} HAVING count(*) > 1 LIMIT 1000)
     SELECT array_agg(s.line ORDER BY s.line) AS lines FROM ${table} s JOIN repeated r ON r.${column} = s.${column} GROUP BY s.${column}`,
  );
  return rows.rows
    .flatMap((r) => r.lines.slice(1).map((line) => ({ line, field, message: `same ${field} as line ${r.lines[0]}` })))
    .sort((a, b) => a.line - b.line);
}

export function baseDataKind(kind: BaseDataKind, deps: ImportDeps): CsvKind<Ctx> {
  const t = (name: string) => `"${deps.schema}".${name}`;
  const prepare = async (): Promise<Ctx> => ({ grids: await deps.grids(), scope: deps.scope });
  switch (kind) {
    case 'buildings':
      return {
        name: kind,
        columns: ['code', 'name', 'address', 'longitude', 'latitude', 'floors'],
        stage: {
          table: 'building_stage',
          ddl: 'CREATE TEMP TABLE building_stage (line int, code text, name text, address text, longitude float8, latitude float8, floors int, grid_code text) ON COMMIT DROP',
          columns: ['code', 'name', 'address', 'longitude', 'latitude', 'floors'],
        },
        prepare,
        row([c, name, address, lng, lat, floors], line) {
          const e: FieldError[] = [];
          const values = [
            code(c, line, 'code', e),
            text(name, line, 'name', 100, e),
            text(address, line, 'address', 200, e),
            coordinate(lng, 180, line, 'longitude', e),
            coordinate(lat, 90, line, 'latitude', e),
            int(floors, 1, 200, line, 'floors', e),
          ];
          return e.length > 0 ? rowBad(e) : rowOk(values);
        },
        check: async (client) => [...(await duplicates(client, 'building_stage', 'code', 'code')), ...(await locateStaged(client, 'building_stage', deps))],
        apply: (client) =>
          upsertWithHistory(client, {
            table: t('buildings'),
            key: 'code',
            from: 'building_stage s',
            entity: 'building',
            actor: deps.actor,
            columns: [
              { name: 'name' },
              { name: 'address' },
              { name: 'location', value: 'ST_SetSRID(ST_MakePoint(s.longitude, s.latitude), 4326)', opaque: true },
              { name: 'floors' },
              { name: 'grid_code' },
            ],
          }),
      };
    case 'houses':
      return {
        name: kind,
        columns: ['code', 'building_code', 'floor', 'room', 'area_m2', 'use'],
        stage: {
          table: 'house_stage',
          ddl: 'CREATE TEMP TABLE house_stage (line int, code text, building_code text, floor int, room text, area_m2 numeric, use text) ON COMMIT DROP',
          columns: ['code', 'building_code', 'floor', 'room', 'area_m2', 'use'],
        },
        prepare,
        row([c, building, floor, room, area, use], line) {
          const e: FieldError[] = [];
          const a = Number(area);
          if (!Number.isFinite(a) || a <= 0 || a > 100_000) e.push({ line, field: 'area_m2', message: 'area_m2 must be a positive number of square metres' });
          const values = [code(c, line, 'code', e), code(building, line, 'building_code', e), int(floor, -10, 200, line, 'floor', e), text(room, line, 'room', 16, e), a, oneOf(use, HOUSE_USES, line, 'use', e)];
          return e.length > 0 ? rowBad(e) : rowOk(values);
        },
        check: async (client) => [
          ...(await duplicates(client, 'house_stage', 'code', 'code')),
          ...(
            await client.query<{ line: number; building_code: string }>(
              `SELECT s.line, s.building_code FROM house_stage s LEFT JOIN ${t('buildings')} b ON b.code = s.building_code WHERE b.code IS NULL ORDER BY s.line LIMIT 1000`,
            )
          ).rows.map((r) => ({ line: r.line, field: 'building_code', message: `unknown building ${r.building_code}` })),
        ],
        apply: (client) =>
          upsertWithHistory(client, {
            table: t('houses'),
            key: 'code',
            rebuildIndexesWhenEmpty: true,
            from: `house_stage s JOIN ${t('buildings')} b ON b.code = s.building_code`,
            entity: 'house',
            actor: deps.actor,
            columns: [{ name: 'building_code' }, { name: 'floor' }, { name: 'room' }, { name: 'area_m2' }, { name: 'use' }, { name: 'grid_code', value: 'b.grid_code' }],
          }),
      };
    case 'households':
      return {
        name: kind,
        columns: ['code', 'house_code', 'grid_code'],
        stage: {
          table: 'household_stage',
          ddl: 'CREATE TEMP TABLE household_stage (line int, code text, house_code text, grid_code text) ON COMMIT DROP',
          columns: ['code', 'house_code', 'grid_code'],
        },
        prepare,
        row([c, house, g], line, ctx) {
          const e: FieldError[] = [];
          const values = [code(c, line, 'code', e), code(house, line, 'house_code', e), grid(g, ctx, line, e)];
          return e.length > 0 ? rowBad(e) : rowOk(values);
        },
        check: async (client) => [
          ...(await duplicates(client, 'household_stage', 'code', 'code')),
          ...(
            await client.query<{ line: number; house_code: string; house_grid: string | null; grid_code: string }>(
              `SELECT s.line, s.house_code, h.grid_code AS house_grid, s.grid_code FROM household_stage s LEFT JOIN ${t('houses')} h ON h.code = s.house_code
               WHERE h.code IS NULL OR h.grid_code <> s.grid_code ORDER BY s.line LIMIT 1000`,
            )
          ).rows.map((r) =>
            r.house_grid === null
              ? { line: r.line, field: 'house_code', message: `unknown house ${r.house_code}` }
              : { line: r.line, field: 'grid_code', message: `the house lies in grid ${r.house_grid}, not ${r.grid_code}` },
          ),
        ],
        apply: (client) =>
          upsertWithHistory(client, { table: t('households'), key: 'code', rebuildIndexesWhenEmpty: true, from: 'household_stage s', entity: 'household', actor: deps.actor, columns: [{ name: 'house_code' }, { name: 'grid_code' }] }),
      };
    case 'residents':
      return {
        name: kind,
        columns: ['id_number', 'name', 'phone', 'household_code', 'relation', 'residence_type', 'focus_class', 'tags', 'party_member', 'grid_code'],
        stage: {
          table: 'resident_stage',
          ddl: `CREATE TEMP TABLE resident_stage (line int, id uuid, id_hash bytea, id_masked text, phone_hash bytea, phone_masked text, pii bytea, pii_key int,
                  name text, sex text, birth_date date, household_code text, relation text, residence_type text, focus_class text, tags text[], party_member boolean, grid_code text) ON COMMIT DROP`,
          columns: ['id', 'id_hash', 'id_masked', 'phone_hash', 'phone_masked', 'pii', 'pii_key', 'name', 'sex', 'birth_date', 'household_code', 'relation', 'residence_type', 'focus_class', 'tags', 'party_member', 'grid_code'],
          types: ['uuid', 'bytea', 'text', 'bytea', 'text', 'bytea', 'int4', 'text', 'text', 'date', 'text', 'text', 'text', 'text', 'text[]', 'bool', 'text'],
        },
        prepare,
        row: (fields, line, ctx) => residentRow(fields, line, ctx, deps.cipher),
        parallel: (ctx) =>
          existsSync(RESIDENT_WORKER)
            ? { script: RESIDENT_WORKER, data: { keys: deps.cipherKeys.keys, hashKey: deps.cipherKeys.hashKey, sealFormat: deps.cipherKeys.sealFormat, grids: [...ctx.grids], scope: ctx.scope } satisfies ResidentWorkerData }
            : undefined,
        check: async (client) => [
          ...(await duplicates(client, 'resident_stage', 'id_hash', 'id_number')),
          ...(
            await client.query<{ line: number; household_code: string; household_grid: string | null; grid_code: string }>(
              `SELECT s.line, s.household_code, h.grid_code AS household_grid, s.grid_code FROM resident_stage s LEFT JOIN ${t('households')} h ON h.code = s.household_code
               WHERE h.code IS NULL OR h.grid_code <> s.grid_code ORDER BY s.line LIMIT 1000`,
            )
          ).rows.map((r) =>
            r.household_grid === null
              ? { line: r.line, field: 'household_code', message: `unknown household ${r.household_code}` }
              : { line: r.line, field: 'grid_code', message: `the household belongs to grid ${r.household_grid}, not ${r.grid_code}` },
          ),
        ],
        apply: (client) =>
          upsertWithHistory(client, {
            table: t('residents'),
            key: 'id_hash',
            from: 'resident_stage s',
            rebuildIndexesWhenEmpty: true,
            entity: 'resident',
            actor: deps.actor,
            insertOnly: [{ name: 'id' }, { name: 'id_masked' }, { name: 'sex' }, { name: 'birth_date' }],
            columns: [
              { name: 'name' },
              { name: 'phone_hash', opaque: true },
              { name: 'phone_masked', silent: true },
              // A new box is made on every import (fresh IV): it replaces the old one only with a changed phone.
              { name: 'pii', followsChange: true },
              { name: 'pii_key', followsChange: true },
              { name: 'household_code' },
              { name: 'relation' },
              { name: 'residence_type' },
              { name: 'focus_class' },
              { name: 'tags' },
              { name: 'party_member' },
              { name: 'grid_code' },
            ],
          }),
      };
    case 'organisations':
      return {
        name: kind,
        columns: ['code', 'name', 'type', 'address', 'longitude', 'latitude', 'contact_name', 'contact_phone'],
        stage: {
          table: 'org_stage',
          ddl: `CREATE TEMP TABLE org_stage (line int, code text, name text, type text, address text, longitude float8, latitude float8, contact_name text,
                  contact_pii bytea, contact_pii_key int, contact_phone_masked text, contact_phone_hash bytea, grid_code text) ON COMMIT DROP`,
          columns: ['code', 'name', 'type', 'address', 'longitude', 'latitude', 'contact_name', 'contact_pii', 'contact_pii_key', 'contact_phone_masked', 'contact_phone_hash'],
        },
        prepare,
        row([c, name, type, address, lng, lat, contact, phone], line) {
          const e: FieldError[] = [];
          const phoneRaw = (phone ?? '').trim();
          if (phoneRaw && !isPlausiblePhone(phoneRaw)) e.push({ line, field: 'contact_phone', message: 'not a mainland mobile or landline number' });
          const values = [
            code(c, line, 'code', e),
            text(name, line, 'name', 100, e),
            oneOf(type, ORGANISATION_TYPES, line, 'type', e),
            text(address, line, 'address', 200, e),
            coordinate(lng, 180, line, 'longitude', e),
            coordinate(lat, 90, line, 'latitude', e),
            text(contact, line, 'contact_name', 50, e, false),
          ];
          if (e.length > 0) return rowBad(e);
          const ph = phoneRaw ? normalizePhone(phoneRaw) : undefined;
          return rowOk([
            ...values,
            ph ? deps.cipher.seal({ phone: ph }) : null,
            ph ? deps.cipher.currentKeyId : null,
            ph ? maskPhone(ph) : null,
            ph ? deps.cipher.hash('phone', ph) : null,
          ]);
        },
        check: async (client) => [...(await duplicates(client, 'org_stage', 'code', 'code')), ...(await locateStaged(client, 'org_stage', deps))],
        apply: (client) =>
          upsertWithHistory(client, {
            table: t('organisations'),
            key: 'code',
            from: 'org_stage s',
            entity: 'organisation',
            actor: deps.actor,
            columns: [
              { name: 'name' },
              { name: 'type' },
              { name: 'address' },
              { name: 'location', value: 'ST_SetSRID(ST_MakePoint(s.longitude, s.latitude), 4326)', opaque: true },
              { name: 'contact_name', opaque: true },
              { name: 'contact_phone_hash', opaque: true },
              { name: 'contact_phone_masked', silent: true },
              { name: 'contact_pii', followsChange: true },
              { name: 'contact_pii_key', followsChange: true },
              { name: 'grid_code' },
            ],
          }),
      };
    case 'city-objects':
      return {
        name: kind,
        columns: ['code', 'class_code', 'name', 'owner_department', 'maintainer', 'state', 'longitude', 'latitude'],
        stage: {
          table: 'object_stage',
          ddl: 'CREATE TEMP TABLE object_stage (line int, code text, class_code text, name text, owner_department text, maintainer text, state text, longitude float8, latitude float8, grid_code text) ON COMMIT DROP',
          columns: ['code', 'class_code', 'name', 'owner_department', 'maintainer', 'state', 'longitude', 'latitude'],
        },
        prepare,
        row([c, cls, name, owner, maintainer, state, lng, lat], line) {
          const e: FieldError[] = [];
          if (!/^\d{4}$/.test(cls ?? '')) e.push({ line, field: 'class_code', message: 'class_code is 2-digit major + 2-digit minor, e.g. 0101' });
          const values = [
            code(c, line, 'code', e),
            cls,
            text(name, line, 'name', 100, e),
            text(owner, line, 'owner_department', 100, e),
            text(maintainer, line, 'maintainer', 100, e),
            oneOf(state, OBJECT_STATES, line, 'state', e),
            coordinate(lng, 180, line, 'longitude', e),
            coordinate(lat, 90, line, 'latitude', e),
          ];
          return e.length > 0 ? rowBad(e) : rowOk(values);
        },
        check: async (client) => [...(await duplicates(client, 'object_stage', 'code', 'code')), ...(await locateStaged(client, 'object_stage', deps))],
        apply: (client) =>
          upsertWithHistory(client, {
            table: t('city_objects'),
            key: 'code',
            from: 'object_stage s',
            entity: 'city-object',
            actor: deps.actor,
            columns: [
              { name: 'class_code' },
              { name: 'name' },
              { name: 'owner_department' },
              { name: 'maintainer' },
              { name: 'state' },
              { name: 'location', value: 'ST_SetSRID(ST_MakePoint(s.longitude, s.latitude), 4326)', opaque: true },
              { name: 'grid_code' },
            ],
          }),
      };
  }
}
