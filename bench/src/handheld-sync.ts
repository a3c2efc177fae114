/**
 * T7 · a handheld's offline queue synced after reconnecting (issue 15): 500 queued reports, each
 * with a 200 KB photo. What the device does once the network is back, timed from the first request
 * to the last answer: for each photo, announce it (`POST /api/v1/attachments`) and PUT it to the
 * presigned link, four at a time; then send the reports, each naming its photo as evidence, through
 * `POST /api/v1/sync` in batches of 100. mobile-gateway checks each photo in the bucket and hands
 * each report to public-sentiment, which stores it as a case.
 *
 * Baseline, in the same run: the same 500 × 200 KB PUT to presigned links of the same bucket, four
 * at a time (the bytes alone, nothing checked or stored besides them).
 *
 * The S3 server (s3rver) runs in a process of its own, so that the CPU of each side is its own:
 * "server CPU" is mobile-gateway + public-sentiment + PostgreSQL; the S3 server's is shown apart.
 *
 *   node bench/dist/handheld-sync.js
 *   BENCH_REPORTS=200 node bench/dist/handheld-sync.js
 */
import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { aReport, freePort, startS3rver, waitFor } from '@gm/testing';
import { cpuOfWork, machine, say, tier } from './common';

const REPORTS = Number(process.env['BENCH_REPORTS'] ?? 500);
const PHOTO_BYTES = 200 * 1024;
const PARALLEL_UPLOADS = 4;
const BATCH = 100;
const GOAL_S = 30;

/** `--s3-server <port> <dir>`: this file as the S3 server's own process. */
async function s3Server(port: number, dir: string): Promise<void> {
  await startS3rver(port, dir);
}

async function inParallel<T>(items: readonly T[], n: number, fn: (item: T, i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (next < items.length) {
        const i = next++;
        await fn(items[i]!, i);
      }
    }),
  );
}

async function main(): Promise<void> {
  const t = await tier();
  const dir = mkdtempSync(join(tmpdir(), 'gm-bench-s3-'));
  const s3Port = await freePort();
  const s3 = spawn(process.execPath, [__filename, '--s3-server', String(s3Port), dir], { stdio: 'ignore' });
  try {
    await waitFor('the S3 server', async () => (await fetch(`http://127.0.0.1:${s3Port}/`).catch(() => undefined)) !== undefined, 20_000, 100);
    const s3Env = { S3_ENDPOINT: `http://127.0.0.1:${s3Port}`, S3_ACCESS_KEY: 'S3RVER', S3_SECRET_KEY: 'S3RVER', S3_BUCKET: 'gm-bench' };
    const ps = await t.service('public-sentiment');
    const gw = await t.service('mobile-gateway', s3Env);
    const token = await t.issuer.tokenFor('gw-07');
    const auth = { authorization: `Bearer ${token}` };
    const photos = Array.from({ length: REPORTS }, () => randomBytes(PHOTO_BYTES));
    const announce = async () => {
      const res = await fetch(`${gw.url}/api/v1/attachments`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ contentType: 'image/jpeg', sizeBytes: PHOTO_BYTES }) });
      if (res.status !== 201) throw new Error(`announce answered ${res.status}: ${await res.text()}`);
      return (await res.json()) as { key: string; upload: { url: string; headers: Record<string, string> } };
    };
    const put = async (upload: { url: string; headers: Record<string, string> }, body: Buffer) => {
      const res = await fetch(upload.url, { method: 'PUT', headers: upload.headers, body });
      if (!res.ok) throw new Error(`PUT answered ${res.status}`);
    };
    // Warm-up: one report the whole way.
    const warm = await announce();
    await put(warm.upload, photos[0]!);

    // Baseline: links made beforehand, then only the bytes.
    const links = await Promise.all(Array.from({ length: REPORTS }, () => announce()));
    const groupOf = (pid: number, comm: string) =>
      pid === gw.pid ? 'mobile-gateway' : pid === ps.pid ? 'public-sentiment' : pid === s3.pid ? 'S3 server' : comm === 'postgres' ? 'PostgreSQL' : pid === process.pid ? 'bench (device)' : undefined;
    let baselineS = 0;
    const baseline = await cpuOfWork(groupOf, async () => {
      const started = performance.now();
      await inParallel(links, PARALLEL_UPLOADS, (link, i) => put(link.upload, photos[i]!));
      baselineS = (performance.now() - started) / 1000;
    });

    // The device's queue after reconnecting.
    let syncS = 0;
    let stored = 0;
    let refused = 0;
    const platform = await cpuOfWork(groupOf, async () => {
      const started = performance.now();
      const keys: string[] = new Array<string>(REPORTS);
      await inParallel(photos, PARALLEL_UPLOADS, async (photo, i) => {
        const a = await announce();
        await put(a.upload, photo);
        keys[i] = a.key;
      });
      for (let i = 0; i < REPORTS; i += BATCH) {
        const items = keys.slice(i, i + BATCH).map((key, j) => {
          const { clientId: _c, ...report } = aReport({ description: `离线上报 #${i + j} (queued offline)`, evidence: [key] });
          return { clientId: randomUUID(), type: 'report', body: report };
        });
        const res = await fetch(`${gw.url}/api/v1/sync`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ items }) });
        const answers = ((await res.json()) as { items: { status: number }[] }).items;
        stored += answers.filter((a) => a.status === 201).length;
        refused += answers.filter((a) => a.status !== 201).length;
      }
      syncS = (performance.now() - started) / 1000;
    });
    const server = (used: Record<string, number>) => (used['mobile-gateway'] ?? 0) + (used['public-sentiment'] ?? 0) + (used['PostgreSQL'] ?? 0);
    const ms = (v: number | undefined) => `${((v ?? 0) / 1000).toFixed(1)} s`;

    say(`\n## T7 · ${REPORTS} queued reports with a ${PHOTO_BYTES / 1024} KB photo each, synced after reconnecting — ${new Date().toISOString().slice(0, 10)}, ${machine()}`);
    say('| run | wall time | stored | server CPU (gateway / public-sentiment / PostgreSQL) | S3 server CPU | device (bench) CPU |');
    say('|---|---|---|---|---|---|');
    say(
      `| handheld sync: announce + PUT each photo (${PARALLEL_UPLOADS} at a time), then ${REPORTS / BATCH} sync batches of ${BATCH} | ${syncS.toFixed(1)} s | ${stored} (${refused} refused) | ${ms(server(platform.used))} (${ms(platform.used['mobile-gateway'])} / ${ms(platform.used['public-sentiment'])} / ${ms(platform.used['PostgreSQL'])}) | ${ms(platform.used['S3 server'])} | ${ms(platform.used['bench (device)'])} |`,
    );
    say(`| baseline: the same ${REPORTS} PUTs of the same bytes to presigned links, ${PARALLEL_UPLOADS} at a time | ${baselineS.toFixed(1)} s | — | ${ms(server(baseline.used))} | ${ms(baseline.used['S3 server'])} | ${ms(baseline.used['bench (device)'])} |`);
    say(`\nGoal ≤ ${GOAL_S} s: ${syncS <= GOAL_S ? 'met' : 'NOT met'} (${syncS.toFixed(1)} s, ${(syncS / baselineS).toFixed(1)}× the bytes alone).`);
    await gw.stop();
    await ps.stop();
  } finally {
    s3.kill('SIGTERM');
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--s3-server') {
  void s3Server(Number(process.argv[3]), process.argv[4]!);
} else {
  main().catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  });
}
