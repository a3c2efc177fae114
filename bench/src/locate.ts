/**
 * `locate` over ~10,000 grid polygons: requests/s and latency through gis's HTTP endpoint (the
 * in-memory index, then PostGIS per request), and the same SQL straight through pgbench, in the
 * same run, with the same concurrency. Load from a second process: wrk (HTTP) and pgbench (SQL).
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { district, machine, percentile, pgBin, ROOT, say, tier } from './common';

const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 15);
const CONNECTIONS = Number(process.env['BENCH_CONNECTIONS'] ?? 16);
const BBOX = { x0: 118.08, y0: 24.48, x1: 118.2, y1: 24.56 };

async function wrk(url: string, token: string): Promise<{ rps: number; p50: number; p99: number; non2xx: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'gm-wrk-'));
  const script = join(dir, 'locate.lua');
  writeFileSync(
    script,
    `math.randomseed(42)
wrk.headers["authorization"] = "Bearer ${token}"
request = function()
  local x = ${BBOX.x0} + math.random() * ${BBOX.x1 - BBOX.x0}
  local y = ${BBOX.y0} + math.random() * ${BBOX.y1 - BBOX.y0}
  return wrk.format("GET", string.format("/api/v1/locate?longitude=%.6f&latitude=%.6f", x, y))
end`,
  );
  // Not spawnSync: the token issuer lives in this process, and a replica may fetch its keys during the run.
  const r = await new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn('wrk', ['-t2', `-c${CONNECTIONS}`, `-d${SECONDS}s`, '--latency', '-s', script, url]);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
  if (r.status !== 0) throw new Error(`wrk failed: ${r.stderr}`);
  const ms = (label: string) => {
    const m = new RegExp(`${label}%\\s+([\\d.]+)(us|ms|s)`).exec(r.stdout);
    if (!m) return Number.NaN;
    const v = Number(m[1]);
    return m[2] === 'us' ? v / 1000 : m[2] === 's' ? v * 1000 : v;
  };
  return { rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(r.stdout)?.[1]), p50: ms('50'), p99: ms('99'), non2xx: Number(/Non-2xx or 3xx responses: (\d+)/.exec(r.stdout)?.[1] ?? 0) };
}

function pgbench(url: string): { rps: number; p50: number; p99: number } {
  const dir = mkdtempSync(join(tmpdir(), 'gm-pgbench-'));
  const script = join(dir, 'locate.sql');
  writeFileSync(
    script,
    `\\set x random(0, 1200000)
\\set y random(0, 800000)
SELECT code FROM gis.boundaries WHERE level = 'grid' AND ST_Covers(geom, ST_SetSRID(ST_MakePoint(${BBOX.x0} + :x / 10000000.0, ${BBOX.y0} + :y / 10000000.0), 4326)) ORDER BY code LIMIT 1;
`,
  );
  const u = new URL(url);
  const r = spawnSync(
    pgBin('pgbench'),
    ['-n', '-f', script, '-c', String(CONNECTIONS), '-j', '2', '-T', String(SECONDS), '-l', '--log-prefix', join(dir, 'tx'), '-h', u.hostname, '-p', u.port || '5432', '-U', u.username || 'postgres', u.pathname.slice(1)],
    { encoding: 'utf8', cwd: dir },
  );
  if (r.status !== 0) throw new Error(`pgbench failed: ${r.stderr}`);
  const latencies = readdirSync(dir)
    .filter((f) => f.startsWith('tx'))
    .flatMap((f) => readFileSync(join(dir, f), 'utf8').trim().split('\n').map((l) => Number(l.split(' ')[2]) / 1000))
    .sort((a, b) => a - b);
  return { rps: Number(/tps = ([\d.]+)/.exec(r.stdout)?.[1]), p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
}

async function main(): Promise<void> {
  // 8 streets × 14 communities × 9 × 10 grids = 10,080 grids (a grid code has two digits: ≤ 99 per community).
  const dir = await district('district-10k-grids', { scale: 0.01, communitiesPerStreet: [14, 14], gridRows: [9, 9], gridCols: [10, 10] });
  const t = await tier();
  try {
    const imported = t.cli('gis', ['import-boundaries', join(dir, 'boundaries.geojson')]);
    if (imported.code !== 0) throw new Error(imported.stderr);
    const grids = (JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as { counts: { grids: number } }).counts.grids;
    const token = await t.issuer.tokenFor('district');

    // A first request fetches the issuer's keys (outside the measured run).
    const warm = async (url: string) => {
      const res = await fetch(`${url}/api/v1/locate?longitude=118.14&latitude=24.52`, { headers: { authorization: `Bearer ${token}` } });
      if (res.status !== 200) throw new Error(`warm-up answered ${res.status}`);
    };
    // BENCH_PROFILE_DIR=<dir>: a V8 CPU profile of the in-memory path's gis during its wrk run
    // (bench/dist/cpu-profile.js; summarize with `node bench/dist/case-intake.js --summarize <file>`).
    const profileDir = process.env['BENCH_PROFILE_DIR'];
    const profiled: { env: Record<string, string>; args: string[] } = profileDir
      ? { env: { BENCH_PROFILE_DIR: profileDir, BENCH_PROFILE_NAME: 'gis-locate' }, args: ['--require', join(ROOT, 'bench', 'dist', 'cpu-profile.js')] }
      : { env: {}, args: [] };
    if (profileDir) mkdirSync(profileDir, { recursive: true });
    const cached = await t.service('gis', { LOCATE_CACHE: 'true', ...profiled.env }, profiled.args);
    await warm(cached.url);
    if (profileDir) process.kill(cached.pid, 'SIGWINCH');
    const a = await wrk(cached.url, token);
    if (profileDir) {
      process.kill(cached.pid, 'SIGWINCH');
      await new Promise((r) => setTimeout(r, 2000));
    }
    await cached.stop();
    // Two replicas of gis on this host sharing one port (HTTP_REUSE_PORT): Node runs a process's
    // JavaScript on one core, PostgreSQL under pgbench runs a process per connection on both.
    const first = await t.service('gis', { LOCATE_CACHE: 'true', HTTP_REUSE_PORT: 'true' });
    const second = await t.service('gis', { LOCATE_CACHE: 'true', HTTP_REUSE_PORT: 'true', HTTP_PORT: new URL(first.url).port });
    await warm(first.url);
    const a2 = await wrk(first.url, token);
    await Promise.all([first.stop(), second.stop()]);
    const sqlPath = await t.service('gis', { LOCATE_CACHE: 'false' });
    await warm(sqlPath.url);
    const b = await wrk(sqlPath.url, token);
    await sqlPath.stop();
    const c = pgbench(t.db.url);

    const f = (n: number) => (Number.isFinite(n) ? n.toFixed(2) : '?');
    say(`\n## locate over ${grids.toLocaleString('en')} grid polygons — ${new Date().toISOString().slice(0, 10)}, ${machine()}; ${CONNECTIONS} connections, ${SECONDS} s each`);
    say('| path | requests/s | p50 (ms) | p99 (ms) | ratio (req/s) to SQL via pgbench |');
    say('|---|---|---|---|---|');
    say(`| gis HTTP \`GET /api/v1/locate\`, in-memory grid index | ${a.rps.toFixed(0)} | ${f(a.p50)} | ${f(a.p99)} | ${(a.rps / c.rps).toFixed(2)}× |`);
    say(`| gis HTTP \`GET /api/v1/locate\`, in-memory grid index, two replicas on one port | ${a2.rps.toFixed(0)} | ${f(a2.p50)} | ${f(a2.p99)} | ${(a2.rps / c.rps).toFixed(2)}× |`);
    say(`| gis HTTP \`GET /api/v1/locate\`, PostGIS per request | ${b.rps.toFixed(0)} | ${f(b.p50)} | ${f(b.p99)} | ${(b.rps / c.rps).toFixed(2)}× |`);
    say(`| baseline: the same SQL through pgbench | ${c.rps.toFixed(0)} | ${f(c.p50)} | ${f(c.p99)} | 1.00× |`);
    if (a.non2xx + a2.non2xx + b.non2xx > 0) say(`(non-2xx answers: ${a.non2xx} cached, ${a2.non2xx} two replicas, ${b.non2xx} SQL)`);
  } finally {
    await t.close();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
