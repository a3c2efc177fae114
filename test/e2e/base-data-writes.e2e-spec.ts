import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { DEFAULT_OPTIONS, generateDistrict } from '@gm/district-generator';
import { householdPageSchema, buildingPageSchema, buildingViewSchema, cityObjectPageSchema, cityObjectViewSchema, organisationPageSchema, organisationViewSchema, errorBodySchema, housePageSchema, householdViewSchema, houseViewSchema, namespace, residentPageSchema, residentViewSchema, streamName, Streams, unitSummarySchema } from '@gm/contracts';
import { idCheckCharacter } from '@gm/domain';
import { expectShape, startInfra, startService, type TestInfra, type TestService } from '@gm/testing';
import pg from 'pg';
import type { ServiceConfig } from '@gm/platform';
import * as baseData from '../../apps/base-data/src/app.module';
import * as baseDataConfig from '../../apps/base-data/src/config/config';
import * as systemAdmin from '../../apps/system-admin/src/app.module';
import * as systemAdminConfig from '../../apps/system-admin/src/config/config';
import * as gis from '../../apps/gis/src/app.module';
import * as gisConfig from '../../apps/gis/src/config/config';

const COMMUNITY = '350206001001';

/** A synthetic, valid ID number: area 350206, the birth date given, sequence `seq` (odd: male). */
function idNumber(birth: string, seq: number): string {
  const first17 = `350206${birth.replace(/-/g, '')}${String(seq).padStart(3, '0')}`;
  return first17 + idCheckCharacter(first17);
}

describe('base-data written by hand: residents, households, houses, objects (real PostgreSQL/PostGIS, NATS, gis)', () => {
  let infra: TestInfra;
  let services: TestService<ServiceConfig>[];
  let bd: TestService<baseDataConfig.AppConfig>;
  let dir: string;
  let staff: string;
  /** Households of the demo community's grids -07 and -08, and one of the neighbouring community. */
  let in07: string;
  let in08: string;
  let neighbours: string;
  let households: string[][];
  let residents: string[][];
  let buildings: string[][];

  beforeAll(async () => {
    infra = await startInfra();
    const env = infra.env();
    const sa = await startService({ configSchema: systemAdminConfig.configSchema, module: (c, l) => systemAdmin.AppModule.forRoot(c, l), streamedContentTypes: ['text/csv'] }, env);
    const g = await startService({ configSchema: gisConfig.configSchema, module: (c, l) => gis.AppModule.forRoot(c, l), streamedContentTypes: ['application/geo+json'] }, env);
    bd = await startService({ configSchema: baseDataConfig.configSchema, module: (c, l) => baseData.AppModule.forRoot(c, l), streamedContentTypes: ['text/csv'] }, env);
    services = [sa, g, bd] as never;
    const admin = await infra.oidc.tokenFor('admin');
    staff = await infra.oidc.tokenFor('community');
    dir = mkdtempSync(join(tmpdir(), 'gm-rw-'));
    await generateDistrict({ ...DEFAULT_OPTIONS, seed: 11, scale: 0.05, streets: 1, communitiesPerStreet: [2, 2], gridRows: [2, 2], gridCols: [4, 4], out: dir });
    const csv = (name: string) => readFileSync(join(dir, name), 'utf8');
    const post = (url: string, type: string, body: string) => fetch(url, { method: 'POST', headers: { 'content-type': type, authorization: `Bearer ${admin}` }, body });
    expect((await post(`${sa.url}/api/v1/org-units/import`, 'text/csv', csv('org-units.csv'))).status).toBe(200);
    expect((await post(`${g.url}/api/v1/boundaries/import`, 'application/geo+json', csv('boundaries.geojson'))).status).toBe(200);
    for (const kind of ['buildings', 'houses', 'households', 'residents', 'organisations', 'city-objects']) expect((await post(`${bd.url}/api/v1/imports/${kind}`, 'text/csv', csv(`${kind}.csv`))).status).toBe(200);
    const rows = (name: string) => csv(name).trim().split('\n').slice(1).map((l) => l.split(','));
    households = rows('households.csv');
    residents = rows('residents.csv');
    buildings = rows('buildings.csv');
    const inGrid = (grid: string) => households.find((h) => h[2] === grid)![0]!;
    in07 = inGrid(`${COMMUNITY}-07`);
    in08 = inGrid(`${COMMUNITY}-08`);
    neighbours = households.find((h) => h[2]!.startsWith('350206001002'))![0]!;
  });

  afterAll(async () => {
    await Promise.allSettled((services ?? []).map((s) => s.close()));
    await infra?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const call = (method: string, path: string, token: string, body?: unknown) =>
    fetch(`${bd.url}${path}`, { method, headers: { authorization: `Bearer ${token}`, ...(body !== undefined && { 'content-type': 'application/json' }) }, ...(body !== undefined && { body: JSON.stringify(body) }) });
  const residentCount = async () => {
    const c = new pg.Client({ connectionString: infra.db.url });
    await c.connect();
    try {
      return Number((await c.query<{ n: string }>('SELECT count(*) AS n FROM base_data.residents')).rows[0]!.n);
    } finally {
      await c.end();
    }
  };
  const fieldOf = async (res: Response) => {
    const body = expectShape(errorBodySchema, await res.json());
    return { status: res.status, code: body.code, fields: (body.errors ?? []).map((f) => f.field) };
  };
  const residentsOfGrid = async (grid: string) => expectShape(unitSummarySchema, await (await call('GET', `/api/v1/units/${grid}/summary`, staff)).json()).residents.total;

  const newcomer = { idNumber: idNumber('1990-04-12', 123), name: '测试新居民', phone: '13900001234', relation: 'other', residenceType: 'tenant' };

  it('registers a resident in a household of the unit: sex and birth date from the ID number, masked, history and an event without values', async () => {
    const before07 = await residentsOfGrid(`${COMMUNITY}-07`);
    const res = await call('POST', '/api/v1/residents', staff, { ...newcomer, householdCode: in07 });
    expect(res.status).toBe(201);
    const r = expectShape(residentViewSchema, await res.json());
    expect(r).toMatchObject({ sex: 'male', birthDate: '1990-04-12', householdCode: in07, gridCode: `${COMMUNITY}-07`, status: 'active', statusSince: null, focusClass: 'none', tags: [], partyMember: false });
    expect(r.idNumber).not.toContain('04121');
    expect(r.phone).toBe('139****1234');
    expect(await residentsOfGrid(`${COMMUNITY}-07`)).toBe(before07 + 1);

    const history = (await (await call('GET', `/api/v1/residents/${r.id}/history`, staff)).json()) as { action: string; changes: Record<string, unknown> }[];
    expect(history).toHaveLength(1);
    expect(history[0]).toMatchObject({ action: 'add', changes: { id_number: 'set', name: 'set', phone: 'set', household_code: in07 } });
    expect(JSON.stringify(history)).not.toContain(newcomer.idNumber);

    const nc = await connect({ servers: infra.nats.url });
    try {
      const jsm = await jetstreamManager(nc);
      const m = await jsm.streams.getMessage(streamName(namespace(infra.nats.namespace), Streams.baseDataEvents), { last_by_subj: `gm.${infra.nats.namespace}.resident.changed.v1` });
      expect(m!.json<{ data: unknown }>().data).toMatchObject({ residentId: r.id, action: 'added', gridCode: `${COMMUNITY}-07` });
      for (const secret of [newcomer.idNumber, newcomer.phone, newcomer.name]) expect(m!.string()).not.toContain(secret);
    } finally {
      await nc.close();
    }
  });

  it('refuses bad registrations with 400/409 naming the field, and writes nothing', async () => {
    const count = await residentCount();
    const wrongCheck = newcomer.idNumber.slice(0, 17) + (newcomer.idNumber[17] === '1' ? '2' : '1');
    expect(await fieldOf(await call('POST', '/api/v1/residents', staff, { ...newcomer, idNumber: wrongCheck, householdCode: in07 }))).toEqual({ status: 400, code: 'REQUEST.VALIDATION_FAILED', fields: ['idNumber'] });
    expect(await fieldOf(await call('POST', '/api/v1/residents', staff, { ...newcomer, idNumber: idNumber('2090-01-01', 5), householdCode: in07 }))).toMatchObject({ status: 400, fields: ['idNumber'] });
    expect(await fieldOf(await call('POST', '/api/v1/residents', staff, { ...newcomer, idNumber: idNumber('1985-02-02', 7), householdCode: 'H-NO-SUCH' }))).toEqual({ status: 400, code: 'REQUEST.VALIDATION_FAILED', fields: ['householdCode'] });
    // A household of the neighbouring community is not told apart from none.
    expect(await fieldOf(await call('POST', '/api/v1/residents', staff, { ...newcomer, idNumber: idNumber('1985-02-02', 7), householdCode: neighbours }))).toMatchObject({ status: 400, fields: ['householdCode'] });
    expect(await fieldOf(await call('POST', '/api/v1/residents', staff, { ...newcomer, idNumber: idNumber('1985-02-02', 7), householdCode: in07, relation: 'cousin' }))).toMatchObject({ status: 400, fields: ['relation'] });
    expect(await fieldOf(await call('POST', '/api/v1/residents', staff, { ...newcomer, idNumber: idNumber('1985-02-02', 7), householdCode: in07, phone: '12345' }))).toMatchObject({ status: 400, fields: ['phone'] });
    // The same person again: already registered, wherever.
    expect(await fieldOf(await call('POST', '/api/v1/residents', staff, { ...newcomer, householdCode: in08 }))).toEqual({ status: 409, code: 'RESIDENT.ALREADY_REGISTERED', fields: ['idNumber'] });
    // Nor may a grid worker of another community register into this one.
    const other = await infra.oidc.tokenFor('gw-other');
    expect(await fieldOf(await call('POST', '/api/v1/residents', other, { ...newcomer, idNumber: idNumber('1985-02-02', 7), householdCode: in07 }))).toMatchObject({ status: 400, fields: ['householdCode'] });
    expect(await residentCount()).toBe(count);
  });

  it('moves a resident to a household of another grid (the grid follows), with the history of both; a worker of the old grid no longer sees them', async () => {
    const { items } = expectShape(residentPageSchema, await (await call('POST', '/api/v1/residents/search', staff, { idNumber: newcomer.idNumber })).json());
    const id = items[0]!.id;
    const [before07, before08] = [await residentsOfGrid(`${COMMUNITY}-07`), await residentsOfGrid(`${COMMUNITY}-08`)];

    expect(await fieldOf(await call('POST', `/api/v1/residents/${id}/move`, staff, { householdCode: in07 }))).toMatchObject({ status: 400, fields: ['householdCode'] });
    const res = await call('POST', `/api/v1/residents/${id}/move`, staff, { householdCode: in08, relation: 'spouse' });
    expect(res.status).toBe(200);
    expect(expectShape(residentViewSchema, await res.json())).toMatchObject({ householdCode: in08, gridCode: `${COMMUNITY}-08`, relation: 'spouse' });
    expect([await residentsOfGrid(`${COMMUNITY}-07`), await residentsOfGrid(`${COMMUNITY}-08`)]).toEqual([before07 - 1, before08 + 1]);
    const history = (await (await call('GET', `/api/v1/residents/${id}/history`, staff)).json()) as { action: string; changes: Record<string, unknown> }[];
    expect(history.at(-1)).toMatchObject({ action: 'move', changes: { household_code: { from: in07, to: in08 }, grid_code: { from: `${COMMUNITY}-07`, to: `${COMMUNITY}-08` } } });

    const gw07 = await infra.oidc.tokenFor('gw-07');
    expect((await call('GET', `/api/v1/residents/${id}`, gw07)).status).toBe(404);
    expect((await call('POST', `/api/v1/residents/${id}/move`, gw07, { householdCode: in07 })).status).toBe(404);
  });

  it('records leaving the area: out of the lists and counts, kept with its date; a return brings the same record back; a death ends it', async () => {
    const { items } = expectShape(residentPageSchema, await (await call('POST', '/api/v1/residents/search', staff, { idNumber: newcomer.idNumber })).json());
    const id = items[0]!.id;
    const before08 = await residentsOfGrid(`${COMMUNITY}-08`);

    const tomorrow = new Date(Date.now() + 2 * 86_400_000).toISOString().slice(0, 10);
    expect(await fieldOf(await call('POST', `/api/v1/residents/${id}/leave`, staff, { date: tomorrow }))).toMatchObject({ status: 400, fields: ['date'] });
    expect(await fieldOf(await call('POST', `/api/v1/residents/${id}/leave`, staff, { date: '1989-01-01' }))).toMatchObject({ status: 400, fields: ['date'] });
    expect(await fieldOf(await call('POST', `/api/v1/residents/${id}/leave`, staff, { date: '2026-13-01' }))).toMatchObject({ status: 400, fields: ['date'] });
    const left = await call('POST', `/api/v1/residents/${id}/leave`, staff, { date: '2026-11-30', reason: '工作调动 (moved for work)' });
    expect(left.status).toBe(200);
    expect(expectShape(residentViewSchema, await left.json())).toMatchObject({ status: 'left', statusSince: '2026-11-30' });
    expect(await residentsOfGrid(`${COMMUNITY}-08`)).toBe(before08 - 1);
    expect(expectShape(residentPageSchema, await (await call('POST', '/api/v1/residents/search', staff, { idNumber: newcomer.idNumber })).json()).items).toEqual([]);
    const leftList = expectShape(residentPageSchema, await (await call('GET', `/api/v1/residents?unit=${COMMUNITY}-08&status=left`, staff)).json());
    expect(leftList.items.map((i) => i.id)).toEqual([id]);
    // Nothing more may happen to a resident who left, but coming back.
    expect(await fieldOf(await call('POST', `/api/v1/residents/${id}/move`, staff, { householdCode: in07 }))).toMatchObject({ status: 409, code: 'RESIDENT.NOT_ACTIVE' });
    expect(await fieldOf(await call('PATCH', `/api/v1/residents/${id}`, staff, { tags: ['disabled'] }))).toMatchObject({ status: 409, code: 'RESIDENT.NOT_ACTIVE' });

    const back = await call('POST', '/api/v1/residents', staff, { ...newcomer, householdCode: in07 });
    expect(back.status).toBe(201);
    expect(expectShape(residentViewSchema, await back.json())).toMatchObject({ id, status: 'active', statusSince: null, gridCode: `${COMMUNITY}-07` });

    const died = await call('POST', `/api/v1/residents/${id}/deceased`, staff, { date: '2026-12-01' });
    expect(died.status).toBe(200);
    expect(expectShape(residentViewSchema, await died.json())).toMatchObject({ status: 'deceased', statusSince: '2026-12-01' });
    expect(await fieldOf(await call('POST', '/api/v1/residents', staff, { ...newcomer, householdCode: in07 }))).toMatchObject({ status: 409, code: 'RESIDENT.NOT_ACTIVE', fields: ['idNumber'] });
    const history = (await (await call('GET', `/api/v1/residents/${id}/history`, staff)).json()) as { action: string }[];
    expect(history.map((h) => h.action)).toEqual(['add', 'move', 'leave', 'return', 'decease']);
  });

  const history = async (path: string) => (await (await call('GET', `${path}/history`, staff)).json()) as { action: string; changes: Record<string, unknown> }[];
  const lastEvent = async (type: string) => {
    const nc = await connect({ servers: infra.nats.url });
    try {
      const jsm = await jetstreamManager(nc);
      const m = await jsm.streams.getMessage(streamName(namespace(infra.nats.namespace), Streams.baseDataEvents), { last_by_subj: `gm.${infra.nats.namespace}.${type}` });
      return m!.json<{ data: Record<string, unknown> }>().data;
    } finally {
      await nc.close();
    }
  };

  it('lists the houses of a grid in cursor pages with their households and residents, and sets a house vacant with history', async () => {
    const grid = `${COMMUNITY}-07`;
    const first = expectShape(housePageSchema, await (await call('GET', `/api/v1/houses?unit=${grid}&limit=4`, staff)).json());
    expect(first.items).toHaveLength(4);
    expect(first.nextCursor).not.toBeNull();
    const second = expectShape(housePageSchema, await (await call('GET', `/api/v1/houses?unit=${grid}&limit=4&cursor=${first.nextCursor}`, staff)).json());
    expect(second.items[0]!.code > first.items[3]!.code).toBe(true);
    expect([...first.items, ...second.items].every((h) => h.gridCode === grid)).toBe(true);
    expect(await fieldOf(await call('GET', `/api/v1/houses?unit=${grid}&cursor=junk`, staff))).toMatchObject({ status: 400, fields: ['cursor'] });
    expect(await fieldOf(await call('GET', `/api/v1/houses?unit=${grid}&use=castle`, staff))).toMatchObject({ status: 400, fields: ['use'] });

    const house = first.items.find((h) => h.use !== 'vacant')!;
    const res = await call('PATCH', `/api/v1/houses/${house.code}`, staff, { use: 'vacant' });
    expect(res.status).toBe(200);
    expect(expectShape(houseViewSchema, await res.json())).toMatchObject({ code: house.code, use: 'vacant', version: house.version + 1 });
    expect((await history(`/api/v1/houses/${house.code}`)).at(-1)).toMatchObject({ action: 'update', changes: { use: { from: house.use, to: 'vacant' } } });
    expect(await lastEvent('base-data.record-changed.v1')).toMatchObject({ kind: 'house', code: house.code, action: 'updated', fields: ['use'] });
    expect(await fieldOf(await call('PATCH', `/api/v1/houses/${house.code}`, staff, { use: 'castle' }))).toMatchObject({ status: 400, fields: ['use'] });
    // The neighbouring community's staff neither see nor change it.
    const other = await infra.oidc.tokenFor('community-other');
    expect((await call('PATCH', `/api/v1/houses/${house.code}`, other, { use: 'rented' })).status).toBe(404);
  });

  it('a household is set up, moves to another grid with its members, splits, and leaves the area; each step in the history, nothing half-done when refused', async () => {
    const house07 = households.find((h) => h[2] === `${COMMUNITY}-07`)![1]!;
    const house08 = households.find((h) => h[2] === `${COMMUNITY}-08`)![1]!;
    const created = await call('POST', '/api/v1/households', staff, { houseCode: house07 });
    expect(created.status).toBe(201);
    const h = expectShape(householdViewSchema, await created.json());
    expect(h).toMatchObject({ houseCode: house07, gridCode: `${COMMUNITY}-07`, members: [], version: 1 });
    expect(h.code).toMatch(new RegExp(`^${house07}-H\\d+$`));
    expect(h.code).not.toBe(households.find((x) => x[1] === house07)![0]);
    expect(await fieldOf(await call('POST', '/api/v1/households', staff, { houseCode: 'NO-SUCH-HOUSE' }))).toMatchObject({ status: 400, fields: ['houseCode'] });

    // Two people registered into it, then the household moves to a house of grid -08: both go along.
    const a = expectShape(residentViewSchema, await (await call('POST', '/api/v1/residents', staff, { idNumber: idNumber('1970-01-01', 11), name: '测试户主', relation: 'head', residenceType: 'registered', householdCode: h.code })).json());
    const b = expectShape(residentViewSchema, await (await call('POST', '/api/v1/residents', staff, { idNumber: idNumber('1972-02-02', 22), name: '测试配偶', relation: 'spouse', residenceType: 'registered', householdCode: h.code })).json());
    const moved = await call('POST', `/api/v1/households/${h.code}/move`, staff, { houseCode: house08 });
    expect(moved.status).toBe(200);
    expect(expectShape(householdViewSchema, await moved.json())).toMatchObject({ houseCode: house08, gridCode: `${COMMUNITY}-08`, version: 2, members: [{ id: a.id }, { id: b.id }] });
    for (const r of [a, b]) expect(expectShape(residentViewSchema, await (await call('GET', `/api/v1/residents/${r.id}`, staff)).json()).gridCode).toBe(`${COMMUNITY}-08`);
    expect((await history(`/api/v1/residents/${a.id}`)).at(-1)).toMatchObject({ action: 'move-with-household', changes: { grid_code: { from: `${COMMUNITY}-07`, to: `${COMMUNITY}-08` } } });

    // Split: naming a stranger, or everybody, is refused and changes nothing.
    expect(await fieldOf(await call('POST', `/api/v1/households/${h.code}/split`, staff, { residentIds: [a.id, '00000000-0000-4000-8000-000000000000'] }))).toMatchObject({ status: 400, fields: ['residentIds'] });
    expect(await fieldOf(await call('POST', `/api/v1/households/${h.code}/split`, staff, { residentIds: [a.id, b.id] }))).toMatchObject({ status: 400, fields: ['residentIds'] });
    expect(expectShape(householdViewSchema, await (await call('GET', `/api/v1/households/${h.code}`, staff)).json()).members).toHaveLength(2);
    const split = await call('POST', `/api/v1/households/${h.code}/split`, staff, { residentIds: [b.id] });
    expect(split.status).toBe(200);
    const { from, to } = (await split.json()) as { from: unknown; to: unknown };
    expect(expectShape(householdViewSchema, from).members.map((m) => m.id)).toEqual([a.id]);
    const newHousehold = expectShape(householdViewSchema, to);
    expect(newHousehold).toMatchObject({ houseCode: house08, members: [{ id: b.id }] });
    expect(expectShape(residentViewSchema, await (await call('GET', `/api/v1/residents/${b.id}`, staff)).json()).householdCode).toBe(newHousehold.code);

    // The first household leaves the area: its member is recorded as left; nobody is left to leave again.
    const grid08 = await residentsOfGrid(`${COMMUNITY}-08`);
    const left = await call('POST', `/api/v1/households/${h.code}/leave`, staff, { date: '2026-12-01', reason: '购房迁出 (bought a flat elsewhere)' });
    expect(left.status).toBe(200);
    expect(expectShape(householdViewSchema, await left.json()).members).toEqual([]);
    expect(expectShape(residentViewSchema, await (await call('GET', `/api/v1/residents/${a.id}`, staff)).json())).toMatchObject({ status: 'left', statusSince: '2026-12-01' });
    expect(await residentsOfGrid(`${COMMUNITY}-08`)).toBe(grid08 - 1);
    expect(await fieldOf(await call('POST', `/api/v1/households/${h.code}/leave`, staff, { date: '2026-12-01' }))).toMatchObject({ status: 400, fields: ['code'] });
    expect((await history(`/api/v1/households/${h.code}`)).map((x) => x.action)).toEqual(['add', 'move', 'split', 'leave']);
    const inHouse = expectShape(householdPageSchema, await (await call('GET', `/api/v1/households?unit=${COMMUNITY}-08&houseCode=${house08}`, staff)).json());
    expect(inHouse.items.map((x) => [x.code, x.members])).toEqual(expect.arrayContaining([[h.code, 0], [newHousehold.code, 1]]));
    const page1 = expectShape(householdPageSchema, await (await call('GET', `/api/v1/households?unit=${COMMUNITY}&limit=3`, staff)).json());
    const page2 = expectShape(householdPageSchema, await (await call('GET', `/api/v1/households?unit=${COMMUNITY}&limit=3&cursor=${page1.nextCursor}`, staff)).json());
    expect(page2.items[0]!.code > page1.items[2]!.code).toBe(true);
    expect(await lastEvent('resident.changed.v1')).toMatchObject({ residentId: a.id, action: 'left' });
  });

  it('registers city objects at points of the unit with codes of the scheme, refuses codes of another grid and points outside the unit, and keeps their state', async () => {
    const building07 = buildings.find((b) => b[0]!.startsWith(`${COMMUNITY}-07-`))!;
    const at07 = { longitude: Number(building07[3]), latitude: Number(building07[4]) };
    const building2 = buildings.find((b) => b[0]!.startsWith('350206001002-'))!;
    const elsewhere = { longitude: Number(building2[3]), latitude: Number(building2[4]) };
    const object = { classCode: '0302', name: '垃圾箱', ownerDepartment: 'urban-management', maintainer: 'urban-management-maintenance', location: at07 };

    const one = await call('POST', '/api/v1/objects', staff, object);
    expect(one.status).toBe(201);
    const first = expectShape(cityObjectViewSchema, await one.json());
    expect(first).toMatchObject({ code: `${COMMUNITY}-07-0302-0001`, gridCode: `${COMMUNITY}-07`, state: 'normal', version: 1 });
    expect(expectShape(cityObjectViewSchema, await (await call('POST', '/api/v1/objects', staff, object)).json()).code).toBe(`${COMMUNITY}-07-0302-0002`);

    expect(await fieldOf(await call('POST', '/api/v1/objects', staff, { ...object, code: `${COMMUNITY}-08-0302-0009` }))).toMatchObject({ status: 400, fields: ['code'] });
    expect(await fieldOf(await call('POST', '/api/v1/objects', staff, { ...object, code: `${COMMUNITY}-07-0110-0009` }))).toMatchObject({ status: 400, fields: ['code'] });
    expect(await fieldOf(await call('POST', '/api/v1/objects', staff, { ...object, code: first.code }))).toMatchObject({ status: 400, fields: ['code'] });
    expect(await fieldOf(await call('POST', '/api/v1/objects', staff, { ...object, location: elsewhere }))).toMatchObject({ status: 400, fields: ['location'] });
    expect(await fieldOf(await call('POST', '/api/v1/objects', staff, { ...object, location: { longitude: 100, latitude: 10 } }))).toMatchObject({ status: 400, fields: ['location'] });
    expect(await fieldOf(await call('POST', '/api/v1/objects', staff, { ...object, classCode: '32' }))).toMatchObject({ status: 400, fields: ['classCode'] });

    const broken = await call('PATCH', `/api/v1/objects/${first.code}`, staff, { state: 'damaged', maintainer: 'street-repair-team' });
    expect(broken.status).toBe(200);
    expect(expectShape(cityObjectViewSchema, await broken.json())).toMatchObject({ state: 'damaged', maintainer: 'street-repair-team', version: 2 });
    expect((await history(`/api/v1/objects/${first.code}`)).map((x) => x.action)).toEqual(['add', 'update']);
    expect(await lastEvent('base-data.record-changed.v1')).toMatchObject({ kind: 'city-object', code: first.code, action: 'updated', fields: ['state', 'maintainer'] });
    expect(await fieldOf(await call('PATCH', `/api/v1/objects/${first.code}`, staff, { state: 'exploded' }))).toMatchObject({ status: 400, fields: ['state'] });
    expect(await fieldOf(await call('PATCH', `/api/v1/objects/${first.code}`, staff, {}))).toMatchObject({ status: 400 });

    const damaged = expectShape(cityObjectPageSchema, await (await call('GET', `/api/v1/objects?unit=${COMMUNITY}&state=damaged`, staff)).json());
    expect(damaged.items.map((o) => o.code)).toEqual([first.code]);
    expect(expectShape(unitSummarySchema, await (await call('GET', `/api/v1/units/${COMMUNITY}-07/summary`, staff)).json()).objects.byState.damaged).toBe(1);
  });

  it('registers a building at a point of the unit and houses in it; refuses a point outside the unit, a floor above the top, a room twice', async () => {
    const building07 = buildings.find((b) => b[0]!.startsWith(`${COMMUNITY}-07-`))!;
    const at07 = { longitude: Number(building07[3]) + 0.0002, latitude: Number(building07[4]) };
    const created = await call('POST', '/api/v1/buildings', staff, { name: '测试新楼', address: '测试路1号', floors: 6, location: at07 });
    expect(created.status).toBe(201);
    const b = expectShape(buildingViewSchema, await created.json());
    expect(b).toMatchObject({ gridCode: `${COMMUNITY}-07`, houses: 0, floors: 6, version: 1 });
    expect(b.code).toMatch(new RegExp(`^${COMMUNITY}-07-B\\d{3}$`));
    expect(b.code > buildings.filter((x) => x[0]!.startsWith(`${COMMUNITY}-07-`)).map((x) => x[0]!).sort().at(-1)!).toBe(true);
    expect(await fieldOf(await call('POST', '/api/v1/buildings', staff, { name: '别处', address: '别处', floors: 3, location: { longitude: 100, latitude: 10 } }))).toMatchObject({ status: 400, fields: ['location'] });
    expect(await fieldOf(await call('POST', '/api/v1/buildings', staff, { code: `${COMMUNITY}-08-B999`, name: '错格', address: '错格', floors: 3, location: at07 }))).toMatchObject({ status: 400, fields: ['code'] });
    expect(await fieldOf(await call('POST', '/api/v1/buildings', staff, { name: '楼', address: '路', floors: 2.5, location: at07 }))).toMatchObject({ status: 400, fields: ['floors'] });

    const house = await call('POST', '/api/v1/houses', staff, { buildingCode: b.code, floor: 3, room: '302', areaM2: 88.5, use: 'owner_occupied' });
    expect(house.status).toBe(201);
    expect(expectShape(houseViewSchema, await house.json())).toMatchObject({ code: `${b.code}-302`, gridCode: `${COMMUNITY}-07`, floor: 3, areaM2: 88.5, households: 0, residents: 0 });
    expect(await fieldOf(await call('POST', '/api/v1/houses', staff, { buildingCode: b.code, floor: 3, room: '302', areaM2: 80, use: 'rented' }))).toMatchObject({ status: 400, fields: ['room'] });
    expect(await fieldOf(await call('POST', '/api/v1/houses', staff, { buildingCode: b.code, floor: 9, room: '901', areaM2: 80, use: 'rented' }))).toMatchObject({ status: 400, fields: ['floor'] });
    expect(await fieldOf(await call('POST', '/api/v1/houses', staff, { buildingCode: 'NO-SUCH', floor: 1, room: '101', areaM2: 80, use: 'rented' }))).toMatchObject({ status: 400, fields: ['buildingCode'] });
    // Not below its highest house.
    expect(await fieldOf(await call('PATCH', `/api/v1/buildings/${b.code}`, staff, { floors: 2 }))).toMatchObject({ status: 400, fields: ['floors'] });
    const renamed = expectShape(buildingViewSchema, await (await call('PATCH', `/api/v1/buildings/${b.code}`, staff, { name: '测试新楼（更名）', floors: 7 })).json());
    expect(renamed).toMatchObject({ name: '测试新楼（更名）', floors: 7, houses: 1, version: 2 });
    expect((await history(`/api/v1/buildings/${b.code}`)).map((x) => x.action)).toEqual(['add', 'update']);
    const page = expectShape(buildingPageSchema, await (await call('GET', `/api/v1/buildings?unit=${COMMUNITY}-07&limit=200`, staff)).json());
    expect(page.items.map((x) => x.code)).toContain(b.code);
  });

  it('registers an organisation with a contact whose phone is kept encrypted and shown masked; changes are recorded without the values', async () => {
    const building07 = buildings.find((b) => b[0]!.startsWith(`${COMMUNITY}-07-`))!;
    const at07 = { longitude: Number(building07[3]), latitude: Number(building07[4]) + 0.0002 };
    const input = { name: '测试便利店', type: 'shop', address: '测试路2号', location: at07, contactName: '测试店主', contactPhone: '13800138000' };
    const created = await call('POST', '/api/v1/organisations', staff, input);
    expect(created.status).toBe(201);
    const o = expectShape(organisationViewSchema, await created.json());
    expect(o).toMatchObject({ gridCode: `${COMMUNITY}-07`, type: 'shop', contactName: '测试店主', contactPhone: '138****8000' });
    expect(o.code).toMatch(new RegExp(`^${COMMUNITY}-07-ORG\\d{3}$`));
    const c = new pg.Client({ connectionString: infra.db.url });
    await c.connect();
    try {
      const [row] = (await c.query<Record<string, unknown>>('SELECT * FROM base_data.organisations WHERE code = $1', [o.code])).rows;
      expect(JSON.stringify(row)).not.toContain('13800138000');
      expect(row!['contact_pii']).toBeInstanceOf(Buffer);
    } finally {
      await c.end();
    }
    expect(await fieldOf(await call('POST', '/api/v1/organisations', staff, { ...input, contactPhone: '999' }))).toMatchObject({ status: 400, fields: ['contactPhone'] });
    expect(await fieldOf(await call('POST', '/api/v1/organisations', staff, { ...input, type: 'castle' }))).toMatchObject({ status: 400, fields: ['type'] });
    expect(await fieldOf(await call('POST', '/api/v1/organisations', staff, { ...input, code: '350206001002-01-ORG001' }))).toMatchObject({ status: 400, fields: ['code'] });

    const changed = expectShape(organisationViewSchema, await (await call('PATCH', `/api/v1/organisations/${o.code}`, staff, { contactPhone: '13900139000', type: 'company' })).json());
    expect(changed).toMatchObject({ contactPhone: '139****9000', type: 'company', version: 2 });
    const last = (await history(`/api/v1/organisations/${o.code}`)).at(-1)!;
    expect(last).toMatchObject({ action: 'update', changes: { contact_phone: 'changed', type: { from: 'shop', to: 'company' } } });
    expect(JSON.stringify(last)).not.toContain('13900139000');
    expect(await lastEvent('base-data.record-changed.v1')).toMatchObject({ kind: 'organisation', code: o.code, fields: ['type', 'contact_phone'] });
    const cleared = expectShape(organisationViewSchema, await (await call('PATCH', `/api/v1/organisations/${o.code}`, staff, { contactPhone: null })).json());
    expect(cleared.contactPhone).toBeNull();
    const shops = expectShape(organisationPageSchema, await (await call('GET', `/api/v1/organisations?unit=${COMMUNITY}-07&name=${encodeURIComponent('测试便利')}`, staff)).json());
    expect(shops.items.map((x) => x.code)).toEqual([o.code]);
  });

  it("in a federation, changes are made at the tier that keeps the grid (its community): elsewhere they are refused naming that tier, and reads still work", async () => {
    const federated = (tier: string) =>
      startService({ configSchema: baseDataConfig.configSchema, module: (c, l) => baseData.AppModule.forRoot(c, l) }, infra.env({ TIER_CODE: tier, FEDERATION_ENABLED: 'true' }));
    const atStreet = await federated('350206001');
    const atCommunity = await federated(COMMUNITY);
    try {
      const at = (svc: TestService<baseDataConfig.AppConfig>, method: string, path: string, body?: unknown) =>
        fetch(`${svc.url}${path}`, { method, headers: { authorization: `Bearer ${staff}`, ...(body !== undefined && { 'content-type': 'application/json' }) }, ...(body !== undefined && { body: JSON.stringify(body) }) });
      const house = expectShape(housePageSchema, await (await at(atStreet, 'GET', `/api/v1/houses?unit=${COMMUNITY}-07&limit=1`)).json()).items[0]!;
      const use = house.use === 'rented' ? 'owner_occupied' : 'rented';

      const refused = await at(atStreet, 'PATCH', `/api/v1/houses/${house.code}`, { use });
      const body = expectShape(errorBodySchema, await refused.json());
      expect({ status: refused.status, code: body.code }).toEqual({ status: 409, code: 'BASE_DATA.NOT_OWNER' });
      expect(body.detail).toContain(`kept by tier ${COMMUNITY}`);
      expect(body.errors).toEqual([{ field: 'gridCode', message: expect.stringContaining(`kept by tier ${COMMUNITY}`) }]);
      // A move out of a grid the street does not keep is refused too, and nothing changed.
      const resident = expectShape(residentPageSchema, await (await at(atStreet, 'GET', `/api/v1/residents?unit=${COMMUNITY}-07&limit=1`)).json()).items[0]!;
      expect((await at(atStreet, 'POST', `/api/v1/residents/${resident.id}/move`, { householdCode: in08 })).status).toBe(409);
      expect(expectShape(residentViewSchema, await (await at(atStreet, 'GET', `/api/v1/residents/${resident.id}`)).json()).householdCode).toBe(resident.householdCode);
      expect(expectShape(houseViewSchema, await (await at(atStreet, 'GET', `/api/v1/houses/${house.code}`)).json()).use).toBe(house.use);

      const accepted = await at(atCommunity, 'PATCH', `/api/v1/houses/${house.code}`, { use });
      expect(accepted.status).toBe(200);
      expect(expectShape(houseViewSchema, await accepted.json())).toMatchObject({ use, version: house.version + 1 });
    } finally {
      await atStreet.close();
      await atCommunity.close();
    }
  });
});
