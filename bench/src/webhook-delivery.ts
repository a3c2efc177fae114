/**
 * T8 · webhook delivery: case events at 200/s to 20 department endpoints (issue 16).
 *
 * One PostgreSQL database, one NATS server, the dev issuer; service-office from its build as its own
 * process, with 20 subscriptions of one department (urban management, category SJ0101), each to its
 * own endpoint. The endpoints run in a separate process (this file with --receivers): real
 * `node:http` servers that verify every request with `standardwebhooks` and parse it with the
 * `cloudevents` SDK, as a department's system would. Two paths, one after the other, to the same
 * receivers, with the same bodies:
 *
 *   baseline   a bare loop in this process: at each event's due time it signs the CloudEvent body
 *              (Standard Webhooks, one secret) and POSTs it to the 20 endpoints (kept-alive
 *              connections); no database, no NATS, no retry bookkeeping;
 *   platform   the events are published into the tier's CASE_EVENTS stream as public-sentiment's
 *              relay does (`Nats-Msg-Id` = event id); service-office logs each, queues 20
 *              deliveries in the same transaction, and its deliverer sends them.
 *
 * Latency per delivery = the time the receiver accepted it − the event's due time (the CloudEvent's
 * `time`; one machine, one clock). A delivery that never arrives within the grace period is lost and
 * counted in the percentiles at the time it had waited (never flattering). CPU per delivery is the
 * sender's own: this process for the baseline, service-office's for the platform.
 *
 *   node bench/dist/webhook-delivery.js
 *   BENCH_RATE=200 BENCH_SECONDS=20 BENCH_ENDPOINTS=20 node bench/dist/webhook-delivery.js
 */
import { fork, type ChildProcess } from 'node:child_process';
import { createServer, Agent, request } from 'node:http';
import { randomBytes } from 'node:crypto';
import { HTTP, CloudEvent as SdkCloudEvent } from 'cloudevents';
import { Webhook } from 'standardwebhooks';
import pg from 'pg';
import { jetstream } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { createCloudEvent, Events, namespace, scopedSubject, type CloudEvent } from '@gm/contracts';
import { waitFor } from '@gm/testing';
import { machine, percentile, processCpuMs, say, stopsWithTier, tier } from './common';

const RATE = Number(process.env['BENCH_RATE'] ?? 200);
const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 20);
const ENDPOINTS = Number(process.env['BENCH_ENDPOINTS'] ?? 20);
const GRACE_MS = Number(process.env['BENCH_GRACE_MS'] ?? 15_000);
const P99_GOAL_MS = 1000;

type FromReceivers = { kind: 'ports'; ports: number[] } | { kind: 'collected'; received: [string, number, number][]; rejected: number };

if (process.argv.includes('--receivers')) void receivers(process.argv[process.argv.indexOf('--receivers') + 1]!.split(','));
else void main();

/** The endpoints: each verifies and parses every request; records (webhook-id, endpoint, latency). */
async function receivers(secrets: string[]): Promise<void> {
  let received: [string, number, number][] = [];
  let rejected = 0;
  const ports: number[] = [];
  for (const [i, secret] of secrets.entries()) {
    const hook = new Webhook(secret);
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const headers = req.headers as Record<string, string>;
        try {
          hook.verify(body, headers);
          const event = HTTP.toEvent({ headers, body }) as { id: string; time?: string };
          received.push([event.id, i, Date.now() - Date.parse(event.time!)]);
          res.writeHead(204).end();
        } catch {
          rejected++;
          res.writeHead(400).end();
        }
      });
    });
    server.keepAliveTimeout = 60_000;
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    ports.push((server.address() as { port: number }).port);
  }
  process.send!({ kind: 'ports', ports } satisfies FromReceivers);
  process.on('message', (m: { kind: string }) => {
    if (m.kind === 'collect') {
      process.send!({ kind: 'collected', received, rejected } satisfies FromReceivers);
      received = [];
      rejected = 0;
    }
  });
}

function ask(child: ChildProcess, kind: string): Promise<FromReceivers> {
  return new Promise((resolve) => {
    child.once('message', (m: FromReceivers) => resolve(m));
    if (kind !== 'ports') child.send({ kind });
  });
}

/** The events of one run: case reports of urban management's category, each stamped with its due time when sent. */
function eventAt(due: number): CloudEvent {
  return createCloudEvent(
    Events.caseReported,
    {
      caseId: crypto.randomUUID(),
      caseNo: `SQ${String(due).slice(-12)}`,
      state: 'reported',
      categoryCode: 'SJ0101',
      urgency: 'normal',
      gridCode: '350206001001-07',
      location: { latitude: 24.5123, longitude: 118.1456 },
      summary: '垃圾满溢 (bins overflowing)',
      channel: 'handheld',
      reportedAt: new Date(due).toISOString(),
      reporter: { subject: 'a1b2c3d4-0000-5000-a000-000000000007', role: 'grid-worker' },
    },
    { source: '350206/public-sentiment', tier: '350206', time: new Date(due) },
  );
}

interface Outcome {
  readonly path: string;
  readonly expected: number;
  readonly unique: number;
  readonly duplicates: number;
  readonly rejected: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  readonly throughput: number;
  readonly cpuMsPerDelivery: number;
}

function summarise(path: string, sent: Map<string, number>, got: FromReceivers & { kind: 'collected' }, endedAt: number, cpuMs: number, seconds: number): Outcome {
  const seen = new Map<string, number>();
  const latencies: number[] = [];
  let duplicates = 0;
  for (const [id, endpoint, ms] of got.received) {
    if (!sent.has(id)) continue; // a warm-up event arriving late
    const key = `${id}/${endpoint}`;
    if (seen.has(key)) {
      duplicates++;
      continue;
    }
    seen.set(key, ms);
    latencies.push(ms);
  }
  const expected = sent.size * ENDPOINTS;
  // Lost deliveries count at the time they had waited when the run ended.
  for (const [id, due] of sent) for (let e = 0; e < ENDPOINTS; e++) if (!seen.has(`${id}/${e}`)) latencies.push(endedAt - due);
  latencies.sort((a, b) => a - b);
  return {
    path,
    expected,
    unique: seen.size,
    duplicates,
    rejected: got.rejected,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    max: latencies[latencies.length - 1] ?? 0,
    throughput: seen.size / seconds,
    cpuMsPerDelivery: cpuMs / Math.max(1, seen.size),
  };
}

/** Sends `RATE` events a second for `SECONDS`, each at its due time (open loop); returns the events by id with their due times. */
async function schedule(send: (e: CloudEvent) => void): Promise<Map<string, number>> {
  const sent = new Map<string, number>();
  const start = Date.now() + 200;
  const total = RATE * SECONDS;
  for (let i = 0; i < total; i++) {
    const due = start + Math.floor((i * 1000) / RATE);
    const wait = due - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const e = eventAt(due);
    sent.set(e.id, due);
    send(e);
  }
  return sent;
}

async function main(): Promise<void> {
  say(`T8 webhook delivery · ${RATE} events/s for ${SECONDS} s to ${ENDPOINTS} endpoints · ${machine()}`);
  const t = await tier();
  const stops = stopsWithTier(t);
  try {
    const secrets = Array.from({ length: ENDPOINTS }, () => `whsec_${randomBytes(32).toString('base64')}`);
    const rx = fork(__filename, ['--receivers', secrets.join(',')], { stdio: 'inherit' });
    stops.children.push(rx);
    const { ports } = (await ask(rx, 'ports')) as FromReceivers & { kind: 'ports' };
    const urls = ports.map((p) => `http://127.0.0.1:${p}/hooks/gm`);

    // Baseline: a bare loop signing and POSTing the same bodies.
    const agent = new Agent({ keepAlive: true, maxSockets: 64 });
    const hooks = secrets.map((s) => new Webhook(s));
    const cpu0 = process.cpuUsage();
    let inflight = 0;
    const sentBare = await schedule((e) => {
      const message = HTTP.structured(new SdkCloudEvent(e as unknown as Record<string, unknown>, false));
      const body = message.body as string;
      const now = new Date();
      urls.forEach((url, i) => {
        inflight++;
        const req = request(url, {
          method: 'POST',
          agent,
          headers: {
            ...(message.headers as Record<string, string>),
            'content-length': String(Buffer.byteLength(body)),
            'webhook-id': e.id,
            'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
            'webhook-signature': hooks[i]!.sign(e.id, now, body),
          },
        }, (res) => {
          res.resume();
          res.on('end', () => inflight--);
        });
        req.on('error', () => inflight--);
        req.end(body);
      });
    });
    await waitFor('the baseline to finish', async () => inflight === 0, GRACE_MS, 50).catch(() => undefined);
    const cpuBare = process.cpuUsage(cpu0);
    const bare = summarise('baseline', sentBare, (await ask(rx, 'collect')) as FromReceivers & { kind: 'collected' }, Date.now(), (cpuBare.user + cpuBare.system) / 1000, SECONDS);
    agent.destroy();

    // The platform: service-office with 20 subscriptions.
    const so = await t.service('service-office', { WEBHOOK_ALLOW_HOSTS: '127.0.0.1', WEBHOOK_POLL_MS: '200', WEBHOOK_CONCURRENCY: process.env['BENCH_CONCURRENCY'] ?? '32' });
    const token = await t.issuer.tokenFor('admin');
    for (const [i, url] of urls.entries()) {
      const res = await fetch(`${so.url}/api/v1/subscriptions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ department: 'urban-management', url, secret: secrets[i], description: `bench ${i}`, filters: { categories: ['SJ0101'] } }),
      });
      if (res.status !== 201) throw new Error(`subscription ${i}: ${res.status} ${await res.text()}`);
    }
    const nc = await connect({ servers: t.nats.url });
    const js = jetstream(nc);
    const ns = namespace(t.nats.namespace);
    // Warm-up (not recorded): the stream, the consumer, the pools, both processes' code paths.
    await waitFor('the case stream', () => js.publish(scopedSubject(ns, 'gm.case.reported.v1'), JSON.stringify(eventAt(Date.now())), { msgID: crypto.randomUUID() }).then(() => true, () => false), 30_000, 200);
    for (let i = 0; i < 50; i++) {
      const e = eventAt(Date.now());
      await js.publish(scopedSubject(ns, e.type), JSON.stringify(e), { msgID: e.id });
    }
    await new Promise((r) => setTimeout(r, 3000));
    await ask(rx, 'collect');

    const cpuSo0 = processCpuMs(so.pid);
    const pending: Promise<unknown>[] = [];
    const sentPlatform = await schedule((e) => pending.push(js.publish(scopedSubject(ns, e.type), JSON.stringify(e), { msgID: e.id })));
    await Promise.all(pending);
    const expected = sentPlatform.size * ENDPOINTS;
    let collected: [string, number, number][] = [];
    let rejected = 0;
    const until = Date.now() + GRACE_MS;
    while (Date.now() < until) {
      await new Promise((r) => setTimeout(r, 500));
      const got = (await ask(rx, 'collect')) as FromReceivers & { kind: 'collected' };
      collected = collected.concat(got.received);
      rejected += got.rejected;
      if (new Set(collected.map(([id, e]) => `${id}/${e}`)).size >= expected) break;
    }
    const cpuSo = processCpuMs(so.pid) - cpuSo0;
    const platform = summarise('platform', sentPlatform, { kind: 'collected', received: collected, rejected }, Date.now(), cpuSo, SECONDS);
    await nc.close();
    // Where the platform's time went: event → queued (the fan-out consumer), queued → delivered (the sender).
    const db = new pg.Client({ connectionString: t.db.url });
    await db.connect();
    const stages = (
      await db.query<{ stage: string; p50: number; p99: number }>(
        `SELECT 'event → queued' AS stage, percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) AS p50, percentile_cont(0.99) WITHIN GROUP (ORDER BY ms) AS p99
           FROM (SELECT extract(epoch FROM d.created_at - e.occurred_at) * 1000 AS ms FROM service_office.deliveries d JOIN service_office.case_event_log e ON e.seq = d.event_seq WHERE e.event_id = ANY($1::uuid[])) q
         UNION ALL
         SELECT 'queued → delivered', percentile_cont(0.5) WITHIN GROUP (ORDER BY ms), percentile_cont(0.99) WITHIN GROUP (ORDER BY ms)
           FROM (SELECT extract(epoch FROM d.delivered_at - d.created_at) * 1000 AS ms FROM service_office.deliveries d WHERE d.event_id = ANY($1::uuid[]) AND d.delivered_at IS NOT NULL) q`,
        [[...sentPlatform.keys()]],
      )
    ).rows;
    await db.end();

    say('');
    say('path       deliveries  received  dup  rejected   p50 ms   p99 ms   max ms   deliveries/s   sender CPU ms/delivery');
    for (const o of [bare, platform])
      say(
        `${o.path.padEnd(10)} ${String(o.expected).padStart(10)} ${String(o.unique).padStart(9)} ${String(o.duplicates).padStart(4)} ${String(o.rejected).padStart(9)} ${o.p50.toFixed(0).padStart(8)} ${o.p99.toFixed(0).padStart(8)} ${o.max.toFixed(0).padStart(8)} ${o.throughput.toFixed(0).padStart(14)} ${o.cpuMsPerDelivery.toFixed(3).padStart(24)}`,
      );
    const lost = platform.expected - platform.unique;
    say('');
    say(`goal: p99 ≤ ${P99_GOAL_MS} ms and 0 lost → p99 ${platform.p99.toFixed(0)} ms, ${lost} lost: ${platform.p99 <= P99_GOAL_MS && lost === 0 ? 'MET' : 'NOT MET'}`);
    for (const st of stages) say(`platform stage ${st.stage.padEnd(20)} p50 ${Number(st.p50).toFixed(0).padStart(6)} ms   p99 ${Number(st.p99).toFixed(0).padStart(6)} ms`);
    say(`platform / baseline: p50 ×${(platform.p50 / Math.max(1, bare.p50)).toFixed(1)}, p99 ×${(platform.p99 / Math.max(1, bare.p99)).toFixed(1)}, CPU per delivery ×${(platform.cpuMsPerDelivery / Math.max(0.001, bare.cpuMsPerDelivery)).toFixed(1)}`);
  } finally {
    await stops.shutdown();
  }
}
