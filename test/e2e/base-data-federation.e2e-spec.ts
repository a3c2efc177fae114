import { errorBodySchema, housePageSchema, residentPageSchema, residentViewSchema } from '@gm/contracts';
import { baseDataStreamOf, type FederationTier } from '@gm/messaging';
import { expectShape } from '@gm/testing';
import { expectNoClearPii, KINDS, startBaseDataTiers, type BaseDataTiers } from './base-data-tiers';
import { eventually } from './support';

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

describe('base data across tiers, the way up: the community keeps its grids, the street and the district hold copies (real nats-server leafnodes, a database per tier)', () => {
  let t: BaseDataTiers;
  let staff: string;
  const sql = <T extends object>(code: string, text: string, params: unknown[] = []) => t.sql<T>(code, text, params);
  const counts = (code: string) => t.counts(code);
  const call = (code: string, method: string, path: string, token: string, body?: unknown) => t.call(code, method, path, token, body);

  beforeAll(async () => {
    t = await startBaseDataTiers(TIERS, { seed: 21 });
    staff = await t.oidc.tokenFor('community');
    // The community imports its own grids' files: it needs the org tree (system-admin) and the boundaries (gis) on its tier.
    await t.startOrgAndMap(COMMUNITY);
    await t.startBaseData(COMMUNITY);
    await t.startBaseData(STREET);
    // The community's part of each file: every record names its grid (in its code or a column).
    const ours = (name: string) => {
      const [header, ...lines] = t.file(name).trim().split('\n');
      return [header, ...lines.filter((l) => l.includes(`${COMMUNITY}-`))].join('\n') + '\n';
    };
    // The whole district's file is refused at the community: its other rows belong to other tiers, and each is named.
    const whole = await t.importFile(COMMUNITY, 'buildings');
    const refused = (await whole.json()) as { errors?: { line?: number; field: string; message: string }[] };
    expect(whole.status).toBe(400);
    expect(refused.errors?.[0]).toMatchObject({ field: 'longitude,latitude', message: expect.stringContaining(`outside this tier (${COMMUNITY})`) });
    expect(await sql(COMMUNITY, 'SELECT count(*)::int AS n FROM base_data.buildings')).toEqual([{ n: 0 }]);
    for (const kind of KINDS) {
      const res = await t.importFile(COMMUNITY, kind, ours(`${kind}.csv`));
      expect({ kind, status: res.status }).toEqual({ kind, status: 200 });
    }
  }, 240_000);

  afterAll(async () => {
    await t?.close();
  });

  it("the street holds exactly the community's records, names and identifiers searchable there, and each record's history says where it came from", async () => {
    const kept = await counts(COMMUNITY);
    expect(kept.residents).toBeGreaterThan(100);
    await eventually('the street to hold every record of the community', async () => JSON.stringify(await counts(STREET)) === JSON.stringify(kept), 60_000);
    expect(await sql(STREET, `SELECT count(*)::int AS n FROM base_data.residents WHERE grid_code NOT LIKE '${COMMUNITY}-%'`)).toEqual([{ n: 0 }]);

    // The same person at both tiers: same id, same masked view; found at the street by name and by the exact ID number.
    const [one] = await sql<{ id: string; name: string }>(COMMUNITY, 'SELECT id, name FROM base_data.residents ORDER BY id LIMIT 1');
    const streetStaff = await t.oidc.tokenFor('street');
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
    const messages = await t.streamText(STREET, baseDataStreamOf(STREET));
    expect(messages.length).toBeGreaterThan(100);
    const residents = await sql<{ name: string }>(COMMUNITY, 'SELECT name FROM base_data.residents LIMIT 50');
    const all = messages.join('\n');
    expectNoClearPii(all, residents.map((r) => r.name));
    // The audit record of the clear read above went up too, its free-text reason sealed.
    expect(all).toContain('"kind":"pii-read"');
    expect(all).not.toContain('核对身份');
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
    await t.fed.tier(STREET).stop();
    try {
      for (const h of houses) {
        for (const use of ['commercial', 'owner_occupied'] as const) expect((await call(COMMUNITY, 'PATCH', `/api/v1/houses/${h.code}`, staff, { use })).status).toBe(200);
      }
    } finally {
      await t.fed.tier(STREET).start();
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
    await t.startBaseData(DISTRICT);
    const kept = await counts(COMMUNITY);
    const versions = async (code: string) => JSON.stringify(await sql(code, 'SELECT code, version, use FROM base_data.houses ORDER BY code'));
    const wanted = await versions(COMMUNITY);
    // Every version of every record comes in stream order: the counts are complete first, the newest versions last.
    await eventually('the district to catch up', async () => JSON.stringify(await counts(DISTRICT)) === JSON.stringify(kept) && (await versions(DISTRICT)) === wanted, 60_000);

    // The clear read made at the community is audited there, and the district's auditor sees it: who, whose, why, where.
    const [read] = await sql<{ resident_id: string }>(COMMUNITY, 'SELECT resident_id FROM base_data.pii_reads LIMIT 1');
    const auditor = await t.oidc.tokenFor('auditor');
    const seen = (await (await call(DISTRICT, 'GET', `/api/v1/privacy/reads?resident=${read!.resident_id}`, auditor)).json()) as Record<string, unknown>[];
    expect(seen).toEqual([expect.objectContaining({ residentId: read!.resident_id, readAtTier: COMMUNITY, actorUnit: COMMUNITY, reason: '核对身份 (checking identity)', fields: ['idNumber'] })]);
  });

  it("the community's leaf user may not read the street's records (a neighbour's among them): the server refuses", async () => {
    await t.expectRefusedConsumer(COMMUNITY, STREET, baseDataStreamOf(STREET));
  });
});
