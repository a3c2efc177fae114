import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import pg from 'pg';
import { DEFAULT_OPTIONS, generateDistrict } from '@gm/district-generator';
import { cityObjectPageSchema, errorBodySchema, housePageSchema, residentPageSchema, unitSummarySchema } from '@gm/contracts';
import { applyStreams, BASEDATA_IN, baseDataDownStreamOf, baseDataStreamOf, natsConnectionOptions, tierStreams, type FederationTier } from '@gm/messaging';
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
const GRID = '350206001001-07';
const TIERS: FederationTier[] = [
  { code: DISTRICT, parent: null },
  { code: STREET, parent: DISTRICT },
  { code: COMMUNITY, parent: STREET },
  { code: NEIGHBOUR, parent: STREET },
  { code: GRID, parent: COMMUNITY },
];
const TABLES = ['buildings', 'houses', 'households', 'residents', 'organisations', 'city_objects'] as const;

describe('base data across tiers, the way down: an import at the district reaches every keeper, whose grids get their copies (real nats-server leafnodes, a database per tier)', () => {
  let fed: TestFederation;
  let oidc: TestOidc;
  let dir: string;
  const dbs = new Map<string, TestDatabase>();
  const bd = new Map<string, TestService<ServiceConfig>>();
  const others: TestService<ServiceConfig>[] = [];
  const pii = { PII_KEYS: `1:${randomBytes(32).toString('base64')}`, PII_HASH_KEY: randomBytes(32).toString('base64') };
  let admin: string;

  /** Each tier's key ring (the district's, given to every tier), changed by the rotation test. */
  const keyRing = new Map<string, string>();
  const envOf = (code: string): Record<string, string> => ({
    ...tierEnv(fed, oidc, code, dbs.get(code)!.url),
    ...pii,
    ...(keyRing.has(code) && { PII_KEYS: keyRing.get(code)! }),
    BASE_DATA_SEED_CHECK_MS: '500',
  });
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
  /** Per table: the keys and versions of the records of a unit's subtree, as one text to compare. */
  const holdings = async (code: string, unit: string) => {
    const out: Record<string, string> = {};
    for (const table of TABLES) {
      const key = table === 'residents' ? 'id::text' : 'code';
      const rows = await sql<{ k: string }>(code, `SELECT ${key} || ':' || version AS k FROM base_data.${table} WHERE grid_code LIKE $1 ORDER BY 1`, [`${unit}%`]);
      out[table] = `${rows.length}:${rows.map((r) => r.k).join(',')}`;
    }
    return out;
  };
  const counts = async (code: string, unit = '') => {
    const out: Record<string, number> = {};
    for (const table of TABLES) out[table] = Number((await sql<{ n: string }>(code, `SELECT count(*) AS n FROM base_data.${table} WHERE grid_code LIKE $1`, [`${unit}%`]))[0]!.n);
    return out;
  };
  const call = (code: string, method: string, path: string, token: string, body?: unknown) =>
    fetch(`${bd.get(code)!.url}${path}`, { method, headers: { authorization: `Bearer ${token}`, ...(body !== undefined && { 'content-type': 'application/json' }) }, ...(body !== undefined && { body: JSON.stringify(body) }) });

  beforeAll(async () => {
    oidc = await provideOidc();
    fed = await startFederation(TIERS);
    for (const t of TIERS) dbs.set(t.code, await provideDatabase());
    admin = await oidc.tokenFor('admin');
    // The district validates its import against the org tree (system-admin) and the boundaries (gis).
    const sa = await startService({ configSchema: systemAdminConfig.configSchema, module: (c, l) => systemAdmin.AppModule.forRoot(c, l), streamedContentTypes: ['text/csv'] }, envOf(DISTRICT));
    const g = await startService({ configSchema: gisConfig.configSchema, module: (c, l) => gis.AppModule.forRoot(c, l), streamedContentTypes: ['application/geo+json'] }, envOf(DISTRICT));
    others.push(sa as never, g as never);
    // The neighbour community's instance is not running yet: it joins later, empty.
    for (const code of [DISTRICT, STREET, COMMUNITY, GRID]) await startBaseData(code);
    dir = mkdtempSync(join(tmpdir(), 'gm-bdd-'));
    await generateDistrict({ ...DEFAULT_OPTIONS, seed: 22, scale: 0.05, streets: 1, communitiesPerStreet: [2, 2], gridRows: [2, 2], gridCols: [4, 4], out: dir });
    const post = (url: string, type: string, body: string) => fetch(url, { method: 'POST', headers: { 'content-type': type, authorization: `Bearer ${admin}` }, body });
    const file = (name: string) => readFileSync(join(dir, name), 'utf8');
    expect((await post(`${sa.url}/api/v1/org-units/import`, 'text/csv', file('org-units.csv'))).status).toBe(200);
    expect((await post(`${g.url}/api/v1/boundaries/import`, 'application/geo+json', file('boundaries.geojson'))).status).toBe(200);
    for (const kind of ['buildings', 'houses', 'households', 'residents', 'organisations', 'city-objects']) {
      const res = await post(`${bd.get(DISTRICT)!.url}/api/v1/imports/${kind}`, 'text/csv', file(`${kind}.csv`));
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

  it('the street holds its communities, the community exactly its own records, the grid exactly its grid: the same records at the same versions as the district', async () => {
    const district = await counts(DISTRICT);
    expect(district.residents).toBeGreaterThan(200);
    const wanted = { street: await holdings(DISTRICT, STREET), community: await holdings(DISTRICT, COMMUNITY), grid: await holdings(DISTRICT, GRID) };
    expect(Number(wanted.grid['residents']!.split(':')[0])).toBeGreaterThan(10);
    await eventually(
      'every tier to hold its subtree',
      async () =>
        JSON.stringify(await holdings(STREET, '')) === JSON.stringify(wanted.street) &&
        JSON.stringify(await holdings(COMMUNITY, '')) === JSON.stringify(wanted.community) &&
        JSON.stringify(await holdings(GRID, '')) === JSON.stringify(wanted.grid),
      90_000,
    );
    // Counts match per unit at every tier that holds the unit.
    for (const unit of [COMMUNITY, GRID, `${COMMUNITY}-01`]) expect(await counts(COMMUNITY, unit)).toEqual(await counts(DISTRICT, unit));
    expect(await counts(STREET, NEIGHBOUR)).toEqual(await counts(DISTRICT, NEIGHBOUR));

    // As the people there see it: the grid's own instance answers "my grid" from its copy, the community lists its residents.
    const mine = expectShape(unitSummarySchema, await (await call(GRID, 'GET', '/api/v1/my-grid', await oidc.tokenFor('gw-07'))).json());
    expect({ households: mine.households, residents: mine.residents.total, objects: mine.objects.total }).toEqual({
      households: (await counts(DISTRICT, GRID)).households,
      residents: (await sql<{ n: number }>(DISTRICT, "SELECT count(*)::int AS n FROM base_data.residents WHERE grid_code = $1 AND status = 'active'", [GRID]))[0]!.n,
      objects: (await counts(DISTRICT, GRID)).city_objects,
    });
    const staff = await oidc.tokenFor('community');
    const listed: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { items: { id: string }[]; nextCursor: string | null } = expectShape(residentPageSchema, await (await call(COMMUNITY, 'GET', `/api/v1/residents?unit=${COMMUNITY}&limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, staff)).json());
      listed.push(...page.items.map((r) => r.id));
      cursor = page.nextCursor;
    } while (cursor);
    const theirs = (await sql<{ id: string }>(DISTRICT, "SELECT id::text AS id FROM base_data.residents WHERE grid_code LIKE $1 AND status = 'active'", [`${COMMUNITY}%`])).map((r) => r.id);
    expect(listed.sort()).toEqual(theirs.sort());
  });

  it('the community keeps what came down as its own: it publishes those versions, and its edits (a resident leaves, a house falls vacant, an object breaks) reach the street, the district and the grid within 2 s with their history', async () => {
    // The keeper's own stream holds the records it accepted, on its own subjects.
    const nc = await connect(natsConnectionOptions([fed.tier(COMMUNITY).url]));
    try {
      const jsm = await jetstreamManager(nc, { domain: fed.tier(COMMUNITY).domain });
      const own = await jsm.streams.info(baseDataStreamOf(COMMUNITY));
      expect(own.state.messages).toBeGreaterThanOrEqual((await counts(COMMUNITY))['residents']!);
    } finally {
      await nc.close();
    }
    const staff = await oidc.tokenFor('community');
    const [resident] = await sql<{ id: string }>(COMMUNITY, "SELECT id::text AS id FROM base_data.residents WHERE grid_code = $1 AND status = 'active' ORDER BY id LIMIT 1", [GRID]);
    const house = expectShape(housePageSchema, await (await call(COMMUNITY, 'GET', `/api/v1/houses?unit=${GRID}&limit=1`, staff)).json()).items.find((h) => h.use !== 'vacant')
      ?? expectShape(housePageSchema, await (await call(COMMUNITY, 'GET', `/api/v1/houses?unit=${GRID}&limit=50`, staff)).json()).items.find((h) => h.use !== 'vacant')!;
    const object = expectShape(cityObjectPageSchema, await (await call(COMMUNITY, 'GET', `/api/v1/objects?unit=${GRID}&limit=1`, staff)).json()).items[0]!;

    // The same edits by the same person at the street's instance (not the keeper) are refused, naming the community.
    for (const [method, path, body] of [
      ['POST', `/api/v1/residents/${resident!.id}/leave`, { date: '2026-12-01', reason: '工作调动 (moved for work)' }],
      ['PATCH', `/api/v1/houses/${house.code}`, { use: 'vacant' }],
      ['PATCH', `/api/v1/objects/${object.code}`, { state: 'damaged' }],
    ] as const) {
      const refused = await call(STREET, method, path, staff, body);
      const error = expectShape(errorBodySchema, await refused.json());
      expect({ status: refused.status, code: error.code, names: JSON.stringify(error).includes(`kept by tier ${COMMUNITY}`) }).toEqual({ status: 409, code: 'BASE_DATA.NOT_OWNER', names: true });
    }

    const started = Date.now();
    expect((await call(COMMUNITY, 'POST', `/api/v1/residents/${resident!.id}/leave`, staff, { date: '2026-12-01', reason: '工作调动 (moved for work)' })).status).toBe(200);
    expect((await call(COMMUNITY, 'PATCH', `/api/v1/houses/${house.code}`, staff, { use: 'vacant' })).status).toBe(200);
    expect((await call(COMMUNITY, 'PATCH', `/api/v1/objects/${object.code}`, staff, { state: 'damaged' })).status).toBe(200);
    const state = (code: string) =>
      Promise.all([
        sql<{ status: string }>(code, 'SELECT status FROM base_data.residents WHERE id = $1', [resident!.id]).then((r) => r[0]?.status),
        sql<{ use: string }>(code, 'SELECT use FROM base_data.houses WHERE code = $1', [house.code]).then((r) => r[0]?.use),
        sql<{ state: string }>(code, 'SELECT state FROM base_data.city_objects WHERE code = $1', [object.code]).then((r) => r[0]?.state),
      ]);
    const edited = ['left', 'vacant', 'damaged'];
    await eventually(
      'the street, the district and the grid to have all three edits',
      async () => JSON.stringify([await state(STREET), await state(DISTRICT), await state(GRID)]) === JSON.stringify([edited, edited, edited]),
      2000,
    );
    expect(Date.now() - started).toBeLessThan(2000);
    // The district's history of the object: imported there, then the community's version.
    const history = (await (await call(DISTRICT, 'GET', `/api/v1/objects/${object.code}/history`, await oidc.tokenFor('district'))).json()) as { action: string; actor: string }[];
    expect(history.at(-1)).toMatchObject({ action: 'replicated', actor: `tier ${COMMUNITY}` });
  });

  it('a new, empty community instance joins and catches up with its whole subtree; a neighbour never receives another community\'s records', async () => {
    const wanted = await holdings(DISTRICT, NEIGHBOUR);
    expect(Number(wanted['residents']!.split(':')[0])).toBeGreaterThan(100);
    // A database that has never seen base-data: not even its tables.
    expect(await sql(NEIGHBOUR, "SELECT to_regclass('base_data.residents') AS t")).toEqual([{ t: null }]);
    const joined = Date.now();
    await startBaseData(NEIGHBOUR);
    await eventually('the neighbour to catch up', async () => JSON.stringify(await holdings(NEIGHBOUR, '')) === JSON.stringify(wanted), 60_000);
    expect(Date.now() - joined).toBeLessThan(60_000);
    expect(await sql(NEIGHBOUR, `SELECT count(*)::int AS n FROM base_data.residents WHERE grid_code NOT LIKE '${NEIGHBOUR}-%'`)).toEqual([{ n: 0 }]);
    expect(await sql(COMMUNITY, `SELECT count(*)::int AS n FROM base_data.residents WHERE grid_code NOT LIKE '${COMMUNITY}-%'`)).toEqual([{ n: 0 }]);
    expect(await sql(GRID, 'SELECT count(*)::int AS n FROM base_data.residents WHERE grid_code <> $1', [GRID])).toEqual([{ n: 0 }]);
  });

  it("the community's leaf user asking the street for its neighbour's down stream is refused by the server", async () => {
    const leaf = fed.tier(COMMUNITY).leaf!;
    const nc = await connect({ servers: leaf.parentClientUrl, user: leaf.user, pass: leaf.password });
    try {
      const errors: string[] = [];
      void (async () => {
        for await (const s of nc.status()) if (s.type === 'error') errors.push(String((s as { error?: unknown }).error ?? s.type));
      })();
      const stream = baseDataDownStreamOf(NEIGHBOUR);
      const ask = nc.request(`$JS.${fed.tier(STREET).domain}.API.CONSUMER.CREATE.${stream}`, JSON.stringify({ stream_name: stream, config: { ack_policy: 'none' } }), { timeout: 2000 });
      await expect(ask).rejects.toThrow();
      await eventually('the permission violation', async () => errors.some((e) => /permissions violation/i.test(e) && e.includes(stream)), 5000);
    } finally {
      await nc.close();
    }
  });

  it('no message that crossed a link carries an ID number, a phone number or a name in clear', async () => {
    const names = (await sql<{ name: string }>(DISTRICT, 'SELECT name FROM base_data.residents ORDER BY id LIMIT 100')).map((r) => r.name);
    let scanned = 0;
    for (const code of [STREET, COMMUNITY, NEIGHBOUR, GRID]) {
      const nc = await connect(natsConnectionOptions([fed.tier(code).url]));
      try {
        const jsm = await jetstreamManager(nc, { domain: fed.tier(code).domain });
        // What came down (BASEDATA_IN) and what came up (BASEDATA_<tier>, sourced from the children).
        for (const stream of [BASEDATA_IN, baseDataStreamOf(code)]) {
          const info = await jsm.streams.info(stream);
          const text: string[] = [];
          for (let seq = info.state.first_seq; seq <= info.state.last_seq && seq > 0; seq++) {
            const m = await jsm.streams.getMessage(stream, { seq }).catch(() => undefined);
            if (m) text.push(m.string());
          }
          scanned += text.length;
          const all = text.join('\n');
          expect(all).not.toMatch(/\b\d{17}[\dX]\b/); // an 18-character ID number
          expect(all).not.toMatch(/\b1[3-9]\d{9}\b/); // a mobile number
          for (const name of names) expect(all).not.toContain(`"${name}"`);
        }
      } finally {
        await nc.close();
      }
    }
    expect(scanned).toBeGreaterThan(1000);
  });

  it("a child whose down stream is new while its parent already holds its subtree (it joined after the import) is sent the subtree from the parent's copy", async () => {
    const nc = await connect(natsConnectionOptions([fed.tier(DISTRICT).url]));
    try {
      const jsm = await jetstreamManager(nc, { domain: fed.tier(DISTRICT).domain });
      // As if the street had been added to the federation after the district's import: nothing
      // the district published is left, and the street's down stream is created anew, empty.
      await jsm.streams.purge(baseDataStreamOf(DISTRICT));
      await jsm.streams.delete(baseDataDownStreamOf(STREET));
      await applyStreams(jsm, tierStreams({ code: DISTRICT, parent: null }, [STREET]));
      const subtree = Object.values(await counts(DISTRICT, STREET)).reduce((a, b) => a + b, 0);
      await eventually(
        "the street's subtree in its new down stream",
        async () => (await jsm.streams.info(baseDataDownStreamOf(STREET))).state.messages === subtree,
        30_000,
      );
    } finally {
      await nc.close();
    }
  });

  it("a key rotation at the community reaches every copy as new versions; a tier that lacks the new key says which key it needs", async () => {
    const [one] = await sql<{ id: string }>(COMMUNITY, 'SELECT id::text AS id FROM base_data.residents WHERE grid_code = $1 ORDER BY id LIMIT 1', [GRID]);
    const staff = await oidc.tokenFor('community');
    const read = async (code: string, token: string) => call(code, 'POST', `/api/v1/residents/${one!.id}/clear-read`, token, { fields: ['idNumber'], reason: '密钥轮换核对 (checking the rotation)' });
    const before = ((await (await read(COMMUNITY, staff)).json()) as { idNumber: string }).idNumber;
    // First every tier gets the new key beside the old one (a rolling restart), then the keeper rotates.
    const ring = `2:${randomBytes(32).toString('base64')},${pii.PII_KEYS}`;
    for (const code of [DISTRICT, STREET, COMMUNITY, GRID]) {
      await bd.get(code)!.close();
      keyRing.set(code, ring);
      await startBaseData(code);
    }
    const rotated = await call(COMMUNITY, 'POST', '/api/v1/privacy/rotate-keys', admin);
    expect(rotated.status).toBe(200);
    const { residents } = (await rotated.json()) as { residents: number };
    expect(residents).toBe((await counts(COMMUNITY)).residents);
    const underKey = (code: string, unit: string) => sql<{ k: number; n: number }>(code, 'SELECT pii_key AS k, count(*)::int AS n FROM base_data.residents WHERE grid_code LIKE $1 GROUP BY 1 ORDER BY 1', [`${unit}%`]);
    await eventually(
      'every copy of the community\'s residents under key 2',
      async () =>
        JSON.stringify([await underKey(DISTRICT, COMMUNITY), await underKey(STREET, COMMUNITY), await underKey(GRID, GRID)]) ===
        JSON.stringify([[{ k: 2, n: residents }], [{ k: 2, n: residents }], [{ k: 2, n: (await counts(GRID)).residents }]]),
      30_000,
    );
    // The district's copy opens to the same number; its key status shows the neighbour's records still under key 1.
    const district = await oidc.tokenFor('district');
    expect(((await (await read(DISTRICT, district)).json()) as { idNumber: string }).idNumber).toBe(before);
    const status = (await (await call(DISTRICT, 'GET', '/api/v1/privacy/keys', await oidc.tokenFor('auditor'))).json()) as { current: number; configured: number[]; records: { keyId: number; residents: number }[] };
    expect({ current: status.current, configured: status.configured }).toEqual({ current: 2, configured: [2, 1] });
    expect(status.records.find((r) => r.keyId === 2)?.residents).toBe(residents);
    expect(status.records.find((r) => r.keyId === 1)?.residents).toBe((await counts(DISTRICT, NEIGHBOUR)).residents);

    // A street restarted with the old ring only: the record is there, and the answer names the key it lacks.
    await bd.get(STREET)!.close();
    keyRing.set(STREET, pii.PII_KEYS);
    await startBaseData(STREET);
    const refused = await read(STREET, await oidc.tokenFor('street'));
    const error = expectShape(errorBodySchema, await refused.json());
    expect({ status: refused.status, code: error.code }).toEqual({ status: 503, code: 'SERVICE.UNAVAILABLE' });
    expect(JSON.stringify(error)).toContain('no PII key 2');
  });
});
