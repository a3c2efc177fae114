/**
 * T2 · escalation from a grid to the district across three leafnode hops (issue 5).
 *
 * Two legs in the same run, on the same machine, each on its own chain of four real nats-server
 * processes generated from the org tree (grid 350206001001-07 → community → street → district,
 * JetStream domains, leafnodes, UPLINK sourced by each parent's UPLINK_AGG):
 *
 *   transport  the baseline: the bench publishes to the grid's UPLINK at the rate; at the community
 *              and the street a forwarder consumes the aggregate and republishes into its own UPLINK
 *              (what public-sentiment does minus its database); latency = arrival in the district's
 *              aggregate − due time;
 *   platform   public-sentiment of every tier as its own process with its own database: open-loop
 *              `POST /api/v1/cases/{id}/actions/escalate {"escalateTo": "350206"}` at the grid on
 *              cases reported beforehand; each tier stores its copy (community and street pass it on
 *              in the same transaction, through their outboxes); latency = the district's copy
 *              `created_at` − due time (end to end, every tier's database write included).
 *
 *   node bench/dist/federation-escalation.js
 *   BENCH_RATE=200 BENCH_SECONDS=20 node bench/dist/federation-escalation.js
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager, type ConsumerMessages } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import pg from 'pg';
import { namespace, Rpc } from '@gm/contracts';
import { natsConnectionOptions, RpcClient, type FederationTier } from '@gm/messaging';
import {
  aReport,
  freePort,
  provideDatabase,
  provideOidc,
  spawnProcess,
  startFederation,
  waitFor,
  type Spawned,
  type TestDatabase,
  type TestFederation,
  type TestOidc,
} from '@gm/testing';
import { cpuOfWork, latencySummary, machine, OUT, openLoop, percentile, ROOT, say, type LatencySummary } from './common';

const RATE = Number(process.env['BENCH_RATE'] ?? 200);
const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 20);
const P99_GOAL_MS = 20;

const DISTRICT = '350206';
const STREET = '350206001';
const COMMUNITY = '350206001001';
const GRID = '350206001001-07';
const TIERS: FederationTier[] = [
  { code: DISTRICT, parent: null },
  { code: STREET, parent: DISTRICT },
  { code: COMMUNITY, parent: STREET },
  { code: GRID, parent: COMMUNITY },
];

function summary(values: readonly number[]): LatencySummary & { n: number } {
  const sorted = [...values].sort((a, b) => a - b);
  return { n: sorted.length, p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted.at(-1) ?? Number.NaN };
}
const fmt = (s: LatencySummary) => `p50 ${s.p50.toFixed(1)} ms  p99 ${s.p99.toFixed(1)} ms  max ${s.max.toFixed(1)} ms`;

/** The baseline: the same hops with forwarders instead of the services. */
async function transportLeg(): Promise<{ e2e: ReturnType<typeof summary>; cpuPerMessage: Record<string, number>; lost: number }> {
  const fed = await startFederation(TIERS);
  const conns: NatsConnection[] = [];
  const consumers: ConsumerMessages[] = [];
  const open = async (code: string) => {
    const nc = await connect(natsConnectionOptions([fed.tier(code).url]));
    conns.push(nc);
    return nc;
  };
  const consume = async (code: string, onMessage: (subject: string, data: Uint8Array) => Promise<void> | void) => {
    const nc = await open(code);
    const jsm = await jetstreamManager(nc, { domain: fed.tier(code).domain });
    await jsm.consumers.add('UPLINK_AGG', { durable_name: 'bench', ack_policy: AckPolicy.None, deliver_policy: DeliverPolicy.New });
    const messages = await (await jetstream(nc, { domain: fed.tier(code).domain }).consumers.get('UPLINK_AGG', 'bench')).consume({ max_messages: 512 });
    consumers.push(messages);
    void (async () => {
      for await (const m of messages) await onMessage(m.subject, m.data);
    })();
  };
  try {
    const arrivals = new Map<number, number>();
    await consume(DISTRICT, (_s, data) => {
      arrivals.set(Number(new TextDecoder().decode(data)), Date.now());
    });
    for (const code of [STREET, COMMUNITY]) {
      const js = jetstream(await open(code), { domain: fed.tier(code).domain });
      await consume(code, async (_s, data) => {
        await js.publish(`gm.${code}.uplink.bench`, data, { msgID: `${code}-${new TextDecoder().decode(data)}` });
      });
    }
    const js = jetstream(await open(GRID), { domain: fed.tier(GRID).domain });
    // Warm-up: every consumer and source running before the clock starts.
    for (let i = 0; i < 20; i++) await js.publish(`gm.${GRID}.uplink.bench`, String(-1 - i), { msgID: `warm-${i}` });
    await waitFor('the warm-up through every hop', async () => arrivals.size >= 20, 60_000, 50);
    arrivals.clear();
    const total = RATE * SECONDS;
    let t0 = 0;
    const due = (i: number) => t0 + (i * 1000) / RATE;
    // CPU of the machine beyond its background while the messages flowed and drained.
    const { used } = await cpuOfWork(
      (pid, comm) => (pid === process.pid ? 'bench (load, forwarders)' : comm === 'nats-server' ? 'nats-server' : undefined),
      async () => {
        t0 = Date.now() + 50;
        const pending: Promise<unknown>[] = [];
        for (let i = 0; i < total; i++) {
          const wait = due(i) - Date.now();
          if (wait > 0) await new Promise((r) => setTimeout(r, wait));
          pending.push(js.publish(`gm.${GRID}.uplink.bench`, String(i), { msgID: `g-${i}` }));
        }
        await Promise.all(pending);
        await waitFor('the transport leg to drain', async () => arrivals.size >= total, 60_000, 100).catch(() => undefined);
      },
    );
    const cpuPerMessage = Object.fromEntries(Object.entries(used).map(([k, ms]) => [k, ms / total]));
    const e2e = summary([...arrivals].map(([i, at]) => at - due(i)));
    return { e2e, cpuPerMessage, lost: total - arrivals.size };
  } finally {
    for (const m of consumers) await m.close().catch(() => undefined);
    for (const c of conns) await c.close().catch(() => undefined);
    await fed.close();
  }
}

/**
 * Where each hop's time goes, from what the tiers store anyway (one clock: one machine). For the
 * escalation event a tier writes (outbox `created_at`, in its transaction) and the relay marks sent
 * (`sent_at`, once JetStream acked it), and the next tier's inbox claim (`handled_at`, the start of
 * the transaction that copies it):
 *   `<tier> relay`   sent_at − created_at: commit, wake-up of the relay, publish and ack;
 *   `<tier> → next`  next handled_at − sent_at: sourcing across the leafnode, delivery to the consumer;
 *   `<next> copy`    next created_at of its own escalation event − handled_at: the copy's transaction
 *                    up to writing the onward event (not for the district, which passes nothing on).
 */
async function stagesOf(sql: Map<string, pg.Client>, originIds: readonly string[]): Promise<Record<string, ReturnType<typeof summary>>> {
  const up = async (tier: string) =>
    new Map(
      (
        await sql.get(tier)!.query<{ id: string; origin: string; created: Date; sent: Date | null }>(
          `SELECT id, payload->'data'->'origin'->>'caseId' AS origin, created_at AS created, sent_at AS sent
             FROM public_sentiment.outbox WHERE type = 'gm.uplink.case-escalated.v1' AND payload->'data'->'origin'->>'caseId' = ANY($1::text[])`,
          [originIds],
        )
      ).rows.map((r) => [r.origin, r]),
    );
  const claimed = async (tier: string) =>
    new Map(
      (await sql.get(tier)!.query<{ id: string; at: Date }>(`SELECT event_id AS id, handled_at AS at FROM public_sentiment.inbox WHERE consumer = 'public-sentiment-uplink'`)).rows.map((r) => [
        r.id,
        r.at.getTime(),
      ]),
    );
  const chain = [GRID, COMMUNITY, STREET, DISTRICT];
  const out: Record<string, ReturnType<typeof summary>> = {};
  const ups = new Map<string, Awaited<ReturnType<typeof up>>>();
  for (const tier of chain.slice(0, -1)) ups.set(tier, await up(tier));
  for (let i = 0; i < chain.length - 1; i++) {
    const tier = chain[i]!;
    const next = chain[i + 1]!;
    const mine = ups.get(tier)!;
    const theirs = await claimed(next);
    const relay: number[] = [];
    const transit: number[] = [];
    const copy: number[] = [];
    for (const [origin, r] of mine) {
      if (!r.sent) continue;
      relay.push(r.sent.getTime() - r.created.getTime());
      const at = theirs.get(r.id);
      if (at === undefined) continue;
      transit.push(at - r.sent.getTime());
      const onward = ups.get(next)?.get(origin);
      if (onward) copy.push(onward.created.getTime() - at);
    }
    out[`${tier} relay`] = summary(relay);
    out[`${tier} → ${next}`] = summary(transit);
    if (copy.length > 0) out[`${next} copy`] = summary(copy);
  }
  return out;
}

/** public-sentiment of each tier as the built service in its own process; each can be stopped and started again. */
interface TierProcesses {
  readonly urls: Map<string, string>;
  readonly procs: Map<string, Spawned>;
  start(code: string): Promise<void>;
  stop(code: string): Promise<void>;
  stopAll(): Promise<void>;
}

async function startTiers(fed: TestFederation, oidc: TestOidc, dbs: Map<string, TestDatabase>): Promise<TierProcesses> {
  const urls = new Map<string, string>();
  const procs = new Map<string, Spawned>();
  const ports = new Map<string, number>();
  for (const t of TIERS) ports.set(t.code, await freePort());
  const start = async (code: string) => {
    const port = ports.get(code)!;
    // BENCH_CPU_PROF=1: each tier's process writes a V8 CPU profile into bench/out/prof-<tier>/ when it stops.
    const prof = process.env['BENCH_CPU_PROF'] ? ['--cpu-prof', '--cpu-prof-interval=200', `--cpu-prof-dir=${join(OUT, `prof-${code}`)}`] : [];
    const proc = spawnProcess(process.execPath, [...prof, join(ROOT, 'apps/public-sentiment/dist/main.js')], {
      env: {
        PATH: process.env['PATH'] ?? '',
        TIER_CODE: code,
        NATS_URL: fed.tier(code).url,
        JETSTREAM_DOMAIN: fed.tier(code).domain,
        // BENCH_PG_SOCKET=/var/run/postgresql: the services reach PostgreSQL over its Unix socket, not loopback TCP.
        DATABASE_URL: process.env['BENCH_PG_SOCKET'] ? `${dbs.get(code)!.url}?host=${process.env['BENCH_PG_SOCKET']}` : dbs.get(code)!.url,
        OIDC_ISSUER: oidc.issuer,
        OIDC_AUDIENCE: oidc.audience,
        HTTP_HOST: '127.0.0.1',
        HTTP_PORT: String(port),
        LOG_LEVEL: 'warn',
        FEDERATION_ENABLED: 'true',
        FEDERATION_SUMMARY_MS: '0',
        CASE_DEADLINE_SCAN_MS: '0',
      },
    });
    procs.set(code, proc);
    const url = `http://127.0.0.1:${port}`;
    await waitFor(`public-sentiment of ${code}`, async () => (await fetch(`${url}/readyz`)).status === 200, 60_000, 200);
    urls.set(code, url);
  };
  const stop = async (code: string) => {
    await procs.get(code)?.stop();
    procs.delete(code);
  };
  for (const t of TIERS) await start(t.code);
  return { urls, procs, start, stop, stopAll: async () => { for (const code of [...procs.keys()]) await stop(code); } };
}

/** BENCH_PER_TIER=0 leaves out the run with each tier alone. */
const PER_TIER = process.env['BENCH_PER_TIER'] !== '0';

/** What each tier does alone: the grid taking escalations over HTTP, each tier above copying a backlog. */
interface PerTier {
  /** The grid with every tier above stopped: HTTP answers, and when the last escalation was published into its UPLINK. */
  readonly grid: { http: LatencySummary; publishedMs: number };
  /** Each tier above, started on its own with the whole set waiting in its aggregate: how fast it copies and passes on. */
  readonly drains: { tier: string; ms: number; perSecond: number }[];
}

/**
 * The same escalations with one tier working at a time, as if each had the machine to itself: the
 * community, the street and the district are stopped while the grid takes `ids` at the rate (they
 * wait in its UPLINK), then each is started in turn and copies what waits for it (and passes it
 * on); its rate is counted from its first copy to its last.
 */
async function eachTierAlone(x: { tiers: TierProcesses; sql: Map<string, pg.Client>; worker: string; body: string; ids: readonly string[] }): Promise<PerTier> {
  const { tiers, sql, worker, body, ids } = x;
  const total = ids.length;
  const arrived = async (tier: string) =>
    (
      await sql.get(tier)!.query<{ n: number; first: Date | null; last: Date | null }>(
        `SELECT count(*)::int AS n, min(created_at) AS first, max(created_at) AS last FROM public_sentiment.cases WHERE origin_case_id = ANY($1::uuid[])`,
        [ids],
      )
    ).rows[0]!;
  for (const code of [COMMUNITY, STREET, DISTRICT]) await tiers.stop(code);
  await new Promise((r) => setTimeout(r, 2000)); // let them go quiet
  say(`  each tier alone: the grid takes ${total} at ${RATE}/s with the tiers above stopped…`);
  const r = await openLoop({
    url: tiers.urls.get(GRID)!,
    rate: RATE,
    seconds: SECONDS,
    request: (i) => ({ method: 'POST', path: `/api/v1/cases/${ids[i]}/actions/escalate`, headers: { authorization: `Bearer ${worker}`, 'content-type': 'application/json' }, body }),
    graceMs: 30_000,
  });
  const unsent = async () =>
    Number((await sql.get(GRID)!.query<{ n: string }>(`SELECT count(*) AS n FROM public_sentiment.outbox WHERE type = 'gm.uplink.case-escalated.v1' AND sent_at IS NULL`)).rows[0]!.n);
  await waitFor('the grid to publish them all', async () => (await unsent()) === 0, 120_000, 100);
  const publishedMs = Date.now() - r.startedAt;
  const drains: PerTier['drains'] = [];
  for (const code of [COMMUNITY, STREET, DISTRICT]) {
    const t0 = Date.now();
    await tiers.start(code);
    await waitFor(`${code} to copy them all`, async () => (await arrived(code)).n >= total, 300_000, 200);
    const a = await arrived(code);
    const span = a.first && a.last ? a.last.getTime() - a.first.getTime() : 0;
    drains.push({ tier: code, ms: Date.now() - t0, perSecond: span > 0 ? ((total - 1) * 1000) / span : Number.NaN });
  }
  return { grid: { http: latencySummary(r), publishedMs }, drains };
}

async function platformLeg(): Promise<{
  http: LatencySummary;
  e2e: ReturnType<typeof summary>;
  hops: Record<string, ReturnType<typeof summary>>;
  stages: Record<string, ReturnType<typeof summary>>;
  /** CPU ms per escalation, by process group, over the run and its drain. */
  cpuPerEscalation: Record<string, number>;
  perTier?: PerTier;
  lost: number;
  non200: number;
}> {
  const fed = await startFederation(TIERS);
  const oidc = await provideOidc();
  const dbs = new Map<string, TestDatabase>();
  for (const t of TIERS) dbs.set(t.code, await provideDatabase());
  const tiers = await startTiers(fed, oidc, dbs);
  const { urls } = tiers;
  const sql = new Map<string, pg.Client>();
  for (const t of TIERS) {
    const c = new pg.Client({ connectionString: dbs.get(t.code)!.url });
    await c.connect();
    sql.set(t.code, c);
  }
  const rpc = new RpcClient({ servers: [fed.tier(GRID).url], namespace: namespace(GRID), tier: GRID, service: 'mobile-gateway' });
  try {
    const worker = await oidc.tokenFor('gw-07');
    const total = RATE * SECONDS;
    const WARM = 20;
    // A second set for the run with each tier alone (PER_TIER).
    const reported = total * (PER_TIER ? 2 : 1) + WARM;
    say(`  reporting ${reported} cases at the grid…`);
    const ids: string[] = [];
    for (let i = 0; i < reported; i += 25) {
      const batch = await Promise.all(
        Array.from({ length: Math.min(25, reported - i) }, () =>
          rpc.request(
            Rpc.reportCase,
            { report: aReport({ gridCode: GRID, categoryCode: 'SJ0101' }), idempotencyKey: randomUUID(), channel: 'handheld' },
            { authorization: `Bearer ${worker}` },
          ),
        ),
      );
      ids.push(...batch.map((r) => r.caseId));
    }
    // Warm-up: a few escalations through every hop before the clock runs.
    const body = JSON.stringify({ reason: '需区级处置 (for the district)', escalateTo: DISTRICT });
    const warm = ids.splice(ids.length - WARM, WARM);
    const alone = PER_TIER ? ids.splice(total, total) : [];
    for (const id of warm) {
      await fetch(`${urls.get(GRID)!}/api/v1/cases/${id}/actions/escalate`, { method: 'POST', headers: { authorization: `Bearer ${worker}`, 'content-type': 'application/json' }, body });
    }
    const warmDone = async () =>
      Number((await sql.get(DISTRICT)!.query<{ n: string }>(`SELECT count(*) AS n FROM public_sentiment.cases WHERE origin_case_id = ANY($1::uuid[])`, [warm])).rows[0]!.n) === WARM;
    await waitFor('the warm-up at the district', warmDone, 60_000, 100);
    say(`  escalating at ${RATE}/s for ${SECONDS} s…`);
    let non200 = 0;
    const createdAt = async (tier: string) =>
      new Map(
        (
          await sql.get(tier)!.query<{ origin: string; at: Date }>(`SELECT origin_case_id AS origin, created_at AS at FROM public_sentiment.cases WHERE origin_case_id = ANY($1::uuid[])`, [ids])
        ).rows.map((r) => [
          r.origin,
          r.at.getTime(),
        ]),
      );
    // CPU of the whole machine beyond its background while the escalations ran and drained, by process: what one costs.
    const tierOf = new Map([...tiers.procs].map(([code, p]) => [p.child.pid, `public-sentiment ${code}`]));
    const { result: run, used } = await cpuOfWork(
      (pid, comm) => tierOf.get(pid) ?? (pid === process.pid ? 'bench (load, polling)' : comm === 'postgres' ? 'postgres' : comm === 'nats-server' ? 'nats-server' : 'other'),
      async () => {
        const r = await openLoop({
          url: urls.get(GRID)!,
          rate: RATE,
          seconds: SECONDS,
          request: (i) => ({
            method: 'POST',
            path: `/api/v1/cases/${ids[i]}/actions/escalate`,
            headers: { authorization: `Bearer ${worker}`, 'content-type': 'application/json' },
            body,
          }),
          onResponse: (_i, status) => {
            if (status !== 200) non200 += 1;
          },
          graceMs: 30_000,
        });
        await waitFor('every escalation at the district', async () => (await createdAt(DISTRICT)).size >= total, 120_000, 500).catch(() => undefined);
        return r;
      },
    );
    const cpuPerEscalation = Object.fromEntries(Object.entries(used).map(([k, ms]) => [k, ms / total]));
    const due = (i: number) => run.startedAt + (i * 1000) / RATE;
    const index = new Map(ids.map((id, i) => [id, i]));
    const hops: Record<string, ReturnType<typeof summary>> = {};
    for (const tier of [COMMUNITY, STREET, DISTRICT]) {
      const at = await createdAt(tier);
      hops[tier] = summary([...at].map(([origin, t]) => t - due(index.get(origin)!)));
    }
    const district = await createdAt(DISTRICT);
    const perTier = PER_TIER ? await eachTierAlone({ tiers, sql, worker, body, ids: alone }) : undefined;
    return {
      http: latencySummary(run),
      e2e: hops[DISTRICT]!,
      hops,
      stages: await stagesOf(sql, ids),
      cpuPerEscalation,
      ...(perTier && { perTier }),
      lost: total - district.size,
      non200,
    };
  } finally {
    await rpc.onApplicationShutdown();
    for (const c of sql.values()) await c.end().catch(() => undefined);
    await tiers.stopAll();
    await fed.close();
    await oidc.close();
    for (const db of dbs.values()) await db.drop().catch(() => undefined);
  }
}

async function main(): Promise<void> {
  say(`T2 · escalation grid → district over three leafnode hops at ${RATE}/s for ${SECONDS} s (${machine()})`);
  say('transport leg (baseline: nats-server chain with forwarders, no services)…');
  const transport = await transportLeg();
  say(`  transport  e2e ${fmt(transport.e2e)}  (${transport.e2e.n} arrived, ${transport.lost} missing)`);
  say(`             CPU per message: ${Object.entries(transport.cpuPerMessage).map(([k, ms]) => `${k} ${ms.toFixed(2)} ms`).join(', ')}`);
  say('platform leg (public-sentiment per tier, own database per tier)…');
  const platform = await platformLeg();
  say(`  platform   e2e ${fmt(platform.e2e)}  (${platform.e2e.n} arrived, ${platform.lost} missing, ${platform.non200} non-200)`);
  say(`             http escalate at the grid ${fmt(platform.http)}`);
  for (const [tier, s] of Object.entries(platform.hops)) say(`             copy stored at ${tier.padEnd(15)} ${fmt(s)}`);
  const cpu = Object.entries(platform.cpuPerEscalation).sort((a, b) => b[1] - a[1]);
  const cpuTotal = cpu.reduce((a, [, ms]) => a + ms, 0);
  say(`  CPU per escalation beyond the idle background, whole machine: ${cpuTotal.toFixed(1)} ms (ceiling on ${cpus().length} cores ≈ ${((cpus().length * 1000) / cpuTotal).toFixed(0)}/s)`);
  for (const [group, ms] of cpu) say(`             ${group.padEnd(34)} ${ms.toFixed(2)} ms`);
  if (platform.perTier) {
    const g = platform.perTier.grid;
    say(`  each tier alone (the others stopped):`);
    say(`             grid: http escalate ${fmt(g.http)}; all in its UPLINK ${(g.publishedMs / 1000).toFixed(1)} s after the first was due`);
    for (const d of platform.perTier.drains) {
      say(`             ${d.tier.padEnd(15)} copied the ${RATE * SECONDS} waiting in ${(d.ms / 1000).toFixed(1)} s from its start (${d.perSecond.toFixed(0)}/s from its first copy to its last)`);
    }
  }
  say('  where the time goes (per stage):');
  for (const [stage, s] of Object.entries(platform.stages)) say(`             ${stage.padEnd(34)} ${fmt(s)}`);
  const ratio = (a: number, b: number) => (b > 0 ? a / b : Number.NaN);
  say(`  ratio platform/transport: p50 ${ratio(platform.e2e.p50, transport.e2e.p50).toFixed(1)}×, p99 ${ratio(platform.e2e.p99, transport.e2e.p99).toFixed(1)}×`);
  say(`  goal p99 ≤ ${P99_GOAL_MS} ms end to end: ${platform.e2e.p99 <= P99_GOAL_MS ? 'met' : 'NOT met'}`);
  mkdirSync(OUT, { recursive: true });
  const file = join(OUT, `federation-escalation-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, JSON.stringify({ rate: RATE, seconds: SECONDS, machine: machine(), transport, platform }, null, 2));
  say(`  written to ${file}`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
