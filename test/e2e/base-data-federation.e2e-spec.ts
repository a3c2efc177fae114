import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from '@nats-io/transport-node';
import pg from 'pg';
import { DEFAULT_OPTIONS, generateDistrict } from '@gm/district-generator';
import { errorBodySchema, housePageSchema, residentPageSchema, residentViewSchema } from '@gm/contracts';
import { jetstreamManager } from '@nats-io/jetstream';
import { baseDataStreamOf, natsConnectionOptions, type FederationTier } from '@gm/messaging';
import type { ServiceConfig } from '@gm/platform';
import { expectShape, provideDatabase, provideOidc, startFederation, startService, type TestDatabase, type TestFederation, type TestOidc, type TestService } from '@gm/testing';
import * as baseData from '../../apps/base-data/src/app.module';
import * as baseDataConfig from '../../apps/base-data/src/config/config';
import * as systemAdmin from '../../apps/system-admin/src/app.module';
import * as systemAdminConfig from '../../apps/system-admin/src/config/config';
import * as gis from '../../apps/gis/src/app.module';
import * as gisConfig from '../../apps/gis/src/config/config';
import { eventually, tierEnv } from './support';

const DISTRICT = '350206';
const STREET = '350206001';
const COMMUNITY = '350206001001';
const NEIGHBOUR = '350206001002';
const TIERS: FederationTier[] = [
  { code: DISTRICT, parent: null },
  { code: STREET, parent: DISTRICT },
  { code: COMMUNITY, parent: STREET },
  { code: NEIGHBOUR, parent: STREET },
];
const KINDS = ['buildings', 'houses', 'households', 'residents', 'organisations', 'city_objects'] as const;

describe('base data across tiers, the way up: the community keeps its grids, the street and the district hold copies (real nats-server leafnodes, a database per tier)', () => {
  let fed: TestFederation;
  let oidc: TestOidc;
  let dir: string;
  const dbs = new Map<string, TestDatabase>();
  const bd = new Map<string, TestService<ServiceConfig>>();
  const others: TestService<ServiceConfig>[] = [];
  const pii = { PII_KEYS: `1:${randomBytes(32).toString('base64')}`, PII_HASH_KEY: randomBytes(32).toString('base64') };
  let staff: string;
  let admin: string;

  const envOf = (code: string): Record<string, string> => ({ ...tierEnv(fed, oidc, code, dbs.get(code)!.url), ...pii });
  const startBaseData = async (code: string) => {
    const s = (await startService({ configSchema: baseDataConfig.configSchema, module: (c, l) => baseData.AppModule.forRoot(c as baseDataConfig.AppConfig, l), streamedContentTypes: ['text/csv'] }, envOf(code))) as never;
    bd.set(code, s);
    return s as TestService<ServiceConfig>;
  };
  const sql = async <T extends object>(code: string, text: string, params: unknown[] = []) => {
    const c = new pg.Client({ connectionString: dbs.get(code)!.url });
    await c.connect();
    try {
      return (await c.query<T>(text, params)).rows;
    } finally {
      await c.end();
    }
  };
  const counts = async (code: string) => {
    const out: Record<string, number> = {};
    for (const table of KINDS) out[table] = Number((await sql<{ n: string }>(code, `SELECT count(*) AS n FROM base_data.${table}`))[0]!.n);
    return out;
  };
  const call = (code: string, method: string, path: string, token: string, body?: unknown) =>
    fetch(`${bd.get(code)!.url}${path}`, { method, headers: { authorization: `Bearer ${token}`, ...(body !== undefined && { 'content-type': 'application/json' }) }, ...(body !== undefined && { body: JSON.stringify(body) }) });

  beforeAll(async () => {
    oidc = await provideOidc();
    fed = await startFederation(TIERS);
    for (const t of TIERS) dbs.set(t.code, await provideDatabase());
    staff = await oidc.tokenFor('community');
    admin = await oidc.tokenFor('admin');
    // The community imports its own grids' files: it needs the org tree (system-admin) and the boundaries (gis) on its tier.
    const sa = await startService({ configSchema: systemAdminConfig.configSchema, module: (c, l) => systemAdmin.AppModule.forRoot(c, l), streamedContentTypes: ['text/csv'] }, envOf(COMMUNITY));
    const g = await startService({ configSchema: gisConfig.configSchema, module: (c, l) => gis.AppModule.forRoot(c, l), streamedContentTypes: ['application/geo+json'] }, envOf(COMMUNITY));
    others.push(sa as never, g as never);
    await startBaseData(COMMUNITY);
    await startBaseData(STREET);
    dir = mkdtempSync(join(tmpdir(), 'gm-bdf-'));
    await generateDistrict({ ...DEFAULT_OPTIONS, seed: 21, scale: 0.05, streets: 1, communitiesPerStreet: [2, 2], gridRows: [2, 2], gridCols: [4, 4], out: dir });
    const post = (url: string, type: string, body: string) => fetch(url, { method: 'POST', headers: { 'content-type': type, authorization: `Bearer ${admin}` }, body });
    const csv = (name: string) => readFileSync(join(dir, name), 'utf8');
    expect((await post(`${sa.url}/api/v1/org-units/import`, 'text/csv', csv('org-units.csv'))).status).toBe(200);
    expect((await post(`${g.url}/api/v1/boundaries/import`, 'application/geo+json', csv('boundaries.geojson'))).status).toBe(200);
    // The community's part of each file: every record names its grid (in its code or a column).
    const ours = (name: string) => {
      const [header, ...lines] = csv(name).trim().split('\n');
      return [header, ...lines.filter((l) => l.includes(`${COMMUNITY}-`))].join('\n') + '\n';
    };
    // The whole district's file is refused at the community: its other rows belong to other tiers, and each is named.
    const whole = await post(`${bd.get(COMMUNITY)!.url}/api/v1/imports/buildings`, 'text/csv', csv('buildings.csv'));
    const refused = (await whole.json()) as { errors?: { line?: number; field: string; message: string }[] };
    expect(whole.status).toBe(400);
    expect(refused.errors?.[0]).toMatchObject({ field: 'longitude,latitude', message: expect.stringContaining(`outside this tier (${COMMUNITY})`) });
    expect(await sql(COMMUNITY, 'SELECT count(*)::int AS n FROM base_data.buildings')).toEqual([{ n: 0 }]);
    for (const kind of ['buildings', 'houses', 'households', 'residents', 'organisations', 'city-objects']) {
      const res = await post(`${bd.get(COMMUNITY)!.url}/api/v1/imports/${kind}`, 'text/csv', ours(`${kind}.csv`));
      expect({ kind, status: res.status }).toEqual({ kind, status: 200 });
    }
  }, 240_000);

  afterAll(async () => {
    for (const s of [...bd.values(), ...others]) await s.close().catch(() => undefined);
    await fed?.close();
    await oidc?.close();
    for (const db of dbs.values()) await db.drop().catch(() => undefined);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("the street holds exactly the community's records, names and identifiers searchable there, and each record's history says where it came from", async () => {
    const kept = await counts(COMMUNITY);
    expect(kept.residents).toBeGreaterThan(100);
    await eventually('the street to hold every record of the community', async () => JSON.stringify(await counts(STREET)) === JSON.stringify(kept), 60_000);
    expect(await sql(STREET, `SELECT count(*)::int AS n FROM base_data.residents WHERE grid_code NOT LIKE '${COMMUNITY}-%'`)).toEqual([{ n: 0 }]);

    // The same person at both tiers: same id, same masked view; found at the street by name and by the exact ID number.
    const [one] = await sql<{ id: string; name: string }>(COMMUNITY, 'SELECT id, name FROM base_data.residents ORDER BY id LIMIT 1');
    const streetStaff = await oidc.tokenFor('street');
    const here = expectShape(residentViewSchema, await (await call(COMMUNITY, 'GET', `/api/v1/residents/${one!.id}`, staff)).json());
    const there = expectShape(residentViewSchema, await (await call(STREET, 'GET', `/api/v1/residents/${one!.id}`, streetStaff)).json());
    expect(there).toEqual(here);
    const clear = (await (await call(COMMUNITY, 'POST', `/api/v1/residents/${one!.id}/clear-read`, staff, { fields: ['idNumber'], reason: '核对身份 (checking identity)' })).json()) as { idNumber: string };
    const found = expectShape(residentPageSchema, await (await call(STREET, 'POST', '/api/v1/residents/search', streetStaff, { idNumber: clear.idNumber })).json());
    expect(found.items.map((r) => r.id)).toEqual([one!.id]);
    const byName = expectShape(residentPageSchema, await (await call(STREET, 'GET', `/api/v1/residents?name=${encodeURIComponent(one!.name)}&unit=${COMMUNITY}`, streetStaff)).json());
    expect(byName.items.map((r) => r.id)).toContain(one!.id);
    const history = (await (await call(STREET, 'GET', `/api/v1/residents/${one!.id}/history`, streetStaff)).json()) as { action: string; actor: string }[];
    expect(history.at(-1)).toMatchObject({ action: 'replicated', actor: `tier ${COMMUNITY}` });
  });

  it('no message on the links carries an ID number, a phone number or a name in clear', async () => {
    await eventually('the audit record of the clear read at the street', async () => (await sql<{ n: number }>(STREET, 'SELECT count(*)::int AS n FROM base_data.pii_reads'))[0]!.n === 1, 10_000);
    const nc = await connect(natsConnectionOptions([fed.tier(STREET).url]));
    try {
      const jsm = await jetstreamManager(nc, { domain: fed.tier(STREET).domain });
      const info = await jsm.streams.info(baseDataStreamOf(STREET));
      expect(info.state.messages).toBeGreaterThan(100);
      const residents = await sql<{ name: string; id: string }>(COMMUNITY, 'SELECT name, id FROM base_data.residents LIMIT 50');
      const text: string[] = [];
      for (let seq = info.state.first_seq; seq <= info.state.last_seq; seq++) {
        const m = await jsm.streams.getMessage(baseDataStreamOf(STREET), { seq }).catch(() => undefined);
        if (m) text.push(m.string());
      }
      const all = text.join('\n');
      expect(all).not.toMatch(/\b\d{17}[\dX]\b/); // an 18-character ID number
      expect(all).not.toMatch(/\b1[3-9]\d{9}\b/); // a mobile number
      for (const r of residents) expect(all).not.toContain(`"${r.name}"`);
      // The audit record of the clear read above went up too, its free-text reason sealed.
      expect(all).toContain('"kind":"pii-read"');
      expect(all).not.toContain('核对身份');
    } finally {
      await nc.close();
    }
  });

  it("an edit at the community reaches the street within 2 s with its history; the same edit at the street is refused naming the community", async () => {
    const house = expectShape(housePageSchema, await (await call(COMMUNITY, 'GET', `/api/v1/houses?unit=${COMMUNITY}-07&limit=1`, staff)).json()).items[0]!;
    const use = house.use === 'vacant' ? 'rented' : 'vacant';
    const refused = await call(STREET, 'PATCH', `/api/v1/houses/${house.code}`, staff, { use });
    expect({ status: refused.status, code: expectShape(errorBodySchema, await refused.json()).code }).toEqual({ status: 409, code: 'BASE_DATA.NOT_OWNER' });

    const started = Date.now();
    expect((await call(COMMUNITY, 'PATCH', `/api/v1/houses/${house.code}`, staff, { use })).status).toBe(200);
    await eventually(
      'the street to have the new use',
      async () => (await sql<{ use: string; version: number }>(STREET, 'SELECT use, version FROM base_data.houses WHERE code = $1', [house.code]))[0]?.use === use,
      2000,
    );
    expect(Date.now() - started).toBeLessThan(2000);
    const [atStreet] = await sql<{ version: number }>(STREET, 'SELECT version FROM base_data.houses WHERE code = $1', [house.code]);
    expect(atStreet!.version).toBe(house.version + 1);
  });

  it('while the street is cut off, edits at the community wait; when it returns each arrives once and in order', async () => {
    const houses = expectShape(housePageSchema, await (await call(COMMUNITY, 'GET', `/api/v1/houses?unit=${COMMUNITY}&limit=50`, staff)).json()).items;
    await fed.tier(STREET).stop();
    try {
      for (const h of houses) {
        for (const use of ['commercial', 'owner_occupied'] as const) expect((await call(COMMUNITY, 'PATCH', `/api/v1/houses/${h.code}`, staff, { use })).status).toBe(200);
      }
    } finally {
      await fed.tier(STREET).start();
    }
    const expected = await sql<{ code: string; version: number }>(COMMUNITY, 'SELECT code, version FROM base_data.houses WHERE code = ANY($1) ORDER BY code', [houses.map((h) => h.code)]);
    await eventually(
      'the street to have every edit',
      async () => JSON.stringify(await sql(STREET, 'SELECT code, version FROM base_data.houses WHERE code = ANY($1) ORDER BY code', [houses.map((h) => h.code)])) === JSON.stringify(expected),
      60_000,
    );
    // Each version applied once, oldest first.
    const applied = await sql<{ code: string; versions: number[] }>(
      STREET,
      `SELECT entity_key AS code, array_agg((changes->>'version')::int ORDER BY id) AS versions FROM base_data.change_history
       WHERE entity = 'house' AND action = 'replicated' AND entity_key = ANY($1) GROUP BY entity_key`,
      [houses.map((h) => h.code)],
    );
    for (const a of applied) {
      const last = expected.find((e) => e.code === a.code)!.version;
      expect(a.versions.slice(-2)).toEqual([last - 1, last]);
      expect(new Set(a.versions).size).toBe(a.versions.length);
    }
  });

  it('a district that joins empty catches up with everything the community keeps, from its stream', async () => {
    await startBaseData(DISTRICT);
    const kept = await counts(COMMUNITY);
    const versions = async (code: string) => JSON.stringify(await sql(code, 'SELECT code, version, use FROM base_data.houses ORDER BY code'));
    const wanted = await versions(COMMUNITY);
    // Every version of every record comes in stream order: the counts are complete first, the newest versions last.
    await eventually('the district to catch up', async () => JSON.stringify(await counts(DISTRICT)) === JSON.stringify(kept) && (await versions(DISTRICT)) === wanted, 60_000);

    // The clear read made at the community is audited there, and the district's auditor sees it: who, whose, why, where.
    const [read] = await sql<{ resident_id: string }>(COMMUNITY, 'SELECT resident_id FROM base_data.pii_reads LIMIT 1');
    const auditor = await oidc.tokenFor('auditor');
    const seen = (await (await call(DISTRICT, 'GET', `/api/v1/privacy/reads?resident=${read!.resident_id}`, auditor)).json()) as Record<string, unknown>[];
    expect(seen).toEqual([expect.objectContaining({ residentId: read!.resident_id, readAtTier: COMMUNITY, actorUnit: COMMUNITY, reason: '核对身份 (checking identity)', fields: ['idNumber'] })]);
  });

  it("the community's leaf user may not read the street's records (a neighbour's among them): the server refuses", async () => {
    const leaf = fed.tier(COMMUNITY).leaf!;
    const nc = await connect({ servers: leaf.parentClientUrl, user: leaf.user, pass: leaf.password });
    try {
      const errors: string[] = [];
      void (async () => {
        for await (const s of nc.status()) if (s.type === 'error') errors.push(String((s as { error?: unknown }).error ?? s.type));
      })();
      const ask = nc.request(`$JS.${fed.tier(STREET).domain}.API.CONSUMER.CREATE.${baseDataStreamOf(STREET)}`, JSON.stringify({ stream_name: baseDataStreamOf(STREET), config: { ack_policy: 'none' } }), { timeout: 2000 });
      await expect(ask).rejects.toThrow();
      await eventually('the permission violation', async () => errors.some((e) => /permissions violation/i.test(e)), 5000);
    } finally {
      await nc.close();
    }
  });
});
