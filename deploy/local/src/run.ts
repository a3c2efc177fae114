/**
 * `npm start`: one tier of the platform on this machine, reusing whatever already runs.
 *
 *   PostgreSQL  DATABASE_URL, else the machine's server on 127.0.0.1:5432 (database gm_local)
 *   NATS        NATS_URL, else 127.0.0.1:4222 if a JetStream server answers, else nats-server -js (store in .local/nats)
 *   S3          127.0.0.1:9000 if it answers, else s3rver (data in .local/s3)
 *   OIDC        127.0.0.1:8080 if the dev issuer answers, else the dev issuer in this process
 *   services    each on its port if already up, else `node apps/<svc>/dist/main.js` (logs in .local/logs)
 *   district    a generated district (.local/district, GM_DISTRICT_SCALE, default 1 = ~1M residents),
 *               loaded once: org tree and staff, boundaries, then base data, through the services' CLIs
 *
 * Ctrl-C stops what this run started and nothing else.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import pg from 'pg';
import { DevIssuer } from '@gm/auth';
import { SERVICE_NAMES, type ServiceName } from '@gm/contracts';
import { localNats, portAnswers, startS3rver, waitFor } from '@gm/testing';

const ROOT = resolve(__dirname, '../../..');
const LOCAL = join(ROOT, '.local');
const TIER = process.env['TIER_CODE'] ?? '350206';

const PORTS: Record<ServiceName, number> = {
  'base-data': 3001,
  'system-admin': 3002,
  'public-sentiment': 3003,
  'service-office': 3004,
  'command-centre': 3005,
  'mobile-gateway': 3006,
  gis: 3007,
};
const NATS_PORT = 4222;
const S3_PORT = 9000;
const OIDC_PORT = 8080;

type Stopper = () => Promise<void>;
const stoppers: Stopper[] = [];
const say = (line: string) => process.stdout.write(`${line}\n`);

async function main(): Promise<void> {
  mkdirSync(join(LOCAL, 'logs'), { recursive: true });
  const databaseUrl = await ensureDatabase();
  const natsUrl = await ensureNats();
  const s3 = await ensureS3();
  const issuer = await ensureIssuer();

  const env: Record<string, string> = {
    ...piiKeys(),
    TIER_CODE: TIER,
    NATS_URL: natsUrl,
    DATABASE_URL: databaseUrl,
    OIDC_ISSUER: issuer,
    HTTP_HOST: '127.0.0.1',
    S3_ENDPOINT: s3,
    // s3rver's fixed credentials, unless the S3 server found running needs others.
    S3_ACCESS_KEY: process.env['S3_ACCESS_KEY'] ?? 'S3RVER',
    S3_SECRET_KEY: process.env['S3_SECRET_KEY'] ?? 'S3RVER',
    LOG_LEVEL: process.env['LOG_LEVEL'] ?? 'info',
    ...(process.env['OTEL_EXPORTER_OTLP_ENDPOINT'] && { OTEL_EXPORTER_OTLP_ENDPOINT: process.env['OTEL_EXPORTER_OTLP_ENDPOINT'] }),
  };
  // Started together; their migrations serialise on a PostgreSQL advisory lock.
  await Promise.all(SERVICE_NAMES.map((name) => ensureService(name, env)));
  await ensureDistrict(databaseUrl, env);

  say('');
  say('社区网格化服务管理平台 · Grid governance platform: one tier is up');
  say(`  tier ${TIER}   database ${redact(databaseUrl)}   NATS ${natsUrl}   S3 ${s3}   OIDC ${issuer}`);
  say('');
  for (const name of SERVICE_NAMES) say(`  ${name.padEnd(17)} http://127.0.0.1:${PORTS[name]}   docs http://127.0.0.1:${PORTS[name]}/docs`);
  say('');
  say('  Demo users (password "demo"): gw-07, gw-08, gl-07 (grid), community, street, district, department, admin, auditor');
  say('  A token and a report from a grid worker\'s handheld:');
  say(`    TOKEN=$(curl -s -d grant_type=password -d client_id=gm-web -d username=gw-07 -d password=demo ${issuer}/protocol/openid-connect/token | node -pe 'JSON.parse(require("fs").readFileSync(0)).access_token')`);
  say(`    curl -s -H "Authorization: Bearer $TOKEN" -H 'content-type: application/json' -d '{"categoryCode":"SJ0101","description":"垃圾满溢","location":{"latitude":24.51,"longitude":118.14}}' http://127.0.0.1:${PORTS['mobile-gateway']}/api/v1/reports`);
  say('  Watch the live feed as community staff:');
  say(`    curl -N "http://127.0.0.1:${PORTS['command-centre']}/api/v1/live?access_token=$(curl -s -d grant_type=password -d client_id=gm-web -d username=community -d password=demo ${issuer}/protocol/openid-connect/token | node -pe 'JSON.parse(require("fs").readFileSync(0)).access_token')"`);
  say('');
  say(`  Logs: ${join(LOCAL, 'logs')}   Ctrl-C stops what this run started.`);
}

/** base-data's keys for personal identifiers: made once, kept in .local so that the data stays readable. */
function piiKeys(): Record<string, string> {
  if (process.env['PII_KEYS'] && process.env['PII_HASH_KEY']) return { PII_KEYS: process.env['PII_KEYS'], PII_HASH_KEY: process.env['PII_HASH_KEY'] };
  const file = join(LOCAL, 'pii-keys.json');
  if (!existsSync(file)) {
    writeFileSync(file, JSON.stringify({ PII_KEYS: `1:${randomBytes(32).toString('base64')}`, PII_HASH_KEY: randomBytes(32).toString('base64') }), { mode: 0o600 });
    say(`[local] generated base-data's PII keys in ${file}`);
  }
  return JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>;
}

/** Generates the synthetic district once and loads it once (an empty base_data.residents means not loaded). */
async function ensureDistrict(databaseUrl: string, env: Record<string, string>): Promise<void> {
  if (process.env['GM_DISTRICT'] === 'none') return;
  const c = new pg.Client({ connectionString: databaseUrl });
  await c.connect();
  const loaded = await c
    .query<{ n: string }>('SELECT count(*) AS n FROM base_data.residents')
    .then((r) => Number(r.rows[0]?.n) > 0)
    .finally(() => c.end());
  if (loaded) {
    say('[local] district already loaded');
    return;
  }
  const dir = join(LOCAL, 'district');
  if (!existsSync(join(dir, 'manifest.json'))) {
    say(`[local] generating the synthetic district into ${dir}`);
    await run('generator', join(ROOT, 'tools/district-generator/dist/cli.js'), ['--out', dir, '--scale', process.env['GM_DISTRICT_SCALE'] ?? '1'], env);
  }
  const steps: [string, string, string[]][] = [
    ['system-admin', 'import-org-units', [join(dir, 'org-units.csv')]],
    ['system-admin', 'import-staff', [join(dir, 'staff.csv')]],
    ['gis', 'import-boundaries', [join(dir, 'boundaries.geojson')]],
    ['base-data', 'import-dir', [dir]],
  ];
  for (const [service, command, args] of steps) {
    const started = performance.now();
    say(`[local] ${service} ${command}`);
    await run(service, join(ROOT, 'apps', service, 'dist', 'main.js'), [command, ...args], { ...env, LOG_LEVEL: 'warn' });
    say(`[local] ${service} ${command}: done in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  }
}

function run(label: string, script: string, args: string[], env: Record<string, string>): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'inherit'] });
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${label} ${args[0] ?? ''} failed (exit ${code})`))));
  });
}

async function ensureDatabase(): Promise<string> {
  const admin = process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const url = new URL(admin);
  const target = process.env['DATABASE_URL'] ? admin : (() => ((url.pathname = '/gm_local'), url.toString()))();
  const c = new pg.Client({ connectionString: admin, connectionTimeoutMillis: 3000 });
  try {
    await c.connect();
  } catch (err) {
    throw new Error(`PostgreSQL does not answer at ${redact(admin)} (${err instanceof Error ? err.message : err}). Set DATABASE_URL or start it.`);
  }
  try {
    if (!process.env['DATABASE_URL']) {
      const exists = await c.query('SELECT 1 FROM pg_database WHERE datname = $1', ['gm_local']);
      if (exists.rowCount === 0) {
        await c.query('CREATE DATABASE gm_local');
        say('[local] created database gm_local');
      }
    }
  } finally {
    await c.end();
  }
  return target;
}

async function ensureNats(): Promise<string> {
  if (process.env['NATS_URL']) return process.env['NATS_URL'];
  const url = `nats://127.0.0.1:${NATS_PORT}`;
  if (await portAnswers(NATS_PORT)) {
    say(`[local] reusing NATS at ${url}`);
    return url;
  }
  const nats = await localNats('local', NATS_PORT, join(LOCAL, 'nats'));
  stoppers.push(() => nats.close());
  say(`[local] started nats-server -js at ${url}`);
  return url;
}

async function ensureS3(): Promise<string> {
  const endpoint = `http://127.0.0.1:${S3_PORT}`;
  if (await portAnswers(S3_PORT)) {
    say(`[local] reusing S3 at ${endpoint}`);
    return endpoint;
  }
  mkdirSync(join(LOCAL, 's3'), { recursive: true });
  const s3 = await startS3rver(S3_PORT, join(LOCAL, 's3'));
  stoppers.push(() => s3.close());
  say(`[local] started s3rver at ${endpoint} (access key S3RVER)`);
  return endpoint;
}

async function ensureIssuer(): Promise<string> {
  const issuer = `http://127.0.0.1:${OIDC_PORT}/realms/gm`;
  if (await portAnswers(OIDC_PORT)) {
    const res = await fetch(`${issuer}/.well-known/openid-configuration`).catch(() => undefined);
    if (res?.ok) {
      say(`[local] reusing OIDC issuer at ${issuer}`);
      return issuer;
    }
    throw new Error(`port ${OIDC_PORT} is taken by something that is not the dev issuer`);
  }
  const dev = await new DevIssuer({ port: OIDC_PORT, rotateEveryMs: 6 * 60 * 60_000, tokenLifetimeSec: 8 * 3600 }).start();
  stoppers.push(() => dev.stop());
  say(`[local] started the development OIDC issuer at ${dev.issuer}`);
  return dev.issuer;
}

async function ensureService(name: ServiceName, env: Record<string, string>): Promise<void> {
  const port = PORTS[name];
  const base = `http://127.0.0.1:${port}`;
  if (await portAnswers(port)) {
    const health = (await fetch(`${base}/healthz`).then((r) => r.json()).catch(() => undefined)) as { service?: string } | undefined;
    if (health?.service !== name) throw new Error(`port ${port} is taken by something that is not ${name}`);
    say(`[local] reusing ${name} at ${base}`);
  } else {
    const log = createWriteStream(join(LOCAL, 'logs', `${name}.log`), { flags: 'a' });
    const child: ChildProcess = spawn(process.execPath, [join(ROOT, 'apps', name, 'dist', 'main.js')], {
      env: { ...process.env, ...env, HTTP_PORT: String(port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.pipe(log);
    child.stderr?.pipe(log);
    child.once('exit', (code, signal) => {
      if (!shuttingDown) say(`[local] ${name} exited (${signal ?? code}); see .local/logs/${name}.log`);
    });
    stoppers.push(
      () =>
        new Promise<void>((done) => {
          if (child.exitCode !== null) return done();
          child.once('exit', () => done());
          child.kill('SIGTERM');
          setTimeout(() => child.kill('SIGKILL'), 8000).unref();
        }),
    );
    say(`[local] starting ${name} on ${base}`);
  }
  await waitFor(`${name} to be ready (see .local/logs/${name}.log)`, async () => (await fetch(`${base}/readyz`)).status === 200, 90_000, 250);
}

function redact(url: string): string {
  return url.replace(/\/\/([^:@/]+):[^@/]+@/, '//$1:***@');
}

let shuttingDown = false;
async function shutdown(code: number): Promise<void> {
  if (shuttingDown) return;
  shuttingDown = true;
  say('\n[local] stopping what this run started…');
  for (const stop of stoppers.reverse()) await stop().catch(() => undefined);
  process.exit(code);
}
process.on('SIGINT', () => void shutdown(0));
process.on('SIGTERM', () => void shutdown(0));

main().catch(async (err: unknown) => {
  process.stderr.write(`[local] ${err instanceof Error ? err.message : String(err)}\n`);
  await shutdown(1);
});
