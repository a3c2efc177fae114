import { randomBytes } from 'node:crypto';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { cityObjectPageSchema, errorBodySchema, housePageSchema, residentPageSchema, unitSummarySchema } from '@gm/contracts';
import { applyStreams, BASEDATA_IN, baseDataDownStreamOf, baseDataStreamOf, natsConnectionOptions, tierStreams, type FederationTier } from '@gm/messaging';
import { expectShape } from '@gm/testing';
import { idCheckCharacter } from '@gm/domain';
import { expectNoClearPii, KINDS, startBaseDataTiers, TABLES, type BaseDataTiers } from './base-data-tiers';
import { eventually } from './support';

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

describe('base data across tiers, the way down: an import at the district reaches every keeper, whose grids get their copies (real nats-server leafnodes, a database per tier)', () => {
  let t: BaseDataTiers;
  const sql = <T extends object>(code: string, text: string, params: unknown[] = []) => t.sql<T>(code, text, params);
  const counts = (code: string, unit = '') => t.counts(code, unit);
  const call = (code: string, method: string, path: string, token: string, body?: unknown) => t.call(code, method, path, token, body);
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

  beforeAll(async () => {
    t = await startBaseDataTiers(TIERS, { seed: 22 });
    // The district validates its import against the org tree (system-admin) and the boundaries (gis).
    await t.startOrgAndMap(DISTRICT);
    // The neighbour community's instance is not running yet: it joins later, empty.
    for (const code of [DISTRICT, STREET, COMMUNITY, GRID]) await t.startBaseData(code);
    for (const kind of KINDS) {
      const res = await t.importFile(DISTRICT, kind);
      expect({ kind, status: res.status }).toEqual({ kind, status: 200 });
    }
  }, 240_000);

  afterAll(async () => {
    await t?.close();
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
    const mine = expectShape(unitSummarySchema, await (await call(GRID, 'GET', '/api/v1/my-grid', await t.oidc.tokenFor('gw-07'))).json());
    expect({ households: mine.households, residents: mine.residents.total, objects: mine.objects.total }).toEqual({
      households: (await counts(DISTRICT, GRID)).households,
      residents: (await sql<{ n: number }>(DISTRICT, "SELECT count(*)::int AS n FROM base_data.residents WHERE grid_code = $1 AND status = 'active'", [GRID]))[0]!.n,
      objects: (await counts(DISTRICT, GRID)).city_objects,
    });
    const staff = await t.oidc.tokenFor('community');
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
    const nc = await connect(natsConnectionOptions([t.fed.tier(COMMUNITY).url]));
    try {
      const jsm = await jetstreamManager(nc, { domain: t.fed.tier(COMMUNITY).domain });
      const own = await jsm.streams.info(baseDataStreamOf(COMMUNITY));
      expect(own.state.messages).toBeGreaterThanOrEqual((await counts(COMMUNITY))['residents']!);
    } finally {
      await nc.close();
    }
    const staff = await t.oidc.tokenFor('community');
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
    const history = (await (await call(DISTRICT, 'GET', `/api/v1/objects/${object.code}/history`, await t.oidc.tokenFor('district'))).json()) as { action: string; actor: string }[];
    expect(history.at(-1)).toMatchObject({ action: 'replicated', actor: `tier ${COMMUNITY}` });
  });

  it("a must-report made at the grid's own instance goes up to the community, whose staff decide it; the decision and the new resident come back down to the grid", async () => {
    const worker = await t.oidc.tokenFor('gw-07');
    const staff = await t.oidc.tokenFor('community');
    const [household, other] = await sql<{ code: string }>(GRID, 'SELECT code FROM base_data.households WHERE grid_code = $1 ORDER BY code LIMIT 2', [GRID]);
    const newcomer = (n: string, householdCode: string) => {
      const first17 = `35020619880303${n}21`;
      return { kind: 'newcomer', body: { householdCode, name: `跨级迁入${n}`, idNumber: first17 + idCheckCharacter(first17), relation: 'other', residenceType: 'tenant' } };
    };
    const propose = async (n: string, householdCode: string) => {
      const res = await call(GRID, 'POST', '/api/v1/change-proposals', worker, { clientId: `cross-tier-${n}-${Date.now()}`, ...newcomer(n, householdCode) });
      expect(res.status).toBe(201);
      return ((await res.json()) as { id: string }).id;
    };
    const confirmed = await propose('1', household!.code);
    const rejected = await propose('2', other!.code);
    const statusAt = async (code: string, id: string) => (await sql<{ status: string }>(code, 'SELECT status FROM base_data.change_proposals WHERE id = $1', [id]))[0]?.status;
    await eventually('the proposals to reach the community', async () => (await statusAt(COMMUNITY, confirmed)) === 'pending' && (await statusAt(COMMUNITY, rejected)) === 'pending', 10_000);
    // Decided where the grid's records are kept: at the grid's own instance the decision is refused, naming the keeper.
    const there = await call(GRID, 'POST', `/api/v1/change-proposals/${confirmed}/confirm`, staff, {});
    expect({ status: there.status, code: expectShape(errorBodySchema, await there.json()).code }).toEqual({ status: 409, code: 'BASE_DATA.NOT_OWNER' });

    const residentsOf = (code: string, h: string) => sql<{ n: number }>(code, 'SELECT count(*)::int AS n FROM base_data.residents WHERE household_code = $1', [h]).then((r) => r[0]!.n);
    const before = await residentsOf(GRID, household!.code);
    expect((await call(COMMUNITY, 'POST', `/api/v1/change-proposals/${confirmed}/confirm`, staff, {})).status).toBe(200);
    expect((await call(COMMUNITY, 'POST', `/api/v1/change-proposals/${rejected}/reject`, staff, { reason: '核实无此人 (no such person)' })).status).toBe(200);
    await eventually(
      'the decisions and the new resident to come down to the grid',
      async () => (await statusAt(GRID, confirmed)) === 'confirmed' && (await statusAt(GRID, rejected)) === 'rejected' && (await residentsOf(GRID, household!.code)) === before + 1,
      10_000,
    );
    // The worker sees the outcome at the grid's own instance.
    const seen = (await (await call(GRID, 'GET', `/api/v1/change-proposals/${rejected}`, worker)).json()) as { status: string; note: string | null };
    expect(seen).toMatchObject({ status: 'rejected', note: '核实无此人 (no such person)' });
    expect(await residentsOf(GRID, other!.code)).toBe(await residentsOf(COMMUNITY, other!.code));
  });

  it('a new, empty community instance joins and catches up with its whole subtree; a neighbour never receives another community\'s records', async () => {
    const wanted = await holdings(DISTRICT, NEIGHBOUR);
    expect(Number(wanted['residents']!.split(':')[0])).toBeGreaterThan(100);
    // A database that has never seen base-data: not even its tables.
    expect(await sql(NEIGHBOUR, "SELECT to_regclass('base_data.residents') AS t")).toEqual([{ t: null }]);
    const joined = Date.now();
    await t.startBaseData(NEIGHBOUR);
    await eventually('the neighbour to catch up', async () => JSON.stringify(await holdings(NEIGHBOUR, '')) === JSON.stringify(wanted), 60_000);
    expect(Date.now() - joined).toBeLessThan(60_000);
    expect(await sql(NEIGHBOUR, `SELECT count(*)::int AS n FROM base_data.residents WHERE grid_code NOT LIKE '${NEIGHBOUR}-%'`)).toEqual([{ n: 0 }]);
    expect(await sql(COMMUNITY, `SELECT count(*)::int AS n FROM base_data.residents WHERE grid_code NOT LIKE '${COMMUNITY}-%'`)).toEqual([{ n: 0 }]);
    expect(await sql(GRID, 'SELECT count(*)::int AS n FROM base_data.residents WHERE grid_code <> $1', [GRID])).toEqual([{ n: 0 }]);
  });

  it("the community's leaf user asking the street for its neighbour's down stream is refused by the server", async () => {
    await t.expectRefusedConsumer(COMMUNITY, STREET, baseDataDownStreamOf(NEIGHBOUR));
  });

  it('no message that crossed a link carries an ID number, a phone number or a name in clear', async () => {
    const names = (await sql<{ name: string }>(DISTRICT, 'SELECT name FROM base_data.residents ORDER BY id LIMIT 100')).map((r) => r.name);
    let scanned = 0;
    // What came down (BASEDATA_IN) and what came up (BASEDATA_<tier>, sourced from the children), at every tier below the district.
    for (const code of [STREET, COMMUNITY, NEIGHBOUR, GRID]) {
      for (const stream of [BASEDATA_IN, baseDataStreamOf(code)]) {
        const text = await t.streamText(code, stream);
        scanned += text.length;
        expectNoClearPii(text.join('\n'), names);
      }
    }
    expect(scanned).toBeGreaterThan(1000);
  });

  it("a child whose down stream is new while its parent already holds its subtree (it joined after the import) is sent the subtree from the parent's copy", async () => {
    const nc = await connect(natsConnectionOptions([t.fed.tier(DISTRICT).url]));
    try {
      const jsm = await jetstreamManager(nc, { domain: t.fed.tier(DISTRICT).domain });
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
    const staff = await t.oidc.tokenFor('community');
    const read = async (code: string, token: string) => call(code, 'POST', `/api/v1/residents/${one!.id}/clear-read`, token, { fields: ['idNumber'], reason: '密钥轮换核对 (checking the rotation)' });
    const before = ((await (await read(COMMUNITY, staff)).json()) as { idNumber: string }).idNumber;
    // First every tier gets the new key beside the old one (a rolling restart), then the keeper rotates.
    const ring = `2:${randomBytes(32).toString('base64')},${t.pii.PII_KEYS}`;
    for (const code of [DISTRICT, STREET, COMMUNITY, GRID]) {
      await t.stopBaseData(code);
      t.keyRing.set(code, ring);
      await t.startBaseData(code);
    }
    const rotated = await call(COMMUNITY, 'POST', '/api/v1/privacy/rotate-keys', t.admin);
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
    const district = await t.oidc.tokenFor('district');
    expect(((await (await read(DISTRICT, district)).json()) as { idNumber: string }).idNumber).toBe(before);
    const status = (await (await call(DISTRICT, 'GET', '/api/v1/privacy/keys', await t.oidc.tokenFor('auditor'))).json()) as { current: number; configured: number[]; records: { keyId: number; residents: number }[] };
    expect({ current: status.current, configured: status.configured }).toEqual({ current: 2, configured: [2, 1] });
    expect(status.records.find((r) => r.keyId === 2)?.residents).toBe(residents);
    expect(status.records.find((r) => r.keyId === 1)?.residents).toBe((await counts(DISTRICT, NEIGHBOUR)).residents);

    // A street restarted with the old ring only: the record is there, and the answer names the key it lacks.
    await t.stopBaseData(STREET);
    t.keyRing.set(STREET, t.pii.PII_KEYS);
    await t.startBaseData(STREET);
    const refused = await read(STREET, await t.oidc.tokenFor('street'));
    const error = expectShape(errorBodySchema, await refused.json());
    expect({ status: refused.status, code: error.code }).toEqual({ status: 503, code: 'SERVICE.UNAVAILABLE' });
    expect(JSON.stringify(error)).toContain('no PII key 2');
  });
});
