import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import pg from 'pg';
import { DEFAULT_OPTIONS, generateDistrict } from '@gm/district-generator';
import { DEFAULT_CATEGORIES } from '@gm/domain';
import {
  SYNTHETIC_PHONE,
  aReport,
  freePort,
  open311Contract,
  startInfra,
  startService,
  waitFor,
  type Open311Contract,
  type TestInfra,
  type TestService,
} from '@gm/testing';
import { AppModule } from '../app.module';
import { configSchema, type AppConfig } from '../config/config';

const ROOT = join(__dirname, '../../../..');
/** gis as deployed (the build is `npm test`'s first step): an app may not import another app, so it runs as its own process. */
const GIS_MAIN = join(ROOT, 'apps/gis/dist/main.js');
const API_KEY = 'fms-test-key-0123456789abcdef';

/** Personal fields a client may send: none may be stored, logged or published. */
const PERSONAL = {
  email: 'reporter.synthetic@example.invalid',
  first_name: '测试名甲',
  last_name: '样例姓乙',
  phone: SYNTHETIC_PHONE,
  device_id: 'device-7f3a9c2e41',
  account_id: 'acct-558214',
};

type Json = Record<string, unknown>;
type Fields = Record<string, string | string[]>;

const xmlParser = new XMLParser({
  parseTagValue: false,
  isArray: (name) => ['service', 'attribute', 'value', 'request', 'error', 'endpoint', 'format', 'request_update'].includes(name),
});

/** Starts the built gis with its own HTTP port on the test's database and NATS namespace. */
async function startGis(env: Record<string, string>): Promise<{ url: string; stop(): Promise<void> }> {
  if (!existsSync(GIS_MAIN)) throw new Error(`${GIS_MAIN} is missing: run the build first (npx tsc -b tsconfig.build.json; npm test does it)`);
  const port = await freePort();
  const child: ChildProcess = spawn(process.execPath, [GIS_MAIN], {
    env: { PATH: process.env['PATH'] ?? '', ...env, HTTP_PORT: String(port), LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitFor('gis to be ready', async () => (await fetch(`${url}/readyz`)).status === 200, 30_000);
  } catch (err) {
    child.kill('SIGKILL');
    throw new Error(`${(err as Error).message}\n${stderr}`);
  }
  return {
    url,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const hard = setTimeout(() => child.kill('SIGKILL'), 5000);
      child.kill('SIGTERM');
      await exited;
      clearTimeout(hard);
    },
  };
}

describe('public-sentiment: Open311 GeoReport v2 (real PostgreSQL/PostGIS, NATS, OIDC, gis)', () => {
  let infra: TestInfra;
  let gis: Awaited<ReturnType<typeof startGis>>;
  let svc: TestService<AppConfig>;
  let db: pg.Client;
  let contract: Open311Contract;
  let dir: string;
  const tokens: Record<string, string> = {};
  /** Inside grid 350206001001-01 of the generated district (the `community` user's subtree), and in another community. */
  let point: { lat: string; long: string; grid: string };
  let otherPoint: { lat: string; long: string; grid: string };

  beforeAll(async () => {
    infra = await startInfra();
    contract = await open311Contract();
    dir = mkdtempSync(join(tmpdir(), 'gm-open311-'));
    await generateDistrict({ ...DEFAULT_OPTIONS, seed: 11, scale: 0.01, streets: 2, communitiesPerStreet: [2, 2], gridRows: [2, 2], gridCols: [2, 2], out: dir });
    const boundaries = readFileSync(join(dir, 'boundaries.geojson'), 'utf8');
    const grids = (JSON.parse(boundaries) as { features: { properties: { code: string; level: string }; geometry: { coordinates: number[][][] } }[] }).features.filter(
      (f) => f.properties.level === 'grid',
    );
    const centre = (code: string) => {
      const ring = grids.find((g) => g.properties.code === code)!.geometry.coordinates[0]!;
      return { long: String((ring[0]![0]! + ring[2]![0]!) / 2), lat: String((ring[0]![1]! + ring[2]![1]!) / 2), grid: code };
    };
    point = centre('350206001001-01');
    otherPoint = centre('350206001002-01');

    gis = await startGis(infra.env());
    for (const user of ['admin', 'community', 'department']) tokens[user] = await infra.oidc.tokenFor(user);
    const imported = await fetch(`${gis.url}/api/v1/boundaries/import`, {
      method: 'POST',
      headers: { 'content-type': 'application/geo+json', authorization: `Bearer ${tokens['admin']}` },
      body: boundaries,
    });
    expect(imported.status).toBe(200);

    svc = await startService({ configSchema, module: (c, l) => AppModule.forRoot(c, l) }, infra.env({ OPEN311_API_KEYS: `fixmystreet:${API_KEY}`, CASE_DEADLINE_SCAN_MS: '0' }));
    db = new pg.Client({ connectionString: infra.db.url });
    await db.connect();
  });

  afterAll(async () => {
    await db?.end();
    await svc?.close();
    await gis?.stop();
    await infra?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const url = (path: string) => `${svc.url}/open311/v2/${path}`;
  const getJson = async (path: string) => {
    const res = await fetch(url(path));
    const text = await res.text();
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    return { status: res.status, body: JSON.parse(text) as unknown };
  };
  /** A well-formed XML document (checked by a real parser), parsed. */
  const getXml = async (path: string, init?: RequestInit) => {
    const res = await fetch(url(path), init);
    const text = await res.text();
    expect(res.headers.get('content-type')).toMatch(/^text\/xml/);
    expect(XMLValidator.validate(text)).toBe(true);
    expect(text.startsWith('<?xml version="1.0" encoding="utf-8"?>')).toBe(true);
    return { status: res.status, doc: xmlParser.parse(text) as Record<string, unknown>, text };
  };
  const form = (fields: Fields) => {
    const p = new URLSearchParams();
    for (const [k, v] of Object.entries(fields)) for (const x of Array.isArray(v) ? v : [v]) p.append(k, x);
    return p.toString();
  };
  const post = async (fields: Fields, format = 'json', headers: Record<string, string> = {}) => {
    const res = await fetch(url(`requests.${format}`), { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body: form(fields) });
    return { status: res.status, type: res.headers.get('content-type') ?? '', text: await res.text() };
  };
  const postJson = async (fields: Fields, headers: Record<string, string> = {}) => {
    const r = await post(fields, 'json', headers);
    return { status: r.status, body: JSON.parse(r.text) as Json[] };
  };
  /** A valid report of exposed garbage at `point`. */
  const garbage = (overrides: Fields = {}): Fields => ({
    api_key: API_KEY,
    jurisdiction_id: '350206',
    service_code: 'SJ0101',
    lat: point.lat,
    long: point.long,
    address_string: '演示小区东门 (demo estate, east gate)',
    description: '东门垃圾桶满溢 (bins overflowing at the east gate)',
    ...overrides,
  });
  /** Expects the spec's error array with this status (every entry carries it as code), and returns the descriptions. */
  const expectErrors = (status: number, res: { status: number; body: unknown }) => {
    expect(res.status).toBe(status);
    expect(Array.isArray(res.body)).toBe(true);
    const errors = res.body as { code: number; description: string }[];
    expect(errors.length).toBeGreaterThan(0);
    for (const e of errors) {
      expect(e.code).toBe(status);
      expect(e.description).toMatch(/[\u4e00-\u9fff]/);
    }
    return errors.map((e) => e.description);
  };
  const caseCount = async () => Number((await db.query(`SELECT count(*) FROM public_sentiment.cases`)).rows[0].count);
  const act = async (user: string, caseNo: string, action: string, body: Json = {}) => {
    const id = (await db.query(`SELECT id FROM public_sentiment.cases WHERE case_no = $1`, [caseNo])).rows[0].id as string;
    const res = await fetch(`${svc.url}/api/v1/cases/${id}/actions/${action}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tokens[user]}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (res.status !== 200) throw new Error(`${action}: ${res.status} ${await res.text()}`);
  };
  const requestById = async (id: string) => {
    const res = await getJson(`requests/${id}.json`);
    expect(res.status).toBe(200);
    contract.check('requests', res.body);
    return (res.body as Json[])[0]!;
  };
  const created = async (fields: Fields = garbage()) => {
    const res = await postJson(fields);
    if (res.status !== 200) throw new Error(`create: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body[0] as { service_request_id: string; token: string; service_notice: string; account_id: null };
  };


  describe('discovery and services', () => {
    it('discovery in JSON and XML names this endpoint, its formats and the spec', async () => {
      const json = await getJson('discovery.json');
      expect(json.status).toBe(200);
      expect(json.body).toMatchObject({
        changeset: expect.any(String),
        contact: expect.stringMatching(/[\u4e00-\u9fff]/),
        key_service: expect.stringContaining('api_key'),
        endpoints: [{ specification: 'http://wiki.open311.org/GeoReport_v2', url: `${svc.url}/open311/v2`, type: 'production', formats: ['text/xml', 'application/json'] }],
      });
      const xml = await getXml('discovery.xml');
      const d = xml.doc['discovery'] as Json;
      expect(Object.keys(d)).toEqual(['changeset', 'contact', 'key_service', 'endpoints']);
      const endpoint = (d['endpoints'] as { endpoint: Json[] }).endpoint[0]!;
      expect(Object.keys(endpoint)).toEqual(['specification', 'url', 'changeset', 'type', 'formats']);
      expect((endpoint['formats'] as { format: string[] }).format).toEqual(['text/xml', 'application/json']);
    });

    it('lists one service per category in JSON (valid against services.json) and XML', async () => {
      const json = await getJson('services.json?jurisdiction_id=350206');
      expect(json.status).toBe(200);
      contract.check('services', json.body);
      const services = json.body as Json[];
      expect(services.map((s) => s['service_code'])).toEqual(DEFAULT_CATEGORIES.map((c) => c.code));
      expect(services.find((s) => s['service_code'] === 'SJ0101')).toMatchObject({ service_name: '暴露垃圾 Exposed garbage', metadata: true, type: 'realtime', group: expect.stringContaining('市容环境') });
      const xml = await getXml('services.xml');
      const items = (xml.doc['services'] as { service: Json[] }).service;
      expect(items).toHaveLength(DEFAULT_CATEGORIES.length);
      expect(Object.keys(items[0]!)).toEqual(['service_code', 'service_name', 'description', 'metadata', 'type', 'keywords', 'group']);
    });

    it('gives the service definition with typed attributes in JSON (valid) and XML', async () => {
      const json = await getJson('services/BJ0110.json');
      expect(json.status).toBe(200);
      contract.check('service-definition', json.body);
      expect(json.body).toMatchObject({
        service_code: 'BJ0110',
        attributes: [
          { code: 'fault', datatype: 'singlevaluelist', required: true, variable: true, order: 1, values: expect.arrayContaining([{ key: 'dark', name: '不亮 Not lit' }]) },
          { code: 'pole_no', datatype: 'string', required: false, order: 2 },
        ],
      });
      const xml = await getXml('services/SJ0102.xml');
      const def = xml.doc['service_definition'] as { service_code: string; attributes: { attribute: Json[] } };
      expect(def.service_code).toBe('SJ0102');
      expect(def.attributes.attribute.map((a) => a['code'])).toEqual(['floors', 'area_m2', 'stage']);
      expect(Object.keys(def.attributes.attribute[2]!)).toEqual(['variable', 'code', 'datatype', 'required', 'datatype_description', 'order', 'description', 'values']);
      expect((def.attributes.attribute[2]!['values'] as { value: Json[] }).value[0]).toEqual({ key: 'building', name: '正在施工 Being built' });
    });

    it('answers an unknown service code with 404 (GeoReport v2), another jurisdiction with 400 and an unknown format with 404, as error arrays', async () => {
      expect(expectErrors(404, await getJson('services/SJ9999.json'))[0]).toContain('service_code');
      expect(expectErrors(400, await getJson('services.json?jurisdiction_id=350203'))[0]).toContain('jurisdiction_id');
      expectErrors(404, await getJson('services.html'));
      const xml = await getXml('services/SJ9999.xml');
      expect(xml.status).toBe(404);
      expect((xml.doc['errors'] as { error: Json[] }).error[0]).toMatchObject({ code: '404', description: expect.stringContaining('service_code') });
    });

    it('answers failures that happen before a route handler in the same shape: unknown path or method, unsupported or oversized body', async () => {
      expectErrors(404, await getJson('nothing-here.json'));
      const unknownXml = await getXml('nothing-here.xml');
      expect(unknownXml.status).toBe(404);
      expect((unknownXml.doc['errors'] as { error: Json[] }).error).toHaveLength(1);
      const put = await fetch(url('requests.json'), { method: 'PUT' });
      expectErrors(404, { status: put.status, body: await put.json() });
      const multipart = await fetch(url('requests.json'), {
        method: 'POST',
        headers: { 'content-type': 'multipart/form-data; boundary=x' },
        body: '--x\r\nContent-Disposition: form-data; name="api_key"\r\n\r\nk\r\n--x--\r\n',
      });
      expectErrors(400, { status: multipart.status, body: await multipart.json() });
      const huge = await fetch(url('requests.json'), { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `description=${'x'.repeat(2 * 1024 * 1024)}` });
      expectErrors(400, { status: huge.status, body: await huge.json() });
      // Other routes keep the platform's error body.
      const platform = await fetch(`${svc.url}/api/v1/nothing-here`);
      expect(((await platform.json()) as Json)['code']).toBe('REQUEST.ROUTE_NOT_FOUND');
    });
  });

  describe('creating requests', () => {
    it('refuses a POST without api_key, or with a wrong one, with 403 and stores nothing', async () => {
      const before = await caseCount();
      const { api_key: _none, ...noKey } = garbage();
      expect(expectErrors(403, await postJson(noKey))[0]).toContain('api_key');
      expectErrors(403, await postJson(garbage({ api_key: 'fms-test-key-0123456789abcdeX' })));
      expectErrors(403, await postJson(garbage({ api_key: '' })));
      const xml = await post(noKey, 'xml');
      expect(xml.status).toBe(403);
      expect(XMLValidator.validate(xml.text)).toBe(true);
      expect(xml.text).toContain('<errors><error><code>403</code><description>');
      expect(await caseCount()).toBe(before);
    });

    it('refuses an unknown service code, another jurisdiction, a missing or bad location, each with 400 naming the field', async () => {
      const before = await caseCount();
      expect(expectErrors(400, await postJson(garbage({ service_code: 'SJ9999' })))[0]).toContain('service_code');
      expect(expectErrors(400, await postJson(garbage({ service_code: '' })))[0]).toContain('service_code');
      expect(expectErrors(400, await postJson(garbage({ jurisdiction_id: '350203' })))[0]).toContain('jurisdiction_id');
      const { lat: _lat, long: _long, ...noPoint } = garbage();
      expect(expectErrors(400, await postJson(noPoint))).toEqual([expect.stringMatching(/^lat: /), expect.stringMatching(/^long: /)]);
      expect(expectErrors(400, await postJson(garbage({ lat: '91', long: 'east' })))).toEqual([expect.stringMatching(/^lat: /), expect.stringMatching(/^long: /)]);
      expect(expectErrors(400, await postJson(garbage({ media_url: 'javascript:alert(1)' })))[0]).toMatch(/^media_url: /);
      expect(await caseCount()).toBe(before);
    });

    it('refuses a point outside every grid with 400 and a clear description', async () => {
      const errors = expectErrors(400, await postJson(garbage({ lat: '30', long: '100' })));
      expect(errors).toEqual(['lat: 该位置不在本辖区任何网格内 the point lies in no grid of this jurisdiction']);
    });

    it('checks attributes against the service definition: required, datatype, list values, unknown ones', async () => {
      const lamp = (attrs: Fields) => garbage({ service_code: 'BJ0110', ...attrs });
      expect(expectErrors(400, await postJson(lamp({})))).toEqual([expect.stringMatching(/^attribute\[fault\]: 必填 required/)]);
      expect(expectErrors(400, await postJson(lamp({ 'attribute[fault]': 'exploded' })))[0]).toMatch(/^attribute\[fault\]: /);
      expect(expectErrors(400, await postJson(lamp({ 'attribute[fault]': 'dark', 'attribute[colour]': 'red' })))).toEqual([expect.stringMatching(/^attribute\[colour\]: /)]);
      const dispute = garbage({ service_code: 'SJ0901', 'attribute[households]': 'two' });
      expect(expectErrors(400, await postJson(dispute))).toEqual([expect.stringMatching(/^attribute\[households\]: 须为数字/)]);
      expect(expectErrors(400, await postJson(garbage({ service_code: 'SJ0102', 'attribute[floors]': '2.5' })))[0]).toMatch(/^attribute\[floors\]: /);
    });

    it('creates a case through the same intake as every channel: channel open311, a pseudonymous reporter, attributes and media link stored, nothing personal kept, logged or published', async () => {
      const res = await postJson(
        garbage({
          service_code: 'BJ0110',
          'attribute[fault]': 'dark',
          'attribute[pole_no]': 'LD-0042',
          media_url: 'https://media.example.org/reports/lamp-0042.jpg',
          ...PERSONAL,
        }),
      );
      expect(res.status).toBe(200);
      expect(res.body).toEqual([{ service_request_id: expect.stringMatching(/^350206-\d{8}-\d{6}$/), token: expect.any(String), service_notice: expect.stringMatching(/[\u4e00-\u9fff]/), account_id: null }]);
      const { service_request_id: caseNo, token } = res.body[0] as { service_request_id: string; token: string };

      const row = (await db.query(`SELECT * FROM public_sentiment.cases WHERE case_no = $1`, [caseNo])).rows[0] as Json;
      expect(row).toMatchObject({
        id: token,
        channel: 'open311',
        state: 'reported',
        category_code: 'BJ0110',
        grid_code: point.grid,
        reporter_subject: 'open311:fixmystreet',
        reporter_role: 'public',
        attributes: { fault: 'dark', pole_no: 'LD-0042' },
        media_url: 'https://media.example.org/reports/lamp-0042.jpg',
        address: '演示小区东门 (demo estate, east gate)',
      });
      const event = (await db.query(`SELECT type, payload FROM public_sentiment.outbox WHERE payload->>'subject' = $1`, [token])).rows as { type: string; payload: Json }[];
      expect(event.map((e) => e.type)).toEqual(['gm.case.reported.v1']);
      expect((event[0]!.payload['data'] as Json)['channel']).toBe('open311');
      expect((event[0]!.payload['data'] as Json)['reporter']).toEqual({ subject: 'open311:fixmystreet', role: 'public' });

      const stored = JSON.stringify([row, event, (await db.query(`SELECT * FROM public_sentiment.case_transitions WHERE case_id = $1`, [token])).rows]);
      const published = JSON.stringify(await requestById(caseNo));
      for (const value of Object.values(PERSONAL)) {
        expect(stored).not.toContain(value);
        expect(svc.logs.text()).not.toContain(value);
        expect(published).not.toContain(value);
      }
      expect(svc.logs.text()).not.toContain(API_KEY);
      expect(svc.logs.entries().some((l) => l['msg'] === 'open311.request_created' && l['client'] === 'fixmystreet')).toBe(true);
    });

    it('answers in XML as <service_requests><request>', async () => {
      const res = await post(garbage(), 'xml');
      expect(res.status).toBe(200);
      expect(res.type).toMatch(/^text\/xml/);
      expect(XMLValidator.validate(res.text)).toBe(true);
      const request = (xmlParser.parse(res.text) as { service_requests: { request: Json[] } }).service_requests.request;
      expect(request).toHaveLength(1);
      expect(Object.keys(request[0]!)).toEqual(['service_request_id', 'token', 'service_notice', 'account_id']);
    });

    it('takes the fields from the query string too, and a multivaluelist as attribute[code][]', async () => {
      const fields = garbage({ 'attribute[waste_kind][]': ['household', 'bulky'] });
      const res = await fetch(url(`requests.json?${form({ api_key: API_KEY })}`), {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: form(Object.fromEntries(Object.entries(fields).filter(([k]) => k !== 'api_key'))),
      });
      expect(res.status).toBe(200);
      const caseNo = ((await res.json()) as Json[])[0]!['service_request_id'];
      expect((await db.query(`SELECT attributes FROM public_sentiment.cases WHERE case_no = $1`, [caseNo])).rows[0].attributes).toEqual({ waste_kind: ['household', 'bulky'] });
    });

    it('with an Idempotency-Key a retry returns the first request; another report under that key is a 400', async () => {
      const key = randomUUID();
      const first = await postJson(garbage(), { 'idempotency-key': key });
      const again = await postJson(garbage(), { 'idempotency-key': key });
      expect(again.body).toEqual(first.body);
      expectErrors(400, await postJson(garbage({ description: '另一件事 something else' }), { 'idempotency-key': key }));
      expectErrors(400, await postJson(garbage(), { 'idempotency-key': 'bad key!' }));
    });
  });

  describe('reading requests', () => {
    it('one request by id in JSON (valid) and XML; an unknown id is 404', async () => {
      const { service_request_id: id } = await created();
      const r = await requestById(id);
      expect(r).toMatchObject({
        service_request_id: id,
        status: 'open',
        status_notes: '已收到，待受理 Received, awaiting acceptance',
        service_code: 'SJ0101',
        service_name: '暴露垃圾 Exposed garbage',
        description: '东门垃圾桶满溢 (bins overflowing at the east gate)',
        agency_responsible: '城市管理部门 Urban management',
        address: '演示小区东门 (demo estate, east gate)',
        lat: Number(point.lat),
        long: Number(point.long),
        expected_datetime: expect.any(String),
      });
      const xml = await getXml(`requests/${id}.xml`);
      const request = (xml.doc['service_requests'] as { request: Json[] }).request;
      expect(request).toHaveLength(1);
      expect(Object.keys(request[0]!)).toEqual([
        'service_request_id', 'status', 'status_notes', 'service_name', 'service_code', 'description', 'agency_responsible', 'service_notice',
        'requested_datetime', 'updated_datetime', 'expected_datetime', 'address', 'address_id', 'zipcode', 'lat', 'long', 'media_url',
      ]);
      expectErrors(404, await getJson('requests/350206-20000101-999999.json'));
      expectErrors(404, await getJson(`requests/${randomUUID()}.json`));
      expect((await getXml('requests/350206-20000101-999999.xml')).status).toBe(404);
    });

    it('resolves a token (the case id) to its request id; an unknown token is 404', async () => {
      const { service_request_id: id, token } = await created();
      const json = await getJson(`tokens/${token}.json`);
      expect(json).toEqual({ status: 200, body: [{ service_request_id: id, token }] });
      const xml = await getXml(`tokens/${token}.xml`);
      expect((xml.doc['service_requests'] as { request: Json[] }).request[0]).toEqual({ service_request_id: id, token });
      expectErrors(404, await getJson(`tokens/${randomUUID()}.json`));
      expectErrors(404, await getJson('tokens/not-a-token.json'));
    });

    it('lists requests with the spec filters and pages; every answer valid against requests.json', async () => {
      const since = new Date().toISOString();
      const mine = [];
      for (let i = 0; i < 3; i++) mine.push((await created(garbage({ service_code: 'SJ0102', 'attribute[floors]': String(i + 1) }))).service_request_id);
      const other = (await created(garbage({ service_code: 'SJ0201', lat: otherPoint.lat, long: otherPoint.long }))).service_request_id;
      const list = async (query: string) => {
        const res = await getJson(`requests.json?${query}`);
        expect(res.status).toBe(200);
        contract.check('requests', res.body);
        return (res.body as Json[]).map((r) => r['service_request_id'] as string);
      };
      // Newest first.
      expect(await list(`service_code=SJ0102&start_date=${encodeURIComponent(since)}`)).toEqual([...mine].reverse());
      expect(await list(`service_code=SJ0102,SJ0201&start_date=${encodeURIComponent(since)}&status=open`)).toEqual([other, ...[...mine].reverse()]);
      expect(await list(`service_code=SJ0102&start_date=${encodeURIComponent(since)}&status=closed`)).toEqual([]);
      const page1 = await list(`service_code=SJ0102&start_date=${encodeURIComponent(since)}&page_size=2`);
      const page2 = await list(`service_code=SJ0102&start_date=${encodeURIComponent(since)}&page_size=2&page=2`);
      expect([...page1, ...page2]).toEqual([...mine].reverse());
      expect(page1).toHaveLength(2);
      expect(await list(`service_request_id=${mine[0]},${other},350206-20000101-999999&service_code=BJ0101`)).toEqual([other, mine[0]]);
      expect(await list(`end_date=${encodeURIComponent(since)}&service_code=SJ0201`)).not.toContain(other);

      const xml = await getXml(`requests.xml?service_code=SJ0102&start_date=${encodeURIComponent(since)}`);
      expect((xml.doc['service_requests'] as { request: Json[] }).request.map((r) => r['service_request_id'])).toEqual([...mine].reverse());
    });

    it('by default shows the last 90 days only, and refuses bad filters with 400 naming them', async () => {
      const { service_request_id: old } = await created();
      await db.query(`UPDATE public_sentiment.cases SET reported_at = now() - interval '100 days' WHERE case_no = $1`, [old]);
      const recent = (await getJson('requests.json?page_size=200')).body as Json[];
      expect(recent.map((r) => r['service_request_id'])).not.toContain(old);
      expect(((await getJson(`requests.json?service_request_id=${old}`)).body as Json[])).toHaveLength(1);
      for (const [query, field] of [
        ['page_size=201', 'page_size'],
        ['page_size=0', 'page_size'],
        ['page=0', 'page'],
        ['status=pending', 'status'],
        ['start_date=yesterday', 'start_date'],
        ['start_date=2026-01-01T00:00:00Z&end_date=2026-06-01T00:00:00Z', 'end_date'],
        ['start_date=2026-06-01T00:00:00Z&end_date=2026-01-01T00:00:00Z', 'end_date'],
        ['service_code=SJ9999', 'service_code'],
        ['jurisdiction_id=350203', 'jurisdiction_id'],
      ] as const) {
        expect(expectErrors(400, await getJson(`requests.json?${query}`))[0]).toMatch(new RegExp(`^${field}: `));
      }
    });

    it('masks phone numbers in descriptions, and keeps the text and address of a sensitive matter private', async () => {
      const desk = await fetch(`${svc.url}/api/v1/cases`, {
        method: 'POST',
        headers: { authorization: `Bearer ${tokens['community']}`, 'content-type': 'application/json' },
        body: JSON.stringify(aReport({ gridCode: point.grid, description: `楼道堆放杂物，联系 ${SYNTHETIC_PHONE}`, location: { latitude: Number(point.lat), longitude: Number(point.long) } })),
      });
      expect(desk.status).toBe(201);
      const deskNo = ((await desk.json()) as { caseNo: string }).caseNo;
      const deskRequest = await requestById(deskNo);
      expect(deskRequest['description']).toBe('楼道堆放杂物，联系 140****8000');

      const { service_request_id: dispute } = await created(garbage({ service_code: 'SJ0901', 'attribute[households]': '2', description: '502 与 602 因漏水争执' }));
      expect(await requestById(dispute)).toMatchObject({ description: null, address: null, lat: Math.round(Number(point.lat) * 1000) / 1000 });
    });

    it('never shows a case of another tier, by id, by token or in the list', async () => {
      const id = randomUUID();
      const caseNo = '350203-20261201-000001';
      await db.query(
        `INSERT INTO public_sentiment.cases (id, case_no, state, category_code, urgency, grid_code, location, description, reported_at, channel,
           reporter_subject, reporter_role, reporter_unit, idempotency_key, request_hash)
         VALUES ($1::uuid, $2, 'reported', 'SJ0101', 'normal', '350203001001-01', ST_SetSRID(ST_MakePoint(118.1, 24.5), 4326), 'elsewhere', now(), 'desk',
           'someone', 'community-staff', '350203001001', $1::text, 'x')`,
        [id, caseNo],
      );
      expectErrors(404, await getJson(`requests/${caseNo}.json`));
      expectErrors(404, await getJson(`tokens/${id}.json`));
      expect(((await getJson(`requests.json?service_request_id=${caseNo}`)).body as Json[])).toEqual([]);
      expect(((await getJson('requests.json?page_size=200&service_code=SJ0101')).body as Json[]).map((r) => r['service_request_id'])).not.toContain(caseNo);
    });
  });

  describe('the workflow as clients see it', () => {
    it('after each staff action the status notes and times change and the update feed lists the public steps; closed is closed', async () => {
      const start = new Date().toISOString();
      const { service_request_id: id } = await created(garbage({ media_url: 'https://media.example.org/reports/bins.jpg' }));
      const fresh = await requestById(id);
      expect(fresh['media_url']).toBe('https://media.example.org/reports/bins.jpg');

      await act('community', id, 'accept');
      const accepted = await requestById(id);
      expect(accepted['status']).toBe('open');
      expect(accepted['status_notes']).toBe('已受理 Accepted');
      expect(new Date(accepted['updated_datetime'] as string).getTime()).toBeGreaterThan(new Date(fresh['updated_datetime'] as string).getTime());
      expect(accepted['expected_datetime']).not.toBe(fresh['expected_datetime']);

      await act('community', id, 'register');
      await act('community', id, 'urge', { note: '内部督办，请今日处理 (internal)' });
      await act('community', id, 'dispatch', { assignee: { kind: 'department', code: 'urban-management' } });
      expect((await requestById(id))['status_notes']).toBe('已派遣至城市管理部门 Dispatched to Urban management');
      await act('department', id, 'handle', { note: '已清运完毕', evidence: ['cases/demo/after.jpg'] });
      await act('community', id, 'verify');
      await act('community', id, 'close');
      const closed = await requestById(id);
      expect(closed).toMatchObject({ status: 'closed', status_notes: '已结案 Closed', expected_datetime: null });

      const updates = await getJson(`servicerequestupdates.json?start_date=${encodeURIComponent(start)}&page_size=200`);
      expect(updates.status).toBe(200);
      const ours = (updates.body as Json[]).filter((u) => u['service_request_id'] === id);
      expect(ours.map((u) => [u['status'], u['description']])).toEqual([
        ['open', '已受理 Accepted'],
        ['open', '已立案 Registered'],
        ['open', '已派遣至城市管理部门 Dispatched to Urban management'],
        ['open', '已处置，待核查 Handled, to be verified：已清运完毕'],
        ['open', '已现场核查 Verified on site'],
        ['closed', '已结案 Closed'],
      ]);
      for (const u of ours) expect(Object.keys(u)).toEqual(['update_id', 'service_request_id', 'status', 'updated_datetime', 'description', 'media_url']);
      expect(ours[ours.length - 1]!['updated_datetime']).toBe(closed['updated_datetime']);
      expect(JSON.stringify(updates.body)).not.toContain('内部督办');
      expect(JSON.stringify(updates.body)).not.toContain('cases/demo/after.jpg');

      const xml = await getXml(`servicerequestupdates.xml?start_date=${encodeURIComponent(start)}&page_size=200`);
      const items = (xml.doc['service_request_updates'] as { request_update: Json[] }).request_update.filter((u) => u['service_request_id'] === id);
      expect(items.map((u) => u['status'])).toEqual(['open', 'open', 'open', 'open', 'open', 'closed']);
      expect(Object.keys(items[0]!)).toEqual(['update_id', 'service_request_id', 'status', 'updated_datetime', 'description', 'media_url']);

      const firstPage = (await getJson(`servicerequestupdates.json?start_date=${encodeURIComponent(start)}&page_size=1`)).body as Json[];
      expect(firstPage).toHaveLength(1);
      expectErrors(400, await getJson('servicerequestupdates.json?start_date=2026-01-01T00:00:00Z&end_date=2026-12-01T00:00:00Z'));
    });

    it('a rejected request is closed, with the reason as status notes', async () => {
      const { service_request_id: id } = await created();
      await act('community', id, 'reject', { reason: '非本辖区事务，已告知 (not ours)' });
      expect(await requestById(id)).toMatchObject({ status: 'closed', status_notes: '不予受理 Not accepted：非本辖区事务，已告知 (not ours)' });
      const closedOnes = (await getJson('requests.json?status=closed&page_size=200')).body as Json[];
      expect(closedOnes.map((r) => r['service_request_id'])).toContain(id);
      expect(closedOnes.every((r) => r['status'] === 'closed')).toBe(true);
    });
  });
});
