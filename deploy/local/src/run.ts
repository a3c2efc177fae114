/**
 * `npm start`: the platform on this machine as a federation of real tiers (the default), or one
 * tier alone with GM_FEDERATION=off.
 *
 * Federation (default): the chain district 350206 → street 350206001 → community 350206001001 →
 * grids -07 and -08 (the demo users' units; GM_TIERS=code,code,… picks others from the generated district), each
 * tier with its own nats-server (config and streams from deploy/local federation.js, in
 * .local/federation), its own database (gm_local for the district, gm_local_<code> below), its own
 * bucket and its own services: all seven from community up; on a grid public-sentiment,
 * mobile-gateway, base-data (the grid's read copy) and the console's command-centre with gis and system-admin. Ports: tier n (0 = district) serves on 3001–3007 for the district, 3011+100n … 3017+100n below; NATS on 14222+10n. The
 * district imports the district's base data, which flows down to each tier's own copy of its
 * subtree (ADR 0012; the run waits for it, showing progress); every tier gets the org tree, staff
 * and boundaries. One console URL per tier is printed (command-centre serves it).
 *
 * One tier (GM_FEDERATION=off), reusing whatever already runs:
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
import { localNats, NATS_SERVER_BINARY, portAnswers, spawnProcess, startS3rver, waitFor } from '@gm/testing';
import { stopChild } from './stop-child';

const ROOT = resolve(__dirname, '../../..');
/** Where a run keeps what it makes (keys, logs, data); GM_LOCAL_DIR for another place (the runner's own test). */
const LOCAL = process.env['GM_LOCAL_DIR'] ? resolve(process.env['GM_LOCAL_DIR']) : join(ROOT, '.local');
/** Added to every port of a one-tier run (services, S3, OIDC), so that a second run fits beside the first. */
const PORT_OFFSET = Number(process.env['GM_PORT_OFFSET'] ?? 0);
const TIER = process.env['TIER_CODE'] ?? '350206';
const FEDERATION = process.env['GM_FEDERATION'] !== 'off';

const PORTS: Record<ServiceName, number> = {
  'base-data': 3001 + PORT_OFFSET,
  'system-admin': 3002 + PORT_OFFSET,
  'public-sentiment': 3003 + PORT_OFFSET,
  'service-office': 3004 + PORT_OFFSET,
  'command-centre': 3005 + PORT_OFFSET,
  'mobile-gateway': 3006 + PORT_OFFSET,
  gis: 3007 + PORT_OFFSET,
};
const NATS_PORT = 4222;
const S3_PORT = 9000 + PORT_OFFSET;
const OIDC_PORT = 8080 + PORT_OFFSET;

type Stopper = () => Promise<void>;
const stoppers: Stopper[] = [];
const say = (line: string) => process.stdout.write(`${line}\n`);

async function mainSingle(): Promise<void> {
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
    // The console uploads evidence straight to the bucket from the browser.
    S3_CORS_ORIGINS: '*',
    // Departments' webhook receivers on this machine (plain http on loopback) are allowed here, nowhere else.
    WEBHOOK_ALLOW_HOSTS: '127.0.0.1,localhost',
    OPEN311_API_KEYS: open311Key(),
    CONSOLE_UPSTREAMS: consoleUpstreams(SERVICE_NAMES.map((name) => [name, PORTS[name]])),
    HANDHELD_UPSTREAMS: handheldUpstreams(SERVICE_NAMES.map((name) => [name, PORTS[name]])),
    ...(process.env['OTEL_EXPORTER_OTLP_ENDPOINT'] && { OTEL_EXPORTER_OTLP_ENDPOINT: process.env['OTEL_EXPORTER_OTLP_ENDPOINT'] }),
  };
  // Started together; their migrations serialise on a PostgreSQL advisory lock.
  await Promise.all(SERVICE_NAMES.map((name) => ensureService(name, env)));
  await ensureDistrict(databaseUrl, env);

  say('');
  say('社区网格化服务管理平台 · Grid governance platform: one tier is up');
  say(`  tier ${TIER}   database ${redact(databaseUrl)}   NATS ${natsUrl}   S3 ${s3}   OIDC ${issuer}`);
  say('');
  say(`  控制台 Console   http://127.0.0.1:${PORTS['command-centre']}   (log in as community, street, district or admin; password demo)`);
  say(`  网格通 Handheld  http://127.0.0.1:${PORTS['mobile-gateway']}   (a grid worker's phone app: log in as gw-07 or gw-08; open it with a phone's width)`);
  say('');
  for (const name of SERVICE_NAMES) say(`  ${name.padEnd(17)} http://127.0.0.1:${PORTS[name]}   docs http://127.0.0.1:${PORTS[name]}/docs`);
  say('');
  say('  Demo users (password "demo"): gw-07, gw-08, gl-07 (grid), community, street, district, department, department-water, admin, auditor');
  say('  A token and a report from a grid worker\'s handheld:');
  say(`    TOKEN=$(curl -s -d grant_type=password -d client_id=gm-web -d username=gw-07 -d password=demo ${issuer}/protocol/openid-connect/token | node -pe 'JSON.parse(require("fs").readFileSync(0)).access_token')`);
  say(`    curl -s -H "Authorization: Bearer $TOKEN" -H 'content-type: application/json' -d '{"categoryCode":"SJ0101","description":"垃圾满溢","location":{"latitude":24.51,"longitude":118.14}}' http://127.0.0.1:${PORTS['mobile-gateway']}/api/v1/reports`);
  say('  Watch the live feed as community staff:');
  say(`    curl -N "http://127.0.0.1:${PORTS['command-centre']}/api/v1/live?access_token=$(curl -s -d grant_type=password -d client_id=gm-web -d username=community -d password=demo ${issuer}/protocol/openid-connect/token | node -pe 'JSON.parse(require("fs").readFileSync(0)).access_token')"`);
  say('');
  say(`  Logs: ${join(LOCAL, 'logs')}   Ctrl-C stops what this run started.`);
}

/** base-data's keys for personal identifiers: made once, kept in .local so that the data stays readable. */
/** The local default's Open311 client key (`local:<random>`), made once and kept in .local. */
function open311Key(): string {
  if (process.env['OPEN311_API_KEYS']) return process.env['OPEN311_API_KEYS'];
  const file = join(LOCAL, 'open311-key.txt');
  if (!existsSync(file)) writeFileSync(file, `local:${randomBytes(18).toString('base64url')}`, { mode: 0o600 });
  return readFileSync(file, 'utf8').trim();
}

/** A point inside a unit of the generated district (the mean of its outline's corners), for the printed Open311 example. */
function pointIn(districtDir: string, code: string): { lat: number; long: number } | undefined {
  const fc = JSON.parse(readFileSync(join(districtDir, 'boundaries.geojson'), 'utf8')) as { features: { properties: { code: string }; geometry: { type: string; coordinates: number[][][] | number[][][][] } }[] };
  const f = fc.features.find((x) => x.properties.code === code);
  if (!f) return undefined;
  const ring = (f.geometry.type === 'MultiPolygon' ? (f.geometry.coordinates as number[][][][])[0]![0]! : (f.geometry.coordinates as number[][][])[0]!).slice(0, -1);
  const mean = (i: number) => ring.reduce((a, p) => a + p[i]!, 0) / ring.length;
  return { long: Number(mean(0).toFixed(6)), lat: Number(mean(1).toFixed(6)) };
}

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
  const dir = await ensureDistrictFiles(env);
  await loadDistrict(dir, env, true);
}

/** The synthetic district's files, generated once into .local/district. */
async function ensureDistrictFiles(env: Record<string, string>): Promise<string> {
  const dir = join(LOCAL, 'district');
  if (!existsSync(join(dir, 'manifest.json'))) {
    say(`[local] generating the synthetic district into ${dir}`);
    await run('generator', join(ROOT, 'tools/district-generator/dist/cli.js'), ['--out', dir, '--scale', process.env['GM_DISTRICT_SCALE'] ?? '1'], env);
  }
  return dir;
}

/** Loads the org tree, staff and boundaries, and with `residents` the base data, through the services' CLIs. */
async function loadDistrict(dir: string, env: Record<string, string>, residents: boolean): Promise<void> {
  const steps: [string, string, string[]][] = [
    ['system-admin', 'import-org-units', [join(dir, 'org-units.csv')]],
    ['system-admin', 'import-staff', [join(dir, 'staff.csv')]],
    ['gis', 'import-boundaries', [join(dir, 'boundaries.geojson')]],
    ...(residents ? ([['base-data', 'import-dir', [dir]]] as [string, string, string[]][]) : []),
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

async function ensureDatabase(name = 'gm_local'): Promise<string> {
  const admin = process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const url = new URL(admin);
  const target = process.env['DATABASE_URL'] && name === 'gm_local' ? admin : (() => ((url.pathname = `/${name}`), url.toString()))();
  const c = new pg.Client({ connectionString: admin, connectionTimeoutMillis: 3000 });
  try {
    await c.connect();
  } catch (err) {
    throw new Error(`PostgreSQL does not answer at ${redact(admin)} (${err instanceof Error ? err.message : err}). Set DATABASE_URL or start it.`);
  }
  try {
    if (target !== admin) {
      const exists = await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
      if (exists.rowCount === 0) {
        await c.query(`CREATE DATABASE ${name}`);
        say(`[local] created database ${name}`);
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

async function ensureService(name: ServiceName, env: Record<string, string>, port = PORTS[name], logName: string = name): Promise<void> {
  const base = `http://127.0.0.1:${port}`;
  if (await portAnswers(port)) {
    const health = (await fetch(`${base}/healthz`).then((r) => r.json()).catch(() => undefined)) as { service?: string } | undefined;
    if (health?.service !== name) throw new Error(`port ${port} is taken by something that is not ${name}`);
    say(`[local] reusing ${name} at ${base}`);
  } else {
    const log = createWriteStream(join(LOCAL, 'logs', `${logName}.log`), { flags: 'a' });
    const child: ChildProcess = spawn(process.execPath, [join(ROOT, 'apps', name, 'dist', 'main.js')], {
      env: { ...process.env, ...env, HTTP_PORT: String(port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.pipe(log);
    child.stderr?.pipe(log);
    child.once('exit', (code, signal) => {
      if (!shuttingDown) say(`[local] ${logName} exited (${signal ?? code}); see .local/logs/${logName}.log`);
    });
    stoppers.push(() => stopChild(child));
    say(`[local] starting ${name} on ${base}`);
  }
  await waitFor(`${logName} to be ready (see .local/logs/${logName}.log)`, async () => (await fetch(`${base}/readyz`)).status === 200, 90_000, 250);
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

interface TierListing {
  code: string;
  level: string;
  parent: string | null;
  url: string;
  domain: string;
}

/** The federation: every tier with its own nats-server, database, bucket and services. */
async function mainFederation(): Promise<void> {
  mkdirSync(join(LOCAL, 'logs'), { recursive: true });
  const s3 = await ensureS3();
  const issuer = await ensureIssuer();
  const shared: Record<string, string> = {
    ...piiKeys(),
    OIDC_ISSUER: issuer,
    HTTP_HOST: '127.0.0.1',
    S3_ENDPOINT: s3,
    S3_ACCESS_KEY: process.env['S3_ACCESS_KEY'] ?? 'S3RVER',
    S3_SECRET_KEY: process.env['S3_SECRET_KEY'] ?? 'S3RVER',
    LOG_LEVEL: process.env['LOG_LEVEL'] ?? 'info',
    FEDERATION_ENABLED: 'true',
    S3_CORS_ORIGINS: '*',
    WEBHOOK_ALLOW_HOSTS: '127.0.0.1,localhost',
    OPEN311_API_KEYS: open311Key(),
    ...(process.env['OTEL_EXPORTER_OTLP_ENDPOINT'] && { OTEL_EXPORTER_OTLP_ENDPOINT: process.env['OTEL_EXPORTER_OTLP_ENDPOINT'] }),
  };
  const districtDir = await ensureDistrictFiles(shared);

  // The NATS side, generated from the district's org tree (passwords kept across runs). The leafnode
  // links between the tiers speak TLS, with certificates from a local CA kept in .local/federation/tls
  // (ADR 0017), as between the tiers of a deployment; GM_LEAF_TLS=off for plain links.
  const fedDir = join(LOCAL, 'federation');
  const cli = join(ROOT, 'deploy/local/dist/federation.js');
  const tierCodes = process.env['GM_TIERS'] ?? demoChain(join(districtDir, 'org-units.csv'));
  const leafTls = process.env['GM_LEAF_TLS'] !== 'off';
  await run('federation', cli, ['--org-units', join(districtDir, 'org-units.csv'), '--out', fedDir, ...(tierCodes ? ['--tiers', tierCodes] : []), ...(leafTls ? ['--tls'] : [])], shared);
  const tiers = JSON.parse(readFileSync(join(fedDir, 'tiers.json'), 'utf8')) as TierListing[];
  const credentials = JSON.parse(readFileSync(join(fedDir, 'credentials.json'), 'utf8')) as Record<string, { services: string }>;
  for (const t of tiers) await ensureTierNats(t, join(fedDir, t.code, 'nats.conf'));
  for (const t of tiers) {
    // A local federation from an earlier build may still hold the single DOWNLINK stream: its demo data is not kept.
    await waitFor(
      `the streams of tier ${t.code}`,
      () => run(`apply ${t.code}`, cli, ['apply', '--out', fedDir, '--tier', t.code, '--retire-legacy-downlink'], shared).then(() => true),
      30_000,
      500,
    );
  }

  const started: { tier: TierListing; services: [ServiceName, number][]; databaseUrl: string }[] = [];
  for (const [n, t] of tiers.entries()) {
    const databaseUrl = await ensureDatabase(n === 0 ? 'gm_local' : `gm_local_${t.code.replace('-', '_')}`);
    const nats = new URL(t.url);
    nats.username = 'services';
    nats.password = credentials[t.code]!.services;
    const env = { ...shared, TIER_CODE: t.code, NATS_URL: nats.toString(), JETSTREAM_DOMAIN: t.domain, DATABASE_URL: databaseUrl };
    // A grid runs its case engine and gateway, base-data with its grid's read copy, and its console (for grid leaders) with what the console reads: gis, system-admin.
    const names: ServiceName[] = t.level === 'grid' ? ['public-sentiment', 'mobile-gateway', 'base-data', 'command-centre', 'gis', 'system-admin'] : [...SERVICE_NAMES];
    const services = names.map((name) => [name, tierPort(name, n)] as [ServiceName, number]);
    const tierEnv = { ...env, CONSOLE_UPSTREAMS: consoleUpstreams(services), HANDHELD_UPSTREAMS: handheldUpstreams(services) };
    say(`[local] tier ${t.code} (${t.level}): starting ${names.join(', ')}`);
    await Promise.all(services.map(([name, port]) => ensureService(name, tierEnv, port, `${t.code}-${name}`)));
    const marker = join(fedDir, t.code, 'loaded');
    if (!existsSync(marker)) {
      await loadDistrict(districtDir, tierEnv, n === 0);
      writeFileSync(marker, new Date().toISOString());
    }
    started.push({ tier: t, services, databaseUrl });
  }
  await awaitBaseDataCopies(started);

  say('');
  say('社区网格化服务管理平台 · Grid governance platform: a federation of tiers is up');
  say(`  S3 ${s3}   OIDC ${issuer}   NATS configs, streams and credentials in ${fedDir}${leafTls ? ' (leafnodes over TLS, CA in tls/ca.pem)' : ''}`);
  say('');
  say('  控制台 Consoles, one per tier (log in on the page; password "demo"):');
  for (const { tier, services } of started) {
    const cc = services.find(([s]) => s === 'command-centre')![1];
    const up = tier.parent ? `  ↑ ${tier.parent}` : '';
    say(`  ${tier.level.padEnd(9)} ${tier.code.padEnd(16)} http://127.0.0.1:${cc}   (NATS ${tier.url}, domain ${tier.domain})${up}`);
    say(`  ${''.padEnd(26)} ${services.map(([s, p]) => `${s} :${p}`).join('  ')}`);
    if (tier.level === 'grid') say(`  ${''.padEnd(26)} 网格通 Handheld http://127.0.0.1:${services.find(([s]) => s === 'mobile-gateway')![1]}   (the grid's worker logs in on a phone)`);
  }
  say('');
  say('  Demo users (password "demo"): gw-07, gw-08, gl-07 (grid), community, street, district, department, department-water, admin, auditor');
  say('  Each user sees their own unit\'s subtree on the console of the tier they belong to (community on the community\'s, and so on).');
  say('  A case escalates with POST <tier>/api/v1/cases/{id}/actions/escalate {"reason": "…"}; the parent hands it back with');
  say('  POST <parent>/api/v1/cases/{its copy}/actions/assign_back {"note": "<instructions>"}; each tier\'s /docs shows its API.');
  const grid = started.find((x) => x.tier.level === 'grid');
  const ps = grid?.services.find(([s]) => s === 'public-sentiment')?.[1];
  const at = grid && pointIn(districtDir, grid.tier.code);
  if (grid && ps && at) {
    const key = shared['OPEN311_API_KEYS']!.split(',')[0]!.split(':').slice(1).join(':');
    say(`  Open311 GeoReport v2 at http://127.0.0.1:${ps}/open311/v2 (grid ${grid.tier.code}); its key is in ${join(LOCAL, 'open311-key.txt')}. A request:`);
    say(
      `    curl -s -X POST http://127.0.0.1:${ps}/open311/v2/requests.json --data-urlencode api_key=${key} -d service_code=SJ0101 -d lat=${at.lat} -d long=${at.long} --data-urlencode 'description=垃圾桶满溢 bins overflowing'`,
    );
  }
  say(`  Logs: ${join(LOCAL, 'logs')} (<tier>-<service>.log)   Ctrl-C stops what this run started.`);
}

/**
 * Waits until every tier below the district holds as many residents of its subtree as the
 * district (the import flows down as each tier's read copy, ADR 0012), with a progress line every
 * few seconds; after GM_BASE_DATA_WAIT_S (default 900) it says what is still on its way and goes on.
 */
async function awaitBaseDataCopies(tiers: readonly { tier: TierListing; databaseUrl: string }[]): Promise<void> {
  const [top, ...below] = tiers;
  if (!top || below.length === 0 || process.env['GM_DISTRICT'] === 'none') return;
  const count = async (url: string, unit: string) => {
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    try {
      const r = await c.query<{ n: string }>("SELECT count(*) AS n FROM base_data.residents WHERE grid_code LIKE $1", [`${unit}%`]).catch(() => ({ rows: [{ n: '0' }] }));
      return Number(r.rows[0]?.n ?? 0);
    } finally {
      await c.end();
    }
  };
  const wanted = new Map<string, number>();
  for (const { tier } of below) wanted.set(tier.code, await count(top.databaseUrl, tier.code));
  const deadline = Date.now() + Number(process.env['GM_BASE_DATA_WAIT_S'] ?? 900) * 1000;
  const started = Date.now();
  for (;;) {
    const have = await Promise.all(below.map(async ({ tier, databaseUrl }) => [tier, await count(databaseUrl, tier.code)] as const));
    const line = have.map(([t, n]) => `${t.level} ${t.code} ${n.toLocaleString('en')}/${wanted.get(t.code)!.toLocaleString('en')}`).join(' · ');
    if (have.every(([t, n]) => n >= wanted.get(t.code)!)) {
      say(`[local] base data: every tier holds its subtree (${line}) after ${((Date.now() - started) / 1000).toFixed(0)} s`);
      return;
    }
    if (Date.now() > deadline) {
      say(`[local] base data still on its way down (${line}); the tiers fill in as it arrives`);
      return;
    }
    say(`[local] base data flowing down to the tiers, residents: ${line}`);
    await new Promise((r) => setTimeout(r, 5000));
  }
}

/** Where command-centre sends the console's calls to the tier's other services. */
function consoleUpstreams(services: readonly (readonly [ServiceName, number])[]): string {
  return services
    .filter(([name]) => name !== 'command-centre')
    .map(([name, port]) => `${name}=http://127.0.0.1:${port}`)
    .join(',');
}

/** Where mobile-gateway sends the handheld's calls to the tier's other services. */
function handheldUpstreams(services: readonly (readonly [ServiceName, number])[]): string {
  return services
    .filter(([name]) => name === 'base-data' || name === 'public-sentiment' || name === 'gis')
    .map(([name, port]) => `${name}=http://127.0.0.1:${port}`)
    .join(',');
}

/** Tier n's port of a service: the district keeps 3001–3007; tier n > 0 uses 3011+100n … 3017+100n. */
function tierPort(name: ServiceName, n: number): number {
  return n === 0 ? PORTS[name] : PORTS[name] + 100 * n + 10;
}

/** The chain of the demo users (their community and grids 07 and 08) when the generated district has it. */
function demoChain(orgUnitsCsv: string): string | undefined {
  const codes = new Set(readFileSync(orgUnitsCsv, 'utf8').split(/\r?\n/).map((l) => l.split(',')[0]));
  const chain = ['350206', '350206001', '350206001001', '350206001001-07', '350206001001-08'];
  return chain.every((c) => codes.has(c)) ? chain.join(',') : undefined;
}

/** A tier's nats-server with its generated config (reused when its port already answers). */
async function ensureTierNats(t: TierListing, conf: string): Promise<void> {
  const port = Number(new URL(t.url).port);
  if (await portAnswers(port)) {
    say(`[local] reusing nats-server of tier ${t.code} at ${t.url}`);
    return;
  }
  const server = spawnProcess(NATS_SERVER_BINARY(), ['-c', conf]);
  stoppers.push(() => server.stop());
  await waitFor(`nats-server of tier ${t.code}`, () => portAnswers(port));
  say(`[local] started nats-server of tier ${t.code} at ${t.url} (domain ${t.domain})`);
}

(FEDERATION ? mainFederation() : mainSingle()).catch(async (err: unknown) => {
  process.stderr.write(`[local] ${err instanceof Error ? err.message : String(err)}\n`);
  await shutdown(1);
});
