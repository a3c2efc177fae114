import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { DEFAULT_OPTIONS, generateDistrict } from '@gm/district-generator';
import type { ServiceConfig } from '@gm/platform';
import { startInfra, startService, type TestInfra, type TestService } from '@gm/testing';
import * as systemAdmin from '../../apps/system-admin/src/app.module';
import * as systemAdminConfig from '../../apps/system-admin/src/config/config';
import * as gis from '../../apps/gis/src/app.module';
import * as gisConfig from '../../apps/gis/src/config/config';

const ROOT = join(__dirname, '../..');
const MAIN = join(ROOT, 'apps/base-data/dist/main.js');

/** base-data's import command as an operator runs it: the built CLI, resident rows in worker threads. */
describe('base-data import CLI (built code, worker threads)', () => {
  let infra: TestInfra;
  let services: TestService<ServiceConfig>[];
  let dir: string;

  beforeAll(async () => {
    if (!existsSync(join(ROOT, 'apps/base-data/dist/imports/residents.worker.js'))) throw new Error('build first (npm test does)');
    infra = await startInfra();
    const env = infra.env();
    services = [
      (await startService({ configSchema: systemAdminConfig.configSchema, module: (c, l) => systemAdmin.AppModule.forRoot(c, l), streamedContentTypes: ['text/csv'] }, env)) as never,
      (await startService({ configSchema: gisConfig.configSchema, module: (c, l) => gis.AppModule.forRoot(c, l), streamedContentTypes: ['application/geo+json'] }, env)) as never,
    ];
    dir = mkdtempSync(join(tmpdir(), 'gm-cli-'));
    await generateDistrict({ ...DEFAULT_OPTIONS, seed: 3, scale: 0.2, streets: 2, communitiesPerStreet: [2, 2], gridRows: [2, 2], gridCols: [2, 2], out: dir });
    const admin = await infra.oidc.tokenFor('admin');
    const post = (url: string, type: string, file: string) => fetch(url, { method: 'POST', headers: { 'content-type': type, authorization: `Bearer ${admin}` }, body: readFileSync(join(dir, file)) });
    expect((await post(`${services[0]!.url}/api/v1/org-units/import`, 'text/csv', 'org-units.csv')).status).toBe(200);
    expect((await post(`${services[1]!.url}/api/v1/boundaries/import`, 'application/geo+json', 'boundaries.geojson')).status).toBe(200);
  });
  afterAll(async () => {
    await Promise.allSettled((services ?? []).map((s) => s.close()));
    await infra?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  function cli(args: string[]): Promise<{ code: number | null; stderr: string }> {
    return new Promise((resolve) => {
      const child = spawn(process.execPath, [MAIN, ...args], { env: { PATH: process.env['PATH'] ?? '', ...infra.env(), LOG_LEVEL: 'warn' }, stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.once('exit', (code) => resolve({ code, stderr }));
    });
  }

  it('imports a directory in dependency order, showing progress, and re-imports without changes', async () => {
    const first = await cli(['import-dir', dir]);
    expect(first.code).toBe(0);
    const residents = readFileSync(join(dir, 'residents.csv'), 'utf8').trim().split('\n').length - 1;
    expect(first.stderr).toMatch(new RegExp(`${residents.toLocaleString('en')} rows in [\\d.]+ s \\([\\d,]+ rows/s\\): ${residents} new`));
    const c = new pg.Client({ connectionString: infra.db.url });
    await c.connect();
    try {
      expect((await c.query('SELECT count(*)::int AS n FROM base_data.residents')).rows[0].n).toBe(residents);
    } finally {
      await c.end();
    }
    const again = await cli(['import', 'residents', join(dir, 'residents.csv')]);
    expect(again.code).toBe(0);
    expect(again.stderr).toContain(`0 new, 0 changed, ${residents} unchanged, 0 rejected`);
  });

  it('reports bad rows by line and exits 1, writing nothing', async () => {
    const lines = readFileSync(join(dir, 'residents.csv'), 'utf8').trim().split('\n');
    const bad = [...lines.slice(0, 3), lines[3]!.replace(/^(\d{17})./, (_m, first: string) => `${first}${first.endsWith('1') ? 'Y' : 'Y'}`), 'a,b'].join('\n');
    const file = join(dir, 'bad-residents.csv');
    writeFileSync(file, bad);
    const res = await cli(['import', 'residents', file]);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('IMPORT.REJECTED');
    expect(res.stderr).toContain('line 4: id_number: not an 18-character ID number');
    expect(res.stderr).toContain('line 5: (row): expected 10 columns, found 2');
  });

  it('cuts the file for its workers on record boundaries: a quoted name with a comma and a line break counts its lines', async () => {
    const lines = readFileSync(join(dir, 'residents.csv'), 'utf8').trim().split('\n');
    expect(lines.join('\n').length).toBeGreaterThan(2 * 256 * 1024 * 0.9); // more than one piece of 256 KiB
    const quoted = lines[2]!.split(',');
    quoted[1] = '"王,\n小明"';
    lines[2] = quoted.join(',');
    const middle = 3000;
    lines[middle] = 'a,b';
    const last = lines.length - 1;
    lines[last] = lines[last]!.replace(/^\d{17}./, (id) => `${id.slice(0, 17)}Y`);
    const file = join(dir, 'multiline-residents.csv');
    writeFileSync(file, lines.join('\n'));
    const res = await cli(['import', 'residents', file]);
    expect(res.code).toBe(1);
    // One more physical line after line 3 (the name's line break).
    expect(res.stderr).toContain(`line ${middle + 2}: (row): expected 10 columns, found 2`);
    expect(res.stderr).toContain(`line ${last + 2}: id_number: not an 18-character ID number`);
    expect(res.stderr).toContain('2 problem(s) in residents');
  });
});
