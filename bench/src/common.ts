import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_OPTIONS, generateDistrict, type GenerateOptions } from '@gm/district-generator';
import { DevIssuer } from '@gm/auth';
import { freePort, localNats, provideDatabase, waitFor, type TestDatabase, type TestNats } from '@gm/testing';

export const ROOT = join(__dirname, '../..');
export const OUT = join(ROOT, 'bench/out');

export function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

export function machine(): string {
  const c = cpus();
  return `${c.length} × ${c[0]?.model.trim() ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.versions.node}`;
}

export async function district(name: string, opts: Partial<GenerateOptions>): Promise<string> {
  const dir = join(OUT, name);
  if (!existsSync(join(dir, 'manifest.json'))) {
    mkdirSync(dir, { recursive: true });
    say(`generating ${name}…`);
    await generateDistrict({ ...DEFAULT_OPTIONS, ...opts, out: dir });
  }
  return dir;
}

export interface Tier {
  readonly db: TestDatabase;
  readonly nats: TestNats;
  readonly issuer: DevIssuer;
  readonly env: Record<string, string>;
  service(name: string, extra?: Record<string, string>): Promise<{ url: string; stop(): Promise<void> }>;
  cli(service: string, args: string[]): { seconds: number; stderr: string; code: number | null };
  close(): Promise<void>;
}

/** A database, a NATS server, the dev issuer; services run from their builds, as deployed. */
export async function tier(): Promise<Tier> {
  const [db, nats, issuer] = await Promise.all([provideDatabase(), localNats(`bench${process.pid}`), new DevIssuer({ rotateEveryMs: 0, tokenLifetimeSec: 7200 }).start()]);
  const key = Buffer.alloc(32, 7).toString('base64');
  const env: Record<string, string> = {
    TIER_CODE: '350206',
    NATS_URL: nats.url,
    NATS_NAMESPACE: nats.namespace,
    DATABASE_URL: db.url,
    OIDC_ISSUER: issuer.issuer,
    HTTP_HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    PII_KEYS: `1:${key}`,
    PII_HASH_KEY: key,
  };
  const children: ChildProcess[] = [];
  return {
    db,
    nats,
    issuer,
    env,
    async service(name, extra = {}) {
      const port = await freePort();
      const child = spawn(process.execPath, [join(ROOT, 'apps', name, 'dist', 'main.js')], { env: { ...process.env, ...env, ...extra, HTTP_PORT: String(port) }, stdio: 'ignore' });
      children.push(child);
      const url = `http://127.0.0.1:${port}`;
      await waitFor(`${name} ready`, async () => (await fetch(`${url}/readyz`)).status === 200, 60_000, 200);
      return {
        url,
        stop: () =>
          new Promise<void>((resolve) => {
            child.once('exit', () => resolve());
            child.kill('SIGTERM');
          }),
      };
    },
    cli(service, args) {
      const started = performance.now();
      const r = spawnSync(process.execPath, [join(ROOT, 'apps', service, 'dist', 'main.js'), ...args], { env: { ...process.env, ...env }, encoding: 'utf8', maxBuffer: 64 * 2 ** 20 });
      return { seconds: (performance.now() - started) / 1000, stderr: r.stderr, code: r.status };
    },
    async close() {
      for (const c of children) c.kill('SIGTERM');
      await Promise.allSettled([db.drop(), nats.close(), issuer.stop()]);
    },
  };
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

export function pgBin(name: string): string {
  for (const v of ['17', '16', '15', '14']) {
    const p = `/usr/lib/postgresql/${v}/bin/${name}`;
    if (existsSync(p)) return p;
  }
  return name;
}
