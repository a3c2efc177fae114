import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NATS_SERVER_BINARY } from '@gm/testing';

const CLI = join(__dirname, '../../deploy/local/dist/federation.js');

const ORG_UNITS = [
  'code,name,level,parent_code',
  '350206,示范区,district,',
  '350206001,甲街道,street,350206',
  '350206002,乙街道,street,350206',
  '350206001001,一社区,community,350206001',
  '350206001002,二社区,community,350206001',
  '350206001001-01,一网格,grid,350206001001',
  '350206001001-02,二网格,grid,350206001001',
  '350206001001-03,三网格,grid,350206001001',
].join('\n');

describe('the federation topology CLI (built code, real nats-server config parsing)', () => {
  let dir: string;
  const run = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });

  beforeAll(() => {
    if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run the build (npm test does it first)`);
    dir = mkdtempSync(join(tmpdir(), 'gm-fed-cli-'));
    writeFileSync(join(dir, 'org-units.csv'), `${ORG_UNITS}\n`);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes the default chain (district → street → community → two grids), each config valid for nats-server', () => {
    const out = join(dir, 'fed');
    const res = run('--org-units', join(dir, 'org-units.csv'), '--out', out);
    expect(res.status).toBe(0);
    const tiers = ['350206', '350206001', '350206001001', '350206001001-01', '350206001001-02'];
    for (const code of tiers) {
      const conf = join(out, code, 'nats.conf');
      // nats-server's own check of the file (-t: test the configuration and exit).
      execFileSync(NATS_SERVER_BINARY(), ['-c', conf, '-t'], { stdio: 'pipe' });
      expect(statSync(conf).mode & 0o077).toBe(0);
    }
    const community = readFileSync(join(out, '350206001001', 'nats.conf'), 'utf8');
    expect(community).toContain('user: "leaf_350206001001_01"');
    expect(community).toContain('user: "leaf_350206001001_02"');
    expect(community).not.toContain('leaf_350206001001_03');
    const streams = JSON.parse(readFileSync(join(out, '350206001001', 'streams.json'), 'utf8')) as { name: string }[];
    expect(streams.map((s) => s.name)).toEqual(['UPLINK', 'DOWNLINK_IN', 'UPLINK_AGG', 'DOWNLINK']);
    expect(statSync(join(out, 'credentials.json')).mode & 0o077).toBe(0);
  });

  it('keeps the passwords of existing tiers when a grid is added', () => {
    const out = join(dir, 'grow');
    const base = ['--org-units', join(dir, 'org-units.csv'), '--out', out, '--tiers'];
    expect(run(...base, '350206001001,350206001001-01').status).toBe(0);
    const before = JSON.parse(readFileSync(join(out, 'credentials.json'), 'utf8')) as Record<string, unknown>;
    expect(run(...base, '350206001001,350206001001-01,350206001001-03').status).toBe(0);
    const after = JSON.parse(readFileSync(join(out, 'credentials.json'), 'utf8')) as Record<string, unknown>;
    expect(after['350206001001']).toEqual(before['350206001001']);
    expect(after['350206001001-01']).toEqual(before['350206001001-01']);
    expect(Object.keys(after)).toContain('350206001001-03');
    expect(readFileSync(join(out, '350206001001', 'nats.conf'), 'utf8')).toContain('leaf_350206001001_03');
  });

  it('refuses tiers that are not one tree, or unknown, with exit code 2 and the reason', () => {
    const apart = run('--org-units', join(dir, 'org-units.csv'), '--out', join(dir, 'x'), '--tiers', '350206001,350206002');
    expect(apart.status).toBe(2);
    expect(apart.stderr).toContain('one tree');
    const unknown = run('--org-units', join(dir, 'org-units.csv'), '--out', join(dir, 'y'), '--tiers', '350206,350299');
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain('350299');
    expect(run('--out', join(dir, 'z')).stderr).toContain('usage');
  });
});
