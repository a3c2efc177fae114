import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_OPTIONS, generateDistrict, type Manifest } from '@gm/district-generator';
import { csvImportResultSchema, errorBodySchema, namespace, orgUnitDetailSchema, orgUnitListSchema, Rpc } from '@gm/contracts';
import { RpcClient } from '@gm/messaging';
import { expectShape, startInfra, startService, TEST_TIER, type TestInfra, type TestService } from '@gm/testing';
import { AppModule } from '../app.module';
import { configSchema, type AppConfig } from '../config/config';

describe('system-admin: org tree and staff (CSV import through COPY, real PostgreSQL)', () => {
  let infra: TestInfra;
  let svc: TestService<AppConfig>;
  let admin: string;
  let dir: string;
  let manifest: Manifest;

  beforeAll(async () => {
    infra = await startInfra();
    svc = await startService({ configSchema, module: (c, l) => AppModule.forRoot(c, l), streamedContentTypes: ['text/csv'] }, infra.env());
    admin = await infra.oidc.tokenFor('admin');
    dir = mkdtempSync(join(tmpdir(), 'gm-org-'));
    manifest = await generateDistrict({ ...DEFAULT_OPTIONS, seed: 11, scale: 0.05, streets: 2, communitiesPerStreet: [2, 2], gridRows: [2, 2], gridCols: [2, 2], out: dir });
  });
  afterAll(async () => {
    await svc?.close();
    await infra?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const upload = (path: string, csv: string, token = admin, type = 'text/csv') =>
    fetch(`${svc.url}${path}`, { method: 'POST', headers: { 'content-type': type, authorization: `Bearer ${token}` }, body: csv });
  const get = (path: string) => fetch(`${svc.url}${path}`, { headers: { authorization: `Bearer ${admin}` } });
  const file = (name: string) => readFileSync(join(dir, name), 'utf8');

  it('imports the org tree and staff; re-importing changes nothing', async () => {
    const units = 1 + manifest.counts['streets']! + manifest.counts['communities']! + manifest.counts['grids']!;
    const first = await upload('/api/v1/org-units/import', file('org-units.csv'));
    expect(first.status).toBe(200);
    expect(expectShape(csvImportResultSchema, await first.json())).toMatchObject({ kind: 'org-units', rows: units, inserted: units, updated: 0, rejected: 0 });
    expect(await (await upload('/api/v1/org-units/import', file('org-units.csv'))).json()).toMatchObject({ inserted: 0, updated: 0, unchanged: units });

    const staff = await upload('/api/v1/staff/import', file('staff.csv'));
    expect(staff.status).toBe(200);
    expect(expectShape(csvImportResultSchema, await staff.json())).toMatchObject({ kind: 'staff', rows: manifest.counts['staff'], inserted: manifest.counts['staff'] });
  });

  it('shows a grid with its path and its A/B-paired grid workers', async () => {
    const grid = '350206001001-01';
    const res = expectShape(orgUnitDetailSchema, await (await get(`/api/v1/org-units/${grid}`)).json());
    expect(res.level).toBe('grid');
    expect(res.path.map((u) => u.code)).toEqual(['350206', '350206001', '350206001001', grid]);
    const workers = res.staff.filter((s) => s.post === 'grid-worker');
    expect(workers).toHaveLength(2);
    expect(workers[0]!.abPartner).toBe(workers[1]!.username);
    expect(workers[1]!.abPartner).toBe(workers[0]!.username);
    expect(res.staff.filter((s) => s.post === 'grid-leader')).toHaveLength(1);
    expect((await get('/api/v1/org-units/350206009009')).status).toBe(404);
  });

  it('lists a subtree by level, over HTTP and over NATS', async () => {
    const grids = expectShape(orgUnitListSchema, await (await get('/api/v1/org-units?under=350206001001&level=grid')).json());
    expect(grids.map((g) => g.code)).toEqual(['350206001001-01', '350206001001-02', '350206001001-03', '350206001001-04']);
    const rpc = new RpcClient({ servers: [infra.nats.url], namespace: namespace(infra.nats.namespace), tier: TEST_TIER, service: 'base-data' });
    try {
      const res = await rpc.request(Rpc.orgUnits, { level: 'grid' });
      expect(res.units).toHaveLength(manifest.counts['grids']!);
    } finally {
      await rpc.onApplicationShutdown();
    }
  });

  it('rejects a file with bad rows, naming each line, and writes none of it', async () => {
    const csv = [
      'code,name,level,parent_code',
      '350206001001-09,新网格,grid,350206001001',
      '350206001001-10,too,many,columns,here',
      '3502060010,坏代码,grid,350206001001',
      '350206001001-11,错层级,community,350206001001',
      '350206009001-01,无上级,grid,350206009001',
      '350206001001-09,重复,grid,350206001001',
    ].join('\n');
    const res = await upload('/api/v1/org-units/import', csv);
    expect(res.status).toBe(400);
    const body = expectShape(errorBodySchema, await res.json());
    expect(body.code).toBe('IMPORT.REJECTED');
    expect(body.errors?.map((e) => [e.line, e.field])).toEqual([
      [3, '(row)'],
      [4, 'code'],
      [5, 'level'],
    ]);
    expect((await get('/api/v1/org-units/350206001001-09')).status).toBe(404);
  });

  it('finds reference problems in the database pass, and imports the good rows when asked to (partial)', async () => {
    const csv = ['code,name,level,parent_code', '350206001001-09,新网格,grid,350206001001', '350206009001-01,无上级,grid,350206009001', '350206001001-09,重复,grid,350206001001'].join('\n');
    const strict = (await (await upload('/api/v1/org-units/import', csv)).json()) as { errors: { line: number; field: string }[] };
    expect(strict.errors.map((e) => [e.line, e.field])).toEqual([
      [3, 'parent_code'],
      [4, 'code'],
    ]);
    const partial = await upload('/api/v1/org-units/import?partial=true', csv);
    expect(partial.status).toBe(200);
    expect(expectShape(csvImportResultSchema, await partial.json())).toMatchObject({ inserted: 1, rejected: 2, errors: [{ line: 3 }, { line: 4 }] });
    expect((await get('/api/v1/org-units/350206001001-09')).status).toBe(200);
  });

  it('checks that A/B partners name each other', async () => {
    const csv = ['unit_code,username,display_name,post,employment,ab_partner', '350206001001-02,gw-x,演示甲,grid-worker,part-time,gw-y', '350206001001-02,gw-y,演示乙,grid-worker,part-time,'].join('\n');
    const res = (await (await upload('/api/v1/staff/import', csv)).json()) as { errors: { line: number; field: string; message: string }[] };
    expect(res.errors).toEqual([{ line: 2, field: 'ab_partner', message: 'gw-y does not name this person back as A/B partner' }]);
  });

  it('only admins import, and only CSV', async () => {
    expect((await upload('/api/v1/org-units/import', file('org-units.csv'), await infra.oidc.tokenFor('district'))).status).toBe(403);
    expect((await upload('/api/v1/org-units/import', '{}', admin, 'application/json')).status).toBe(415);
  });
});
