/**
 * B8 · base data across tiers (issue 14, ADR 0012), on a chain of real nats-server processes
 * generated from the org tree (district 350206 → street 350206001 → community 350206001001, each
 * with its own JetStream domain and leafnode link) and a database per tier; base-data of each tier
 * runs from its build in its own process, as deployed.
 *
 * Catch-up: the district imports the default generated district (~1M residents) while the
 * street's and the community's base-data are not running: what goes down to them waits in their
 * `BASEDATA_IN` streams. Then the street's base-data starts on an empty database, and is timed
 * until it holds its whole subtree (~130k residents and their houses, households, …); then the
 * community's (~17k residents; as the keeper it also publishes each record as its own). Baseline,
 * in the same run: `COPY` of the same rows, from a file, into tables made `LIKE` base-data's
 * (same columns, indexes and constraints) in the same database.
 *
 * Steady state: open-loop `PATCH /api/v1/residents/{id}` (a new phone number) at the community at
 * BENCH_RATE (default 200/s) for BENCH_SECONDS (default 20); latency = the district's history row
 * of that version (`replicated`, its transaction's time) − due time. Baseline, in the same run, on a
 * chain of its own: messages of the same size published at the community's `BASEDATA` stream at the
 * same rate; latency = arrival at a consumer of the district's `BASEDATA` − due time.
 *
 *   node bench/dist/base-data-tiers.js
 *   BENCH_PROFILE=/tmp/prof node bench/dist/base-data-tiers.js   (CPU profile of each tier's base-data)
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager } from '@nats-io/jetstream';
import { headers } from '@nats-io/nats-core';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import pg from 'pg';
import { DevIssuer } from '@gm/auth';
import { baseDataRecordSubject } from '@gm/contracts';
import { baseDataStreamOf, natsConnectionOptions, type FederationTier } from '@gm/messaging';
import { freePort, provideDatabase, startFederation, waitFor, type TestDatabase, type TestFederation } from '@gm/testing';
import { district, latencySummary, machine, openLoop, percentile, pgBin, ROOT, say, type LatencySummary } from './common';

const RATE = Number(process.env['BENCH_RATE'] ?? 200);
const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 20);
const DISTRICT = '350206';
const STREET = '350206001';
const COMMUNITY = '350206001001';
const TIERS: FederationTier[] = [
  { code: DISTRICT, parent: null },
  { code: STREET, parent: DISTRICT },
  { code: COMMUNITY, parent: STREET },
];
const TABLES = ['buildings', 'houses', 'households', 'residents', 'organisations', 'city_objects'] as const;
const key = Buffer.alloc(32, 7).toString('base64');

function summary(values: readonly number[]): LatencySummary & { n: number } {
  const sorted = [...values].sort((a, b) => a - b);
  return { n: sorted.length, p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted.at(-1) ?? Number.NaN };
}

async function query<T extends object>(url: string, text: string, params: unknown[] = []): Promise<T[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query<T>(text, params)).rows;
  } finally {
    await c.end();
  }
}

async function counts(url: string, unit: string): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const t of TABLES) out[t] = Number((await query<{ n: string }>(url, `SELECT count(*) AS n FROM base_data.${t} WHERE grid_code LIKE $1`, [`${unit}%`]).catch(() => [{ n: '0' }]))[0]!.n);
  return out;
}

interface Running {
  readonly url: string;
  readonly spawnedAt: number;
  readonly readyAt: number;
  stop(): Promise<void>;
}

async function service(name: string, env: Record<string, string>, children: ChildProcess[]): Promise<Running> {
  const port = await freePort();
  const logs = process.env['BENCH_SERVICE_LOGS'];
  const out = logs ? openSync(join(logs, `${name}-${env['TIER_CODE']}.log`), 'a') : 'ignore';
  const spawnedAt = Date.now();
  // BENCH_PROFILE=<dir>: a CPU profile of each base-data (written when it stops).
  const profile = process.env['BENCH_PROFILE'] && name === 'base-data' ? ['--cpu-prof', `--cpu-prof-dir=${process.env['BENCH_PROFILE']}`, `--cpu-prof-name=base-data-${env['TIER_CODE']}.cpuprofile`] : [];
  const child = spawn(process.execPath, [...profile, join(ROOT, 'apps', name, 'dist', 'main.js')], { env: { ...process.env, ...env, HTTP_PORT: String(port) }, stdio: ['ignore', out, out] });
  children.push(child);
  const url = `http://127.0.0.1:${port}`;
  await waitFor(`${name} of ${env['TIER_CODE']} ready`, async () => (await fetch(`${url}/readyz`)).status === 200, 120_000, 100);
  return {
    url,
    spawnedAt,
    readyAt: Date.now(),
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** Catch-up of one tier: from the start of its base-data until it holds `wanted`. */
async function catchUp(code: string, env: Record<string, string>, wanted: Record<string, number>, children: ChildProcess[]): Promise<{ fromSpawn: number; fromReady: number; service: Running }> {
  const s = await service('base-data', env, children);
  await waitFor(`tier ${code} to hold its subtree`, async () => JSON.stringify(await counts(env['DATABASE_URL']!, code)) === JSON.stringify(wanted), 600_000, 200);
  const done = Date.now();
  return { fromSpawn: (done - s.spawnedAt) / 1000, fromReady: (done - s.readyAt) / 1000, service: s };
}

/** The baseline: COPY of the same rows (from files written beforehand) into tables LIKE base-data's, in the same database. */
function copyBaseline(sourceUrl: string, targetUrl: string, unit: string): number {
  const dir = mkdtempSync(join(tmpdir(), 'gm-bench-copy-'));
  const psql = (url: string, command: string) => {
    const r = spawnSync(pgBin('psql'), [url, '-q', '-v', 'ON_ERROR_STOP=1', '-c', command], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(r.stderr);
  };
  try {
    psql(targetUrl, `DROP SCHEMA IF EXISTS bench_copy CASCADE; CREATE SCHEMA bench_copy; ${TABLES.map((t) => `CREATE TABLE bench_copy.${t} (LIKE base_data.${t} INCLUDING ALL)`).join('; ')}`);
    for (const t of TABLES) psql(sourceUrl, `\\copy (SELECT * FROM base_data.${t} WHERE grid_code LIKE '${unit}%') TO '${join(dir, t)}'`);
    const started = performance.now();
    for (const t of TABLES) psql(targetUrl, `\\copy bench_copy.${t} FROM '${join(dir, t)}'`);
    const seconds = (performance.now() - started) / 1000;
    psql(targetUrl, 'DROP SCHEMA bench_copy CASCADE');
    return seconds;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Transport alone: record-sized messages at the community's BASEDATA, arrival at the district's. */
async function transportLeg(size: number): Promise<ReturnType<typeof summary> & { lost: number }> {
  const fed = await startFederation(TIERS);
  const conns: NatsConnection[] = [];
  try {
    const open = async (code: string) => {
      const nc = await connect(natsConnectionOptions([fed.tier(code).url]));
      conns.push(nc);
      return nc;
    };
    const d = await open(DISTRICT);
    const jsm = await jetstreamManager(d, { domain: fed.tier(DISTRICT).domain });
    const stream = baseDataStreamOf(DISTRICT);
    await jsm.consumers.add(stream, { durable_name: 'bench', ack_policy: AckPolicy.None, deliver_policy: DeliverPolicy.New, filter_subject: 'gm.*.basedata.>' });
    const messages = await (await jetstream(d, { domain: fed.tier(DISTRICT).domain }).consumers.get(stream, 'bench')).consume({ max_messages: 1024 });
    const arrivals = new Map<number, number>();
    void (async () => {
      for await (const m of messages) arrivals.set(Number(m.headers?.get('bench-i')), Date.now());
    })();
    const js = jetstream(await open(COMMUNITY), { domain: fed.tier(COMMUNITY).domain });
    const body = 'x'.repeat(size);
    const send = (i: number) => {
      const h = headers();
      h.set('bench-i', String(i));
      return js.publish(baseDataRecordSubject(COMMUNITY, `${COMMUNITY}-07`, 'resident', `r${i % 5000}`), body, { headers: h, msgID: `b-${i}` });
    };
    for (let i = -20; i < 0; i++) await send(i);
    await waitFor('the warm-up', async () => arrivals.size >= 20, 60_000, 50);
    arrivals.clear();
    const total = RATE * SECONDS;
    const t0 = Date.now() + 50;
    const due = (i: number) => t0 + (i * 1000) / RATE;
    const pending: Promise<unknown>[] = [];
    for (let i = 0; i < total; i++) {
      const wait = due(i) - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      pending.push(send(i));
    }
    await Promise.all(pending);
    await waitFor('the transport leg to drain', async () => arrivals.size >= total, 60_000, 100).catch(() => undefined);
    await messages.close();
    return { ...summary([...arrivals].map(([i, at]) => at - due(i))), lost: total - arrivals.size };
  } finally {
    for (const c of conns) await c.close().catch(() => undefined);
    await fed.close();
  }
}

async function main(): Promise<void> {
  const dir = await district('district-default', {});
  const issuer = await new DevIssuer({ rotateEveryMs: 0, tokenLifetimeSec: 7200 }).start();
  const fed: TestFederation = await startFederation(TIERS);
  const dbs = new Map<string, TestDatabase>();
  const children: ChildProcess[] = [];
  const stopAll = async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGTERM');
    await fed.close().catch(() => undefined);
    for (const db of dbs.values()) await db.drop().catch(() => undefined);
    await issuer.stop().catch(() => undefined);
  };
  process.once('SIGINT', () => void stopAll().then(() => process.exit(130)));
  try {
    for (const t of TIERS) dbs.set(t.code, await provideDatabase());
    const envOf = (code: string): Record<string, string> => ({
      TIER_CODE: code,
      NATS_URL: fed.tier(code).url,
      JETSTREAM_DOMAIN: fed.tier(code).domain,
      DATABASE_URL: dbs.get(code)!.url,
      OIDC_ISSUER: issuer.issuer,
      HTTP_HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      FEDERATION_ENABLED: 'true',
      PII_KEYS: `1:${key}`,
      PII_HASH_KEY: key,
    });
    const cli = (service: string, args: string[]) => {
      const r = spawnSync(process.execPath, [join(ROOT, 'apps', service, 'dist', 'main.js'), ...args], { env: { ...process.env, ...envOf(DISTRICT) }, encoding: 'utf8', maxBuffer: 64 * 2 ** 20 });
      if (r.status !== 0) throw new Error(`${service} ${args[0]} failed: ${r.stderr}`);
    };
    // The district: the org tree and the boundaries its import checks against, then its base data.
    const districtServices = [await service('system-admin', envOf(DISTRICT), children), await service('gis', envOf(DISTRICT), children)];
    cli('system-admin', ['import-org-units', join(dir, 'org-units.csv')]);
    cli('gis', ['import-boundaries', join(dir, 'boundaries.geojson')]);
    const imported = Date.now();
    cli('base-data', ['import-dir', dir]);
    say(`district import with the street's part published down: ${((Date.now() - imported) / 1000).toFixed(1)} s`);
    const districtBd = await service('base-data', envOf(DISTRICT), children);
    const wanted = { street: await counts(dbs.get(DISTRICT)!.url, STREET), community: await counts(dbs.get(DISTRICT)!.url, COMMUNITY) };
    // Everything on its way down has reached the streams of the tiers below (their services are not running).
    const nc = await connect(natsConnectionOptions([fed.tier(COMMUNITY).url]));
    const records = Object.values(wanted.community).reduce((a, b) => a + b, 0);
    await waitFor('the community subtree in its BASEDATA_IN', async () => (await (await jetstreamManager(nc, { domain: fed.tier(COMMUNITY).domain })).streams.info('BASEDATA_IN')).state.messages >= records, 600_000, 500);
    await nc.close();

    const street = await catchUp(STREET, envOf(STREET), wanted.street, children);
    say(`street caught up: ${street.fromSpawn.toFixed(1)} s from start (${street.fromReady.toFixed(1)} s from ready), ${wanted.street['residents']} residents`);
    const community = await catchUp(COMMUNITY, envOf(COMMUNITY), wanted.community, children);
    say(`community caught up: ${community.fromSpawn.toFixed(1)} s from start (${community.fromReady.toFixed(1)} s from ready), ${wanted.community['residents']} residents`);
    const copyStreet = copyBaseline(dbs.get(DISTRICT)!.url, dbs.get(STREET)!.url, STREET);
    const copyCommunity = copyBaseline(dbs.get(DISTRICT)!.url, dbs.get(COMMUNITY)!.url, COMMUNITY);

    // Steady state, once the catch-up has settled everywhere: the keeper's own versions of what came
    // down have left its outbox, and the tiers above have applied them (no history row for 3 s).
    await waitFor('the community outbox to drain', async () => Number((await query<{ n: string }>(dbs.get(COMMUNITY)!.url, 'SELECT count(*) AS n FROM base_data.outbox WHERE sent_at IS NULL'))[0]!.n) === 0, 600_000, 500);
    let last = -1;
    await waitFor(
      'the tiers above to settle',
      async () => {
        const n = Number((await query<{ n: string }>(dbs.get(DISTRICT)!.url, 'SELECT count(*) AS n FROM base_data.change_history'))[0]!.n) + Number((await query<{ n: string }>(dbs.get(STREET)!.url, 'SELECT count(*) AS n FROM base_data.change_history'))[0]!.n);
        const settled = n === last;
        last = n;
        return settled;
      },
      600_000,
      3000,
    );
    // Steady state: resident edits at the community, applied at the district.
    const token = await issuer.tokenFor('community');
    // One edit per resident, so that the district's history row of each is found by the resident alone.
    const total = RATE * SECONDS;
    const ids = (await query<{ id: string }>(dbs.get(COMMUNITY)!.url, "SELECT id::text AS id FROM base_data.residents WHERE status = 'active' ORDER BY id LIMIT $1", [total])).map((r) => r.id);
    if (ids.length < total) throw new Error(`${RATE * SECONDS} edits need as many residents; the community has ${ids.length}`);
    const edited = new Map<string, number>();
    const load = await openLoop({
      url: community.service.url,
      rate: RATE,
      seconds: SECONDS,
      maxSockets: 64,
      request: (i) => ({
        method: 'PATCH',
        path: `/api/v1/residents/${ids[i]}`,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ phone: `139${String(10_000_000 + i).slice(-8)}` }),
      }),
      onResponse: (i, status) => {
        if (status === 200) edited.set(ids[i]!, i);
      },
    });
    const due = (i: number) => load.startedAt + (i * 1000) / RATE;
    const arrived = async () =>
      (
        await query<{ k: string; at: Date }>(
          dbs.get(DISTRICT)!.url,
          `SELECT entity_key AS k, min(at) AS at FROM base_data.change_history WHERE entity = 'resident' AND action = 'replicated' AND at >= $1 AND entity_key = ANY($2) GROUP BY 1`,
          [new Date(load.startedAt - 1000), [...edited.keys()]],
        )
      );
    await waitFor('every edit at the district', async () => (await arrived()).length >= edited.size, 120_000, 500).catch(() => undefined);
    const atDistrict = await arrived();
    const expected = edited;
    const e2e = summary(atDistrict.map((r) => r.at.getTime() - due(expected.get(r.k)!)));
    const http = latencySummary(load);
    const size = 1400; // about one resident version on the wire (state, sealed name, ID and phone box)
    for (const s of [districtBd, ...districtServices, street.service, community.service]) await s.stop();
    const transport = await transportLeg(size);

    say(`\n## B8 · Base data across tiers — ${new Date().toISOString().slice(0, 10)}, ${machine()}`);
    say('| catch-up of an empty tier | records | base-data (from start / from ready) | baseline: COPY of the same rows | ratio |');
    say('|---|---|---|---|---|');
    for (const [name, r, w, copy] of [
      [`street ${STREET}`, street, wanted.street, copyStreet],
      [`community ${COMMUNITY}`, community, wanted.community, copyCommunity],
    ] as const) {
      const total = Object.values(w).reduce((a, b) => a + b, 0);
      say(`| ${name} | ${total.toLocaleString('en')} (${w['residents']!.toLocaleString('en')} residents) | ${r.fromSpawn.toFixed(1)} s / ${r.fromReady.toFixed(1)} s | ${copy.toFixed(1)} s | ${(r.fromReady / copy).toFixed(1)}× |`);
    }
    say('');
    say(`| steady state, ${RATE} resident edits/s for ${SECONDS} s | n | p50 | p99 | max |`);
    say('|---|---|---|---|---|');
    say(`| PATCH at the community (HTTP answer) | ${load.offered - load.unfinished} (${[...load.status].filter((s) => s === 200).length} × 200) | ${http.p50.toFixed(1)} ms | ${http.p99.toFixed(1)} ms | ${http.max.toFixed(1)} ms |`);
    say(`| edit applied at the district (due → its history row) | ${e2e.n} of ${expected.size} | ${e2e.p50.toFixed(1)} ms | ${e2e.p99.toFixed(1)} ms | ${e2e.max.toFixed(1)} ms |`);
    say(`| baseline: transport alone (${size}-byte messages, community → district) | ${transport.n} (lost ${transport.lost}) | ${transport.p50.toFixed(1)} ms | ${transport.p99.toFixed(1)} ms | ${transport.max.toFixed(1)} ms |`);
  } finally {
    await stopAll();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
