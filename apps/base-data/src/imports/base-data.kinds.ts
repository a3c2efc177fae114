import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type pg from 'pg';
import {
  FOCUS_CLASSES,
  HOUSE_USES,
  OBJECT_STATES,
  ORGANISATION_TYPES,
  RELATIONS,
  RESIDENCE_TYPES,
  RESIDENT_TAGS,
  type BaseDataKind,
  type FieldError,
} from '@gm/contracts';
import { idNumberFacts, idNumberProblem, isPlausiblePhone, isWithinScope, maskIdNumber, maskPhone, normalizeIdNumber, normalizePhone } from '@gm/domain';
import { rowBad, rowOk, type CsvKind, type RowResult } from '@gm/platform';
import type { PiiBoxFormat, PiiCipher } from '../privacy/pii-cipher';
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

export interface Ctx {
  readonly grids: ReadonlySet<string>;
  readonly scope?: string | undefined;
}

/** What a residents row worker needs to rebuild the row function in its thread. */
export interface ResidentWorkerData {
  readonly keys: readonly string[];
  readonly hashKey: string;
  readonly sealFormat: PiiBoxFormat;
  readonly grids: readonly string[];
  readonly scope?: string | undefined;
}

/** Compiled only: under the test runner the sources are TypeScript and rows stay in this thread. */
const RESIDENT_WORKER = join(__dirname, 'residents.worker.js');

const CODE = /^[A-Za-z0-9][A-Za-z0-9_-]{0,79}$/;
const ID_PROBLEM: Record<string, string> = { format: 'not an 18-character ID number', 'birth-date': 'birth date in the ID number is not a real past date', checksum: 'invalid ID number (checksum)' };

const hex = (b: Buffer) => `\\x${b.toString('hex')}`;

function text(v: string | undefined, line: number, field: string, max: number, errors: FieldError[], required = true): string | null {
  const s = (v ?? '').trim();
  if (s.length === 0) {
    if (required) errors.push({ line, field, message: `${field} is required` });
    return null;
  }
  if (s.length > max) errors.push({ line, field, message: `${field} must be at most ${max} characters` });
  return s;
}

function code(v: string | undefined, line: number, field: string, errors: FieldError[]): string {
  const s = (v ?? '').trim();
  if (!CODE.test(s)) errors.push({ line, field, message: `${field} must be 1–80 letters, digits, "-" or "_"` });
  return s;
}

function oneOf<T extends string>(v: string | undefined, allowed: readonly T[], line: number, field: string, errors: FieldError[]): T {
  if (!(allowed as readonly string[]).includes(v ?? '')) errors.push({ line, field, message: `one of ${allowed.join(', ')}` });
  return v as T;
}

function int(v: string | undefined, min: number, max: number, line: number, field: string, errors: FieldError[]): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) errors.push({ line, field, message: `${field} must be a whole number ${min}–${max}` });
  return n;
}

function coordinate(v: string | undefined, max: number, line: number, field: string, errors: FieldError[]): number {
  const n = Number(v);
  if (v === undefined || v.trim() === '' || !Number.isFinite(n) || Math.abs(n) > max) errors.push({ line, field, message: `${field} must be a number between -${max} and ${max}` });
  return n;
}

function grid(v: string | undefined, ctx: Ctx, line: number, errors: FieldError[]): string {
  const g = (v ?? '').trim();
  if (!ctx.grids.has(g)) errors.push({ line, field: 'grid_code', message: `unknown grid code ${g || '(empty)'}` });
  else if (ctx.scope && !isWithinScope(ctx.scope, g)) errors.push({ line, field: 'grid_code', message: outside(g, ctx.scope) });
  return g;
}

const outside = (grid: string, scope: string) => `grid ${grid} lies outside this tier (${scope}): import it at the tier that keeps it`;

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

/** Rows repeating an earlier row's key (a hash aggregate: no sort of a million keys). */
async function duplicates(client: pg.PoolClient, table: string, column: string, field: string): Promise<FieldError[]> {
  const rows = await client.query<{ lines: number[] }>(`SELECT array_agg(line ORDER BY line) AS lines FROM ${table} GROUP BY ${column} HAVING count(*) > 1 LIMIT 1000`);
  return rows.rows
    .flatMap((r) => r.lines.slice(1).map((line) => ({ line, field, message: `same ${field} as line ${r.lines[0]}` })))
    .sort((a, b) => a.line - b.line);
}

export function residentRow(
  [idNumber, name, phone, household, relation, residenceType, focusClass, tags, party, g]: readonly string[],
  line: number,
  ctx: Ctx,
  cipher: PiiCipher,
): RowResult {
  const e: FieldError[] = [];
  // Messages name the problem, never the value: these are personal identifiers.
  const problem = idNumberProblem(idNumber ?? '');
  if (problem) e.push({ line, field: 'id_number', message: ID_PROBLEM[problem]! });
  const phoneRaw = (phone ?? '').trim();
  if (phoneRaw && !isPlausiblePhone(phoneRaw)) e.push({ line, field: 'phone', message: 'not a mainland mobile or landline number' });
  const n = text(name, line, 'name', 50, e);
  const hh = code(household, line, 'household_code', e);
  const rel = oneOf(relation, RELATIONS, line, 'relation', e);
  const rt = oneOf(residenceType, RESIDENCE_TYPES, line, 'residence_type', e);
  const fc = oneOf(focusClass, FOCUS_CLASSES, line, 'focus_class', e);
  const tagList = (tags ?? '').split('|').filter(Boolean);
  for (const tag of tagList) if (!(RESIDENT_TAGS as readonly string[]).includes(tag)) e.push({ line, field: 'tags', message: `unknown tag ${tag}` });
  if (party !== 'true' && party !== 'false') e.push({ line, field: 'party_member', message: 'true or false' });
  const gc = grid(g, ctx, line, e);
  if (e.length > 0) return rowBad(e);
  const id = normalizeIdNumber(idNumber!);
  const ph = phoneRaw ? normalizePhone(phoneRaw) : undefined;
  const facts = idNumberFacts(id);
  return rowOk([
    randomUUID(),
    hex(cipher.hash('id', id)),
    maskIdNumber(id),
    ph ? hex(cipher.hash('phone', ph)) : null,
    ph ? maskPhone(ph) : null,
    hex(cipher.seal({ idNumber: id, phone: ph })),
    cipher.currentKeyId,
    n,
    facts.sex,
    facts.birthDate,
    hh,
    rel,
    rt,
    fc,
    `{${tagList.join(',')}}`,
    party === 'true',
    gc,
  ]);
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
            ph ? hex(deps.cipher.seal({ phone: ph })) : null,
            ph ? deps.cipher.currentKeyId : null,
            ph ? maskPhone(ph) : null,
            ph ? hex(deps.cipher.hash('phone', ph)) : null,
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
