import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { NATS_SERVER_BINARY, portAnswers, spawnProcess, waitFor, type Spawned } from '@gm/testing';

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
    expect(streams.map((s) => s.name)).toEqual(['UPLINK', 'DOWNLINK_IN', 'UPLINK_AGG', 'DOWNLINK_350206001001_01', 'DOWNLINK_350206001001_02', 'BASEDATA_350206001001', 'BASEDATA_IN', 'BASEDATA_TO_350206001001_01', 'BASEDATA_TO_350206001001_02']);
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

  it("adds a grid to a running community: config reload and `apply`, no restart; the new grid's uplink and downlink then flow", async () => {
    const out = join(dir, 'live');
    const base = await freeBase();
    const gen = (tiers: string) => run('--org-units', join(dir, 'org-units.csv'), '--out', out, '--base-port', String(base), '--tiers', tiers);
    const apply = (tier: string) => run('apply', '--out', out, '--tier', tier);
    const servers: Spawned[] = [];
    const conns: NatsConnection[] = [];
    const startTier = async (code: string) => {
      const tiers = JSON.parse(readFileSync(join(out, 'tiers.json'), 'utf8')) as { code: string; url: string }[];
      const url = tiers.find((t) => t.code === code)!.url;
      const proc = spawnProcess(NATS_SERVER_BINARY(), ['-c', join(out, code, 'nats.conf')]);
      servers.push(proc);
      await waitFor(`nats-server of ${code}`, () => portAnswers(Number(new URL(url).port)));
      return { proc, url };
    };
    const open = async (url: string, tier: string) => {
      const creds = JSON.parse(readFileSync(join(out, 'credentials.json'), 'utf8')) as Record<string, { services: string }>;
      const nc = await connect({ servers: url, user: 'services', pass: creds[tier]!.services });
      conns.push(nc);
      return nc;
    };
    try {
      expect(gen('350206001001,350206001001-01').status).toBe(0);
      const community = await startTier('350206001001');
      await startTier('350206001001-01');
      const first = apply('350206001001');
      expect(first.status).toBe(0);
      expect(first.stdout).toContain('created [UPLINK_AGG, DOWNLINK_350206001001_01, BASEDATA_350206001001, BASEDATA_TO_350206001001_01]');
      expect(apply('350206001001-01').status).toBe(0);
      expect(apply('350206001001').stdout).toContain('unchanged [UPLINK_AGG, DOWNLINK_350206001001_01, BASEDATA_350206001001, BASEDATA_TO_350206001001_01]');

      // Grid 03 joins: new leaf user (config reload), new source and subjects (apply), the community keeps running.
      expect(gen('350206001001,350206001001-01,350206001001-03').status).toBe(0);
      community.proc.child.kill('SIGHUP');
      await new Promise((r) => setTimeout(r, 500));
      const grown = apply('350206001001');
      expect(grown.status).toBe(0);
      expect(grown.stdout).toContain('created [DOWNLINK_350206001001_03, BASEDATA_TO_350206001001_03]');
      expect(grown.stdout).toContain('updated [UPLINK_AGG, BASEDATA_350206001001]');
      const grid3 = await startTier('350206001001-03');
      expect(apply('350206001001-03').status).toBe(0);

      const js3 = jetstream(await open(grid3.url, '350206001001-03'), { domain: 'd350206001001_03' });
      await js3.publish('gm.350206001001-03.uplink.case-escalated.v1', 'from grid 03', { msgID: 'g3-1' });
      const jsmCommunity = await jetstreamManager(await open(community.url, '350206001001'), { domain: 'd350206001001' });
      await waitFor('grid 03 uplink in the community aggregate', async () => (await jsmCommunity.streams.info('UPLINK_AGG')).state.messages === 1, 30_000, 100);
      const jsCommunity = jetstream(await open(community.url, '350206001001'), { domain: 'd350206001001' });
      await jsCommunity.publish('gm.350206001001-03.downlink.case-progressed.v1', 'to grid 03', { msgID: 'd3-1' });
      const jsm3 = await jetstreamManager(await open(grid3.url, '350206001001-03'), { domain: 'd350206001001_03' });
      await waitFor('the downlink at grid 03', async () => (await jsm3.streams.info('DOWNLINK_IN')).state.messages === 1, 30_000, 100);
      // Never restarted.
      expect(community.proc.child.exitCode).toBeNull();
      expect(community.proc.child.signalCode).toBeNull();
    } finally {
      for (const c of conns) await c.close().catch(() => undefined);
      for (const p of servers) await p.stop();
    }
  }, 90_000);

  it('upgrading a parent that still has the single DOWNLINK of earlier builds: refused with what to do, then retired on request', async () => {
    const out = join(dir, 'legacy');
    const base = await freeBase();
    expect(run('--org-units', join(dir, 'org-units.csv'), '--out', out, '--base-port', String(base), '--tiers', '350206001001,350206001001-01').status).toBe(0);
    const tiers = JSON.parse(readFileSync(join(out, 'tiers.json'), 'utf8')) as { code: string; url: string }[];
    const url = tiers.find((t) => t.code === '350206001001')!.url;
    const server = spawnProcess(NATS_SERVER_BINARY(), ['-c', join(out, '350206001001', 'nats.conf')]);
    const creds = JSON.parse(readFileSync(join(out, 'credentials.json'), 'utf8')) as Record<string, { services: string }>;
    let nc: NatsConnection | undefined;
    try {
      await waitFor('nats-server of the community', () => portAnswers(Number(new URL(url).port)));
      nc = await connect({ servers: url, user: 'services', pass: creds['350206001001']!.services });
      const jsm = await jetstreamManager(nc, { domain: 'd350206001001' });
      // What an earlier build's apply left: one DOWNLINK holding every child's subjects, and sources delivering on $JS.S.
      await jsm.streams.add({ name: 'DOWNLINK', subjects: ['gm.350206001001-01.downlink.>'] });
      await jsm.streams.add({ name: 'UPLINK_AGG', sources: [{ name: 'UPLINK', external: { api: '$JS.d350206001001_01.API', deliver: '' } }] });

      // Without the flag: everything else is applied, the child's own down stream is held back, and the operator is told.
      const refused = run('apply', '--out', out, '--tier', '350206001001');
      expect(refused.status).toBe(2);
      expect(refused.stdout).toContain('created [BASEDATA_350206001001, BASEDATA_TO_350206001001_01] updated [UPLINK_AGG] unchanged [] held back [DOWNLINK_350206001001_01]');
      expect(refused.stderr).toContain('--retire-legacy-downlink');
      expect((await jsm.streams.info('DOWNLINK')).config.name).toBe('DOWNLINK');

      const retired = run('apply', '--out', out, '--tier', '350206001001', '--retire-legacy-downlink');
      expect(retired.status).toBe(0);
      expect(retired.stdout).toContain('created [DOWNLINK_350206001001_01] updated [] unchanged [UPLINK_AGG, BASEDATA_350206001001, BASEDATA_TO_350206001001_01] removed [DOWNLINK]');
      await expect(jsm.streams.info('DOWNLINK')).rejects.toThrow(/stream not found/i);
      // The source now delivers in the grid's own subject space (its leaf user may no longer receive $JS.S.>).
      expect((await jsm.streams.info('UPLINK_AGG')).config.sources?.[0]?.external?.deliver).toBe('gm.350206001001-01.sourced');
    } finally {
      await nc?.close().catch(() => undefined);
      await server.stop();
    }
  }, 60_000);

  it('with --tls, children reach their parent over TLS checked against the local CA; a child trusting another CA never connects', async () => {
    const out = join(dir, 'tls');
    const base = await freeBase();
    const gen = (target: string, port: number) => run('--org-units', join(dir, 'org-units.csv'), '--out', target, '--base-port', String(port), '--tiers', '350206001001,350206001001-01', '--tls');
    expect(gen(out, base).status).toBe(0);
    const community = readFileSync(join(out, '350206001001', 'nats.conf'), 'utf8');
    const grid = readFileSync(join(out, '350206001001-01', 'nats.conf'), 'utf8');
    expect(community).toContain(`tls { cert_file: "${join(out, '350206001001', 'leaf-cert.pem')}", key_file: "${join(out, '350206001001', 'leaf-key.pem')}" }`);
    expect(grid).toMatch(/url: "tls:\/\/leaf_350206001001_01:[^"]+@127\.0\.0\.1:\d+", account: TIER, tls \{ ca_file: "[^"]+\/tls\/ca\.pem" \}/);
    for (const key of [join(out, 'tls', 'ca-key.pem'), join(out, '350206001001', 'leaf-key.pem')]) expect(statSync(key).mode & 0o077).toBe(0);
    // Kept across runs: a second run issues nothing new.
    const cert = readFileSync(join(out, '350206001001', 'leaf-cert.pem'), 'utf8');
    expect(gen(out, base).status).toBe(0);
    expect(readFileSync(join(out, '350206001001', 'leaf-cert.pem'), 'utf8')).toBe(cert);

    const tiers = JSON.parse(readFileSync(join(out, 'tiers.json'), 'utf8')) as { code: string; url: string; leafTls: boolean }[];
    expect(tiers.every((t) => t.leafTls)).toBe(true);
    const url = (code: string) => tiers.find((t) => t.code === code)!.url;
    const creds = JSON.parse(readFileSync(join(out, 'credentials.json'), 'utf8')) as Record<string, { services: string; system: string }>;
    // The system account has its own user and password now, not the services'.
    expect(creds['350206001001']!.system).not.toBe(creds['350206001001']!.services);
    const servers: Spawned[] = [];
    const conns: NatsConnection[] = [];
    const start = async (conf: string, code: string) => {
      const proc = spawnProcess(NATS_SERVER_BINARY(), ['-c', conf]);
      servers.push(proc);
      await waitFor(`nats-server of ${code}`, () => portAnswers(Number(new URL(url(code)).port)));
      return proc;
    };
    const open = async (code: string, user: 'services' | 'system') => {
      const nc = await connect({ servers: url(code), user, pass: creds[code]![user] });
      conns.push(nc);
      return nc;
    };
    try {
      await start(join(out, '350206001001', 'nats.conf'), '350206001001');
      const system = await open('350206001001', 'system');
      const leafnodes = async () => (JSON.parse((await system.request('$SYS.REQ.SERVER.PING.LEAFZ', '', { timeout: 2000 })).string()) as { data: { leafnodes: number } }).data.leafnodes;
      expect(await leafnodes()).toBe(0);

      const good = await start(join(out, '350206001001-01', 'nats.conf'), '350206001001-01');
      await waitFor('the grid as a leafnode of the community', async () => (await leafnodes()) === 1, 15_000, 100);
      // And the link carries the grid's subjects up.
      const sub = (await open('350206001001', 'services')).subscribe('gm.350206001001-01.probe', { max: 1 });
      const gridConn = await open('350206001001-01', 'services');
      const received = (async () => {
        for await (const m of sub) return m.string();
        return undefined;
      })();
      await waitFor('a message from the grid at the community', async () => {
        gridConn.publish('gm.350206001001-01.probe', 'over TLS');
        return Promise.race([received.then((r) => r === 'over TLS'), new Promise<boolean>((r) => setTimeout(() => r(false), 200))]);
      }, 15_000, 0);
      await good.stop();
      await waitFor('the grid gone from the community', async () => (await leafnodes()) === 0, 15_000, 100);

      // The same grid trusting another federation's CA: the handshake fails, the link never comes up.
      const other = join(dir, 'tls-other');
      expect(gen(other, await freeBase()).status).toBe(0);
      const wrong = join(dir, 'wrong-ca.conf');
      writeFileSync(wrong, grid.replace(join(out, 'tls', 'ca.pem'), join(other, 'tls', 'ca.pem')), { mode: 0o600 });
      expect(readFileSync(wrong, 'utf8')).toContain(join(other, 'tls', 'ca.pem'));
      const rogue = await start(wrong, '350206001001-01');
      const log = () => (rogue.child as unknown as { lastStderr: () => string }).lastStderr();
      await waitFor('the grid to give up the handshake', async () => /certificate signed by unknown authority/.test(log()), 15_000, 100);
      await new Promise((r) => setTimeout(r, 1500));
      expect(await leafnodes()).toBe(0);
    } finally {
      for (const c of conns) await c.close().catch(() => undefined);
      for (const p of servers) await p.stop();
    }
  }, 60_000);

  it('`apply` without a generated tier refuses with exit code 2 and the reason', () => {
    const res = run('apply', '--out', join(dir, 'nothing'), '--tier', '350206');
    expect(res.status).toBe(2);
    expect(res.stderr).toContain('streams.json is missing');
  });
});

/**
 * A base port for the generated tiers (base + 10n, and the leaf ports beside): below the kernel's
 * ephemeral range (32768–60999), where other tests' outgoing connections would take ports at
 * random, and checked free for the first tiers.
 */
async function freeBase(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20000 + 10 * Math.floor(Math.random() * 1200);
    const ports = Array.from({ length: 6 }, (_, n) => [base + 10 * n, base + 10 * n + 1]).flat();
    if (!(await Promise.all(ports.map((p) => portAnswers(p)))).some(Boolean)) return base;
  }
  throw new Error('no free block of ports below 32768');
}
