/**
 * B5 · Reading a grid's photo at the tiers above it (ADR 0010).
 *
 * Four real nats-server processes generated from the org tree (grid 350206001001-07 → community
 * → street → district), mobile-gateway of every tier as its own process with its own database,
 * one S3 server (s3rver, its own process) holding every tier's bucket. For each size, photos are
 * uploaded at the grid, then read:
 *
 *   baseline   at the grid itself: `GET /api/v1/attachments/content?key=…` (302), then the object
 *              from the bucket: what any read costs without crossing a tier;
 *   1–3 hops   the first read at the community, the street, the district
 *              (`…&tier=350206001001-07`): fetched chunk by chunk over the leafnode links, stored
 *              in the reader's bucket, then read from there;
 *   kept       the same read at the district again: served from its copy.
 *
 * Latency is from the request to the last byte of the object (sequential reads, one at a time).
 *
 *   node bench/dist/attachment-relay.js
 *   BENCH_SIZES=200000,2000000 BENCH_READS=10 node bench/dist/attachment-relay.js
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FederationTier } from '@gm/messaging';
import { freePort, provideDatabase, provideOidc, spawnProcess, startFederation, waitFor, type Spawned, type TestDatabase } from '@gm/testing';
import { machine, OUT, percentile, ROOT, say } from './common';

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
const SIZES = (process.env['BENCH_SIZES'] ?? '200000,2000000,10000000').split(',').map(Number);
const READS = Number(process.env['BENCH_READS'] ?? 10);
const S3_KEYS = { S3_ACCESS_KEY: 'S3RVER', S3_SECRET_KEY: 'S3RVER' };

interface Row {
  size: number;
  path: string;
  p50: number;
  p99: number;
  max: number;
  mbPerSecond: number;
}

async function main(): Promise<void> {
  say(`B5 · a grid's photo read at the tiers above it, ${READS} reads per size and path (${machine()})`);
  const s3dir = mkdtempSync(join(tmpdir(), 'gm-bench-s3-'));
  const s3port = await freePort();
  const s3 = spawnProcess(
    process.execPath,
    ['-e', `new (require('s3rver'))({ port: ${s3port}, address: '127.0.0.1', directory: ${JSON.stringify(s3dir)}, silent: true }).run()`],
    { env: { PATH: process.env['PATH'] ?? '' }, cwd: ROOT },
  );
  const s3url = `http://127.0.0.1:${s3port}`;
  await waitFor('s3rver', async () => (await fetch(s3url).catch(() => undefined)) !== undefined, 30_000, 100);
  const oidc = await provideOidc();
  const fed = await startFederation(TIERS);
  const dbs = new Map<string, TestDatabase>();
  const gateways = new Map<string, { url: string; proc: Spawned }>();
  try {
    for (const t of TIERS) dbs.set(t.code, await provideDatabase());
    for (const t of TIERS) {
      const port = await freePort();
      const proc = spawnProcess(process.execPath, [join(ROOT, 'apps/mobile-gateway/dist/main.js')], {
        env: {
          PATH: process.env['PATH'] ?? '',
          TIER_CODE: t.code,
          NATS_URL: fed.tier(t.code).url,
          DATABASE_URL: dbs.get(t.code)!.url,
          OIDC_ISSUER: oidc.issuer,
          OIDC_AUDIENCE: oidc.audience,
          HTTP_HOST: '127.0.0.1',
          HTTP_PORT: String(port),
          LOG_LEVEL: 'warn',
          FEDERATION_ENABLED: 'true',
          S3_ENDPOINT: s3url,
          ...S3_KEYS,
        },
      });
      const url = `http://127.0.0.1:${port}`;
      gateways.set(t.code, { url, proc });
      await waitFor(`mobile-gateway of ${t.code}`, async () => (await fetch(`${url}/readyz`)).status === 200, 60_000, 200);
    }
    const tokens = { grid: await oidc.tokenFor('gw-07'), district: await oidc.tokenFor('district') };
    const readerToken = (tier: string) => (tier === GRID ? tokens.grid : tokens.district);

    const upload = async (bytes: Buffer): Promise<string> => {
      const res = await fetch(`${gateways.get(GRID)!.url}/api/v1/attachments`, {
        method: 'POST',
        headers: { authorization: `Bearer ${tokens.grid}`, 'content-type': 'application/json' },
        body: JSON.stringify({ contentType: 'image/jpeg', sizeBytes: bytes.length }),
      });
      const body = (await res.json()) as { key: string; upload: { url: string; method: string; headers: Record<string, string> } };
      const put = await fetch(body.upload.url, { method: body.upload.method, headers: body.upload.headers, body: bytes });
      if (put.status !== 200) throw new Error(`upload: ${put.status}`);
      return body.key;
    };
    /** Milliseconds from the request to the object's last byte, as a reader at `tier` sees it. */
    const read = async (tier: string, key: string, size: number, holder?: string): Promise<number> => {
      const started = performance.now();
      const q = new URLSearchParams({ key, ...(holder && { tier: holder }) });
      const link = await fetch(`${gateways.get(tier)!.url}/api/v1/attachments/content?${q}`, { headers: { authorization: `Bearer ${readerToken(tier)}` }, redirect: 'manual' });
      if (link.status !== 302) throw new Error(`read at ${tier}: ${link.status} ${await link.text()}`);
      const object = Buffer.from(await (await fetch(link.headers.get('location')!)).arrayBuffer());
      const ms = performance.now() - started;
      if (object.length !== size) throw new Error(`read at ${tier}: ${object.length} bytes instead of ${size}`);
      return ms;
    };

    const rows: Row[] = [];
    for (const size of SIZES) {
      // One warm-up read along the whole path (connections, JIT), not recorded.
      const warm = await upload(randomBytes(size));
      await read(DISTRICT, warm, size, GRID);
      const paths: [string, (key: string) => Promise<number>][] = [
        ['baseline: at the grid', (key) => read(GRID, key, size)],
        ['1 hop: first read at the community', (key) => read(COMMUNITY, key, size, GRID)],
        ['2 hops: first read at the street', (key) => read(STREET, key, size, GRID)],
        ['3 hops: first read at the district', (key) => read(DISTRICT, key, size, GRID)],
        ['kept: again at the district', (key) => read(DISTRICT, key, size, GRID)],
      ];
      const keys: string[] = [];
      for (let i = 0; i < READS; i++) keys.push(await upload(randomBytes(size)));
      for (const [path, run] of paths) {
        const ms: number[] = [];
        for (const key of keys) ms.push(await run(key));
        ms.sort((a, b) => a - b);
        const p50 = percentile(ms, 50);
        rows.push({ size, path, p50, p99: percentile(ms, 99), max: ms[ms.length - 1]!, mbPerSecond: size / 1e6 / (p50 / 1000) });
      }
    }
    say('');
    say('| size | path | p50 | p99 | max | MB/s at p50 | × baseline p50 |');
    say('|---|---|---|---|---|---|---|');
    for (const r of rows) {
      const base = rows.find((b) => b.size === r.size && b.path.startsWith('baseline'))!;
      say(
        `| ${(r.size / 1e6).toFixed(1)} MB | ${r.path} | ${r.p50.toFixed(1)} ms | ${r.p99.toFixed(1)} ms | ${r.max.toFixed(1)} ms | ${r.mbPerSecond.toFixed(1)} | ${(r.p50 / base.p50).toFixed(1)}× |`,
      );
    }
    mkdirSync(OUT, { recursive: true });
    const file = join(OUT, `attachment-relay-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
    writeFileSync(file, JSON.stringify({ machine: machine(), reads: READS, rows }, null, 2));
    say(`written to ${file}`);
  } finally {
    for (const g of gateways.values()) await g.proc.stop().catch(() => undefined);
    await fed.close();
    await oidc.close();
    for (const db of dbs.values()) await db.drop().catch(() => undefined);
    await s3.stop().catch(() => undefined);
    rmSync(s3dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
