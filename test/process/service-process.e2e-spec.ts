import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, startInfra, waitFor, type TestInfra } from '@gm/testing';

const ROOT = join(__dirname, '../..');
const MAIN = join(ROOT, 'apps/gis/dist/main.js');

/** The built service as deployed: `node apps/<svc>/dist/main.js` (npm test builds first). */
function run(env: Record<string, string>, args: string[] = []) {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run the build (npm test does it first)`);
  const child = spawn(process.execPath, [MAIN, ...args], { env: { PATH: process.env['PATH'] ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const signalled = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
  return { child, exited, signalled, out: () => stdout, err: () => stderr };
}

describe('a service process as deployed', () => {
  let infra: TestInfra;
  beforeAll(async () => {
    infra = await startInfra();
  });
  afterAll(() => infra?.close());

  it('stops at start with exit code 1 and names each missing or bad variable, without echoing values', async () => {
    const p = run({ TIER_CODE: '3502', NATS_URL: 'http://nats.example', HTTP_PORT: 'eighty', DATABASE_URL: 'postgres://gm:s3cret-pass@db.example/gm' });
    expect(await p.exited).toBe(1);
    const err = p.err();
    expect(err).toContain('TIER_CODE');
    expect(err).toContain('NATS_URL');
    expect(err).toContain('HTTP_PORT');
    expect(err).toContain('OIDC_ISSUER: is required but not set');
    expect(err).not.toContain('s3cret-pass');
  });

  it('`migrate` applies the migrations and exits 0; the service then starts and answers /readyz', async () => {
    const env = { ...infra.env(), HTTP_PORT: String(await freePort()), MIGRATE_ON_START: 'false' };
    const migrate = run(env, ['migrate']);
    expect(await migrate.exited).toBe(0);
    expect(migrate.out()).toMatch(/"msg":"database.migrated","schema":"gis","applied":\["0000-platform"/);

    const svc = run(env);
    try {
      await waitFor('gis to be ready', async () => (await fetch(`http://127.0.0.1:${env.HTTP_PORT}/readyz`)).status === 200, 30_000);
      const lines = svc.out().trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(lines.every((l) => typeof l['time'] === 'string' && typeof l['level'] === 'string' && l['service'] === 'gis')).toBe(true);
    } finally {
      // Nest closes the app (HTTP, NATS, database) on SIGTERM, then ends by the same signal.
      svc.child.kill('SIGTERM');
      expect(await svc.signalled).toBe('SIGTERM');
    }
  });
});
