import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { DEFAULT_OPTIONS, generateDistrict } from '@gm/district-generator';
import { csvImportResultSchema, errorBodySchema, namespace, residentPageSchema, residentViewSchema, streamName, Streams, unitSummarySchema, type ResidentPage } from '@gm/contracts';
import { aReport, expectShape, sampleValue, scrapeMetrics, startInfra, startService, type TestInfra, type TestService } from '@gm/testing';
import pg from 'pg';
import type { ServiceConfig } from '@gm/platform';
import * as baseData from '../../apps/base-data/src/app.module';
import * as baseDataConfig from '../../apps/base-data/src/config/config';
import { PiiCipher } from '../../apps/base-data/src/privacy/pii-cipher';
import * as systemAdmin from '../../apps/system-admin/src/app.module';
import * as systemAdminConfig from '../../apps/system-admin/src/config/config';
import * as gis from '../../apps/gis/src/app.module';
import * as gisConfig from '../../apps/gis/src/config/config';
import * as publicSentiment from '../../apps/public-sentiment/src/app.module';
import * as psConfig from '../../apps/public-sentiment/src/config/config';

describe('base-data: a generated district, privacy, scope, imports (real PostgreSQL/PostGIS, NATS)', () => {
  let infra: TestInfra;
  let services: TestService<ServiceConfig>[];
  let bd: TestService<baseDataConfig.AppConfig>;
  let dir: string;
  let admin: string;
  let community: string;
  const csv = (name: string) => readFileSync(join(dir, name), 'utf8');
  const residentsCsv = () => csv('residents.csv').trim().split('\n').slice(1).map((l) => l.split(','));

  beforeAll(async () => {
    infra = await startInfra();
    const env = infra.env();
    const sa = await startService({ configSchema: systemAdminConfig.configSchema, module: (c, l) => systemAdmin.AppModule.forRoot(c, l), streamedContentTypes: ['text/csv'] }, env);
    const g = await startService({ configSchema: gisConfig.configSchema, module: (c, l) => gis.AppModule.forRoot(c, l), streamedContentTypes: ['application/geo+json'] }, env);
    const ps = await startService({ configSchema: psConfig.configSchema, module: (c, l) => publicSentiment.AppModule.forRoot(c, l) }, env);
    bd = await startService({ configSchema: baseDataConfig.configSchema, module: (c, l) => baseData.AppModule.forRoot(c, l), streamedContentTypes: ['text/csv'] }, env);
    services = [sa, g, ps, bd] as never;
    admin = await infra.oidc.tokenFor('admin');
    community = await infra.oidc.tokenFor('community');
    dir = mkdtempSync(join(tmpdir(), 'gm-bd-'));
    await generateDistrict({ ...DEFAULT_OPTIONS, seed: 5, scale: 0.1, streets: 2, communitiesPerStreet: [2, 2], gridRows: [2, 2], gridCols: [4, 4], out: dir });
    const post = (url: string, type: string, body: string) => fetch(url, { method: 'POST', headers: { 'content-type': type, authorization: `Bearer ${admin}` }, body });
    expect((await post(`${sa.url}/api/v1/org-units/import`, 'text/csv', csv('org-units.csv'))).status).toBe(200);
    expect((await post(`${g.url}/api/v1/boundaries/import`, 'application/geo+json', csv('boundaries.geojson'))).status).toBe(200);
  });

  afterAll(async () => {
    await Promise.allSettled((services ?? []).map((s) => s.close()));
    await infra?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const importKind = (kind: string, body: string, query = '') =>
    fetch(`${bd.url}/api/v1/imports/${kind}${query}`, { method: 'POST', headers: { 'content-type': 'text/csv', authorization: `Bearer ${admin}` }, body });
  const get = (path: string, token: string) => fetch(`${bd.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
  const search = (body: Record<string, unknown>, token: string, base = bd.url) =>
    fetch(`${base}/api/v1/residents/search`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify(body) });
  const sql = async <T extends object>(text: string, params: unknown[] = []) => {
    const c = new pg.Client({ connectionString: infra.db.url });
    await c.connect();
    try {
      return (await c.query<T>(text, params)).rows;
    } finally {
      await c.end();
    }
  };

  it('imports every kind of the generated district cleanly, in order; re-importing changes nothing', async () => {
    for (const kind of ['buildings', 'houses', 'households', 'residents', 'organisations', 'city-objects']) {
      const rows = csv(`${kind}.csv`).trim().split('\n').length - 1;
      const res = await importKind(kind, csv(`${kind}.csv`));
      const body = expectShape(csvImportResultSchema, await res.json());
      expect({ kind, status: res.status, rows: body.rows, inserted: body.inserted, rejected: body.rejected }).toEqual({ kind, status: 200, rows, inserted: rows, rejected: 0 });
    }
    const again = (await (await importKind('residents', csv('residents.csv'))).json()) as { inserted: number; updated: number; unchanged: number; rows: number };
    expect(again).toMatchObject({ inserted: 0, updated: 0, unchanged: again.rows });
    // /metrics counts what the imports read (twice the residents), and no import is left running.
    const metrics = await scrapeMetrics(bd.url);
    const residents = csv('residents.csv').trim().split('\n').length - 1;
    expect(sampleValue(metrics, 'gm_import_rows_total', { kind: 'residents' })).toBe(2 * residents);
    expect(sampleValue(metrics, 'gm_import_completed_total', { kind: 'residents', outcome: 'ok' })).toBe(2);
    expect(sampleValue(metrics, 'gm_import_running', { kind: 'residents' })).toBe(0);
  });

  it('a first load (indexes and key constraints taken away for the insert) leaves every one of them as the schema defines it', async () => {
    // The first import above ran into empty tables; the migrations' definitions must all be back.
    const indexes = await sql<{ indexname: string; indexdef: string }>(
      `SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'base_data' AND tablename IN ('residents', 'households', 'houses') ORDER BY indexname`,
    );
    expect(indexes.map((i) => i.indexname)).toEqual([
      'households_grid_idx',
      'households_house_idx',
      'households_pkey',
      'houses_building_idx',
      'houses_grid_idx',
      'houses_pkey',
      'residents_focus_idx',
      'residents_grid_name_idx',
      'residents_household_idx',
      'residents_id_hash_key',
      'residents_phone_hash_idx',
      'residents_pkey',
    ]);
    const constraints = await sql<{ conname: string; contype: string }>(
      `SELECT conname, contype FROM pg_constraint WHERE conrelid = 'base_data.residents'::regclass AND contype IN ('p', 'u') ORDER BY conname`,
    );
    expect(constraints).toEqual([
      { conname: 'residents_id_hash_key', contype: 'u' },
      { conname: 'residents_pkey', contype: 'p' },
    ]);
    const [copy] = await sql<{ id_hash: Buffer }>(`SELECT id_hash FROM base_data.residents LIMIT 1`);
    const cols = 'id_hash, id_masked, pii, pii_key, name, sex, birth_date, household_code, relation, residence_type, focus_class, grid_code';
    await expect(sql(`INSERT INTO base_data.residents (id, ${cols}) SELECT gen_random_uuid(), ${cols} FROM base_data.residents WHERE id_hash = $1`, [copy!.id_hash])).rejects.toThrow(
      /duplicate key value violates unique constraint "residents_id_hash_key"/,
    );
  });

  it('stores ID and phone numbers only as ciphertext, keyed hashes and masks', async () => {
    const [idNumber, , phone] = residentsCsv().find((r) => r[2])!;
    const [row] = await sql<Record<string, unknown>>(
      `SELECT r.* FROM base_data.residents r WHERE r.id_masked = $1 AND r.phone_masked = $2`,
      [`${idNumber!.slice(0, 6)}********${idNumber!.slice(-4)}`, `${phone!.slice(0, 3)}****${phone!.slice(-4)}`],
    );
    expect(row).toBeDefined();
    const raw = JSON.stringify(row, (_k, v: unknown) => (Buffer.isBuffer(v) ? v.toString('latin1') : v));
    expect(raw).not.toContain(idNumber);
    expect(raw).not.toContain(phone);
    expect((row!['pii'] as Buffer).length).toBeGreaterThan(31);
  });

  it('masks identifiers in every list and detail; exact search by ID and by phone works', async () => {
    const [idNumber, , phone] = residentsCsv().find((r) => r[2] && r[9]!.startsWith('350206001001'))!;
    const byId = expectShape(residentPageSchema, await (await search({ idNumber }, community)).json());
    expect(byId.items).toHaveLength(1);
    expect(byId.items[0]!.idNumber).toBe(`${idNumber!.slice(0, 6)}********${idNumber!.slice(-4)}`);
    const byPhone = expectShape(residentPageSchema, await (await search({ phone }, community)).json());
    expect(byPhone.items.map((r) => r.id)).toContain(byId.items[0]!.id);
    const detail = expectShape(residentViewSchema, await (await get(`/api/v1/residents/${byId.items[0]!.id}`, community)).json());
    expect(detail.phone).toBe(`${phone!.slice(0, 3)}****${phone!.slice(-4)}`);
    const page = expectShape(residentPageSchema, await (await get('/api/v1/residents?limit=200', community)).json());
    for (const r of page.items) expect(r.idNumber).toMatch(/^\d{6}\*{8}[\dX]{4}$/);
    // Identifiers never go in a URL.
    const inUrl = await get(`/api/v1/residents?idNumber=${idNumber}`, community);
    expect(inUrl.status).toBe(400);
    expect(expectShape(errorBodySchema, await inUrl.json()).errors?.[0]).toMatchObject({ field: 'idNumber', message: expect.stringContaining('POST /api/v1/residents/search') });
  });

  it('lists by name prefix, focus tags and address, with cursor pagination inside the caller\'s community only', async () => {
    const seen = new Set<string>();
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res: ResidentPage = expectShape(residentPageSchema, await (await get(`/api/v1/residents?limit=100${cursor ? `&cursor=${cursor}` : ''}`, community)).json());
      for (const r of res.items) {
        expect(r.gridCode.startsWith('350206001001')).toBe(true);
        expect(seen.has(r.id)).toBe(false);
        seen.add(r.id);
      }
      cursor = res.nextCursor;
      pages += 1;
    } while (cursor && pages < 100);
    const inCommunity = residentsCsv().filter((r) => r[9]!.startsWith('350206001001')).length;
    expect(seen.size).toBe(inCommunity);

    const someone = residentsCsv().find((r) => r[9]!.startsWith('350206001001'))!;
    const byName = expectShape(residentPageSchema, await (await get(`/api/v1/residents?name=${encodeURIComponent(someone[1]!.slice(0, 1))}`, community)).json());
    expect(byName.items.length).toBeGreaterThan(0);
    expect(byName.items.every((r) => r.name.startsWith(someone[1]!.slice(0, 1)))).toBe(true);
    const vulnerable = expectShape(residentPageSchema, await (await get('/api/v1/residents?focusClass=vulnerable&limit=200', community)).json());
    expect(vulnerable.items.every((r) => r.focusClass === 'vulnerable')).toBe(true);
    const bad = await get('/api/v1/residents?tags=not_a_tag', community);
    expect(bad.status).toBe(400);
  });

  it("a community user cannot list or read another community's residents", async () => {
    expect((await get('/api/v1/residents?unit=350206001002', community)).status).toBe(403);
    const other = expectShape(residentPageSchema, await (await get('/api/v1/residents?limit=1', await infra.oidc.tokenFor('community-other'))).json());
    expect(other.items[0]!.gridCode.startsWith('350206001002')).toBe(true);
    expect((await get(`/api/v1/residents/${other.items[0]!.id}`, community)).status).toBe(404);
  });

  it('reads clear identifiers only for allowed roles, with a reason, and audits each read', async () => {
    const [idNumber, , phone] = residentsCsv().find((r) => r[2] && r[9]!.startsWith('350206001001'))!;
    const { items } = expectShape(residentPageSchema, await (await search({ idNumber }, community)).json());
    const id = items[0]!.id;
    const read = (token: string, body: unknown) =>
      fetch(`${bd.url}/api/v1/residents/${id}/clear-read`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify(body) });
    const ok = await read(community, { fields: ['idNumber', 'phone'], reason: '核实低保申请人身份 (verifying a benefit application)' });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('cache-control')).toBe('no-store');
    expect(await ok.json()).toEqual({ idNumber, phone });
    expect((await read(await infra.oidc.tokenFor('gw-07'), { fields: ['idNumber'], reason: 'curious about it' })).status).toBe(403);
    const noReason = await read(community, { fields: ['idNumber'] });
    expect(noReason.status).toBe(400);
    expect(((await noReason.json()) as { errors: { field: string }[] }).errors.map((e) => e.field)).toContain('reason');
    expect((await read(await infra.oidc.tokenFor('community-other'), { fields: ['idNumber'], reason: 'not my community' })).status).toBe(404);

    const audit = (await (await get(`/api/v1/privacy/reads?resident=${id}`, await infra.oidc.tokenFor('auditor'))).json()) as Record<string, unknown>[];
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ actorUsername: 'community', actorRole: 'community-staff', actorUnit: '350206001001', residentId: id, fields: ['idNumber', 'phone'], reason: expect.stringContaining('benefit') });
    expect((await get('/api/v1/privacy/reads', community)).status).toBe(403);
  });

  it('rejects bad rows with their line numbers and writes nothing of the file', async () => {
    const residentsBefore = (await sql<{ n: string }>('SELECT count(*) AS n FROM base_data.residents'))[0]!.n;
    const lines = csv('residents.csv').trim().split('\n');
    const good = lines[1]!.split(',');
    const badChecksum = [...good];
    badChecksum[0] = `${good[0]!.slice(0, 17)}${good[0]!.endsWith('0') ? '1' : '0'}`;
    const unknownGrid = [...lines[2]!.split(',')];
    unknownGrid[9] = '350206009009-01';
    const file = [lines[0], lines[3], 'too,few,columns', badChecksum.join(','), unknownGrid.join(','), lines[4]].join('\n');
    const res = await importKind('residents', file);
    expect(res.status).toBe(400);
    const body = expectShape(errorBodySchema, await res.json());
    expect(body.code).toBe('IMPORT.REJECTED');
    expect(body.errors?.map((e) => [e.line, e.field])).toEqual([
      [3, '(row)'],
      [4, 'id_number'],
      [5, 'grid_code'],
    ]);
    // Messages name the problem, never the identifier itself.
    expect(JSON.stringify(body)).not.toContain(badChecksum[0]);

    const outside = ['code,name,address,longitude,latitude,floors', 'X-OUT-1,界外楼,某路1号,100.5,30.5,6', 'X-IN-1,界内楼,某路2号,118.09,24.49,6'].join('\n');
    const b = (await (await importKind('buildings', outside)).json()) as { errors: { line: number; field: string }[] };
    expect(b.errors).toEqual([{ line: 2, field: 'longitude,latitude', message: 'the point lies in no grid of the district' }]);
    expect((await sql<{ n: string }>("SELECT count(*) AS n FROM base_data.buildings WHERE code LIKE 'X-%'"))[0]!.n).toBe('0');
    expect((await sql<{ n: string }>('SELECT count(*) AS n FROM base_data.residents'))[0]!.n).toBe(residentsBefore);
  });

  it('summarises a unit: households, residents by category, organisations, objects, open cases', async () => {
    const ps = services[2]!;
    const staff = await fetch(`${ps.url}/api/v1/cases`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${community}` }, body: JSON.stringify(aReport({ gridCode: '350206001001-07' })) });
    expect(staff.status).toBe(201);
    const s = expectShape(unitSummarySchema, await (await get('/api/v1/my-grid', community)).json());
    const rows = residentsCsv().filter((r) => r[9]!.startsWith('350206001001'));
    expect(s.unit).toBe('350206001001');
    expect(s.residents.total).toBe(rows.length);
    expect(s.residents.byResidenceType['registered']).toBe(rows.filter((r) => r[5] === 'registered').length);
    expect(s.households).toBeGreaterThan(0);
    expect(s.objects.total).toBeGreaterThan(0);
    expect(s.openCases).toBe(1);
    expect((await get('/api/v1/units/350206001002/summary', community)).status).toBe(403);
    const grid = expectShape(unitSummarySchema, await (await get('/api/v1/units/350206001001-07/summary', community)).json());
    expect(grid).toMatchObject({ unit: '350206001001-07', openCases: 1 });

    const building = csv('buildings.csv').split('\n')[1]!.split(',')[0]!;
    const hh = (await (await get(`/api/v1/buildings/${building}/households`, community)).json()) as { households: { members: number }[] };
    expect(hh.households.length).toBeGreaterThan(0);
  });

  it('a grid worker updates a phone number: history says "changed", the event names the field only', async () => {
    const worker = await infra.oidc.tokenFor('gw-07');
    const { items } = expectShape(residentPageSchema, await (await get('/api/v1/residents?unit=350206001001-07&limit=1', worker)).json());
    const id = items[0]!.id;
    const res = await fetch(`${bd.url}/api/v1/residents/${id}`, { method: 'PATCH', headers: { 'content-type': 'application/json', authorization: `Bearer ${worker}` }, body: JSON.stringify({ phone: '14000999888', tags: ['disabled'] }) });
    expect(res.status).toBe(200);
    expect(expectShape(residentViewSchema, await res.json())).toMatchObject({ phone: '140****9888', tags: ['disabled'] });
    const history = (await (await get(`/api/v1/residents/${id}/history`, worker)).json()) as { action: string; changes: Record<string, unknown> }[];
    expect(history.at(-1)).toMatchObject({ action: 'update', changes: { phone: 'changed', tags: { to: ['disabled'] } } });

    const nc = await connect({ servers: infra.nats.url });
    try {
      const jsm = await jetstreamManager(nc);
      const stream = streamName(namespace(infra.nats.namespace), Streams.baseDataEvents);
      const m = await jsm.streams.getMessage(stream, { last_by_subj: `gm.${infra.nats.namespace}.resident.changed.v1` });
      expect(m!.json<{ data: { residentId: string; fields: string[] } }>().data).toMatchObject({ residentId: id, fields: ['phone', 'tags'] });
      expect(m!.string()).not.toContain('14000999888');
      const imported = await jsm.streams.getMessage(stream, { last_by_subj: `gm.${infra.nats.namespace}.base-data.imported.v1` });
      expect(imported!.json<{ data: { kind: string } }>().data.kind).toBeDefined();
    } finally {
      await nc.close();
    }
  });

  it('moves boxes of format 1 (AES-256-GCM, before ADR 0018) to format 2 with rotate-keys; they read the same before and after', async () => {
    const env = infra.env();
    const legacy = new PiiCipher(env['PII_KEYS']!.split(','), env['PII_HASH_KEY']!, 1);
    const residents = residentsCsv().filter((r) => r[9]!.startsWith('350206001001')).slice(0, 3);
    const ids: string[] = [];
    for (const [idNumber] of residents) {
      const { items } = expectShape(residentPageSchema, await (await search({ idNumber }, community)).json());
      const [row] = await sql<{ pii: Buffer }>('SELECT pii FROM base_data.residents WHERE id = $1', [items[0]!.id]);
      await sql('UPDATE base_data.residents SET pii = $2 WHERE id = $1', [items[0]!.id, legacy.seal(legacy.open(row!.pii))]);
      ids.push(items[0]!.id);
    }
    const formats = async () => (await sql<{ f: number }>('SELECT get_byte(pii, 0) AS f FROM base_data.residents WHERE id = ANY($1::uuid[]) ORDER BY 1', [ids])).map((r) => r.f);
    expect(await formats()).toEqual([1, 1, 1]);
    const clearRead = async (id: string) =>
      (await fetch(`${bd.url}/api/v1/residents/${id}/clear-read`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${community}` },
        body: JSON.stringify({ fields: ['idNumber'], reason: 'verify the box format migration' }),
      }).then((r) => r.json())) as { idNumber: string };
    expect(await clearRead(ids[0]!)).toEqual({ idNumber: residents[0]![0] });

    const res = await fetch(`${bd.url}/api/v1/privacy/rotate-keys`, { method: 'POST', headers: { authorization: `Bearer ${admin}` } });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ residents: 3 });
    expect(await formats()).toEqual([2, 2, 2]);
    expect(await sql('SELECT count(*)::int AS n FROM base_data.residents WHERE get_byte(pii, 0) <> 2')).toEqual([{ n: 0 }]);
    for (const [i, id] of ids.entries()) expect(await clearRead(id)).toEqual({ idNumber: residents[i]![0] });
  });

  it('rotates keys: a new current key re-encrypts every record, which stays readable', async () => {
    const oldKeys = infra.env()['PII_KEYS']!;
    const rotated = await startService(
      { configSchema: baseDataConfig.configSchema, module: (c, l) => baseData.AppModule.forRoot(c, l) },
      infra.env({ PII_KEYS: `2:${randomBytes(32).toString('base64')},${oldKeys}` }),
    );
    try {
      const res = await fetch(`${rotated.url}/api/v1/privacy/rotate-keys`, { method: 'POST', headers: { authorization: `Bearer ${admin}` } });
      expect(res.status).toBe(200);
      const total = Number((await sql<{ n: string }>('SELECT count(*) AS n FROM base_data.residents'))[0]!.n);
      expect(await res.json()).toMatchObject({ residents: total });
      expect(await sql('SELECT DISTINCT pii_key FROM base_data.residents')).toEqual([{ pii_key: 2 }]);
      const [idNumber] = residentsCsv().find((r) => r[9]!.startsWith('350206001001'))!;
      const { items } = expectShape(residentPageSchema, await (await search({ idNumber }, community, rotated.url)).json());
      const clear = await fetch(`${rotated.url}/api/v1/residents/${items[0]!.id}/clear-read`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${community}` },
        body: JSON.stringify({ fields: ['idNumber'], reason: 'verify after key rotation' }),
      });
      expect(await clear.json()).toEqual({ idNumber });
    } finally {
      await rotated.close();
    }
  });

  it('never wrote an ID or phone number of the imported residents to any log', () => {
    const logs = services.map((s) => s.logs.text()).join('\n');
    expect(logs.length).toBeGreaterThan(1000);
    const leaked = residentsCsv().flatMap((r) => [r[0]!, r[2]!]).filter((v) => v && logs.includes(v));
    expect(leaked).toEqual([]);
  });
});
