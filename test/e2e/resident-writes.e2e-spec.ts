import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { DEFAULT_OPTIONS, generateDistrict } from '@gm/district-generator';
import { errorBodySchema, namespace, residentPageSchema, residentViewSchema, streamName, Streams, unitSummarySchema } from '@gm/contracts';
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

describe('base-data: residents registered, moved, leaving and deceased by hand (real PostgreSQL, NATS)', () => {
  let infra: TestInfra;
  let services: TestService<ServiceConfig>[];
  let bd: TestService<baseDataConfig.AppConfig>;
  let dir: string;
  let staff: string;
  /** Households of the demo community's grids -07 and -08, and one of the neighbouring community. */
  let in07: string;
  let in08: string;
  let neighbours: string;

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
    for (const kind of ['buildings', 'houses', 'households', 'residents']) expect((await post(`${bd.url}/api/v1/imports/${kind}`, 'text/csv', csv(`${kind}.csv`))).status).toBe(200);
    const households = csv('households.csv').trim().split('\n').slice(1).map((l) => l.split(','));
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
});
