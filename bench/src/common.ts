import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readdirSync, readFileSync } from 'node:fs';
import { Agent, request as httpRequest } from 'node:http';
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

export interface RunningService {
  readonly url: string;
  readonly pid: number;
  stop(): Promise<void>;
}

export interface Tier {
  readonly db: TestDatabase;
  readonly nats: TestNats;
  readonly issuer: DevIssuer;
  readonly env: Record<string, string>;
  /** `nodeArgs` go before the script (e.g. `--require` a profiler); `pid` is for CPU accounting. */
  service(name: string, extra?: Record<string, string>, nodeArgs?: readonly string[]): Promise<RunningService>;
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
    async service(name, extra = {}, nodeArgs = []) {
      // HTTP_PORT given (with HTTP_REUSE_PORT): another replica on the same port.
      const shared = extra['HTTP_PORT'] !== undefined;
      const port = shared ? Number(extra['HTTP_PORT']) : await freePort();
      const before = listeningSockets(port);
      // BENCH_SERVICE_LOGS=<dir>: each service's output to <dir>/<service>-<port>.log (else dropped).
      const logs = process.env['BENCH_SERVICE_LOGS'];
      let out: number | 'ignore' = 'ignore';
      if (logs) {
        mkdirSync(logs, { recursive: true });
        out = openSync(join(logs, `${name}-${port}.log`), 'a');
      }
      const child = spawn(process.execPath, [...nodeArgs, join(ROOT, 'apps', name, 'dist', 'main.js')], {
        env: { ...process.env, ...env, ...extra, HTTP_PORT: String(port) },
        stdio: ['ignore', out, out],
      });
      children.push(child);
      const url = `http://127.0.0.1:${port}`;
      // A replica on a shared port is up when its own listening socket appears (the port answers already).
      await waitFor(`${name} ready`, async () => (shared ? listeningSockets(port) > before : (await fetch(`${url}/readyz`)).status === 200), 60_000, 200);
      return {
        url,
        pid: child.pid!,
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

/** Listening TCP sockets on `port` (each process with SO_REUSEPORT has its own), from /proc/net/tcp. */
function listeningSockets(port: number): number {
  const hex = `:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  return readFileSync('/proc/net/tcp', 'utf8')
    .split('\n')
    .filter((l) => {
      const f = l.trim().split(/\s+/);
      return f[1]?.endsWith(hex) && f[3] === '0A';
    }).length;
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

// ---------------------------------------------------------------------------------------------
// Open-loop load: requests leave on a fixed schedule whatever the answers do, and each latency is
// measured from the moment the request was *due*, not from when it actually left. A stalled
// server therefore shows up as latency (no coordinated omission), and a late load generator shows
// up too (its own lag is reported separately so that it can be told apart).

export interface OpenLoopRequest {
  readonly method?: string;
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

export interface OpenLoopSpec {
  /** `http://127.0.0.1:port` */
  readonly url: string;
  /** Requests per second, evenly spaced. */
  readonly rate: number;
  readonly seconds: number;
  readonly request: (i: number) => OpenLoopRequest;
  /** Called with each answer (status, body text) as it completes. */
  readonly onResponse?: (i: number, status: number, body: string) => void;
  /** Keep-alive connections at most (one request in flight per connection, as HTTP/1.1 clients do). */
  readonly maxSockets?: number;
  /** How long after the last due time answers are still awaited; later ones count as unfinished. */
  readonly graceMs?: number;
}

export interface OpenLoopResult {
  readonly rate: number;
  readonly seconds: number;
  readonly offered: number;
  /** Wall-clock time (epoch ms) of the first due time; `due(i) = startedAt + i × 1000 / rate`. */
  readonly startedAt: number;
  /** ms from due time to the end of the answer; NaN while unfinished. */
  readonly latency: Float64Array;
  /** HTTP status; 0 for a transport error or no answer. */
  readonly status: Int16Array;
  /** ms from due time to actually writing the request (the generator's own lateness). */
  readonly sendLag: Float64Array;
  /** ms from the first due time to the last answer. */
  readonly lastAnswerMs: number;
  /** ms from the first due time until the schedule or the grace period ended, whichever came last. */
  readonly endedMs: number;
  readonly unfinished: number;
  readonly transportErrors: number;
  readonly peakInFlight: number;
}

export function openLoop(spec: OpenLoopSpec): Promise<OpenLoopResult> {
  const target = new URL(spec.url);
  const agent = new Agent({ keepAlive: true, maxSockets: spec.maxSockets ?? 512, maxFreeSockets: spec.maxSockets ?? 512, scheduling: 'fifo' });
  const total = Math.round(spec.rate * spec.seconds);
  const gap = 1000 / spec.rate;
  const latency = new Float64Array(total).fill(Number.NaN);
  const sendLag = new Float64Array(total).fill(Number.NaN);
  const status = new Int16Array(total);
  let inFlight = 0;
  let peakInFlight = 0;
  let finished = 0;
  let transportErrors = 0;
  let lastAnswer = 0;
  const t0 = performance.now() + 20;
  const startedAt = Date.now() + (t0 - performance.now());

  return new Promise((resolve) => {
    let next = 0;
    let timer: NodeJS.Timeout | undefined;
    let settled = false;
    const finish = () => {
      if (settled) return;
      settled = true;
      if (timer) clearTimeout(timer);
      agent.destroy();
      resolve({
        rate: spec.rate,
        seconds: spec.seconds,
        offered: total,
        startedAt,
        latency,
        status,
        sendLag,
        lastAnswerMs: lastAnswer - t0,
        endedMs: performance.now() - t0,
        unfinished: total - finished,
        transportErrors,
        peakInFlight,
      });
    };
    const fire = (i: number) => {
      const due = t0 + i * gap;
      const r = spec.request(i);
      inFlight += 1;
      if (inFlight > peakInFlight) peakInFlight = inFlight;
      const done = (code: number, body: string) => {
        if (!Number.isNaN(latency[i]!)) return;
        const now = performance.now();
        latency[i] = now - due;
        status[i] = code;
        lastAnswer = Math.max(lastAnswer, now);
        inFlight -= 1;
        finished += 1;
        if (code !== 0) spec.onResponse?.(i, code, body);
        if (finished === total) finish();
      };
      const req = httpRequest(
        {
          agent,
          host: target.hostname,
          port: target.port,
          method: r.method ?? 'POST',
          path: r.path,
          headers: { ...r.headers, 'content-length': String(Buffer.byteLength(r.body)) },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => done(res.statusCode ?? 0, Buffer.concat(chunks).toString('utf8')));
          res.on('error', () => {
            if (settled || !Number.isNaN(latency[i]!)) return;
            transportErrors += 1;
            done(0, '');
          });
        },
      );
      req.on('error', () => {
        if (settled || !Number.isNaN(latency[i]!)) return;
        transportErrors += 1;
        done(0, '');
      });
      req.end(r.body);
      sendLag[i] = performance.now() - due;
    };
    const tick = () => {
      const now = performance.now();
      while (next < total && t0 + next * gap <= now) fire(next++);
      if (next < total) {
        timer = setTimeout(tick, Math.max(0, t0 + next * gap - performance.now()));
      } else {
        timer = setTimeout(finish, (spec.graceMs ?? 10_000) + Math.max(0, t0 + total * gap - performance.now()));
      }
    };
    timer = setTimeout(tick, Math.max(0, t0 - performance.now()));
  });
}

export interface LatencySummary {
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
}

/**
 * Percentiles over every request of a run: answered ones by their latency, unanswered ones by
 * the time they had waited when the run ended (a lower bound, so the figure is never flattering).
 */
export function latencySummary(r: OpenLoopResult, dueEndMs = r.endedMs): LatencySummary {
  const all = Array.from(r.latency, (v, i) => (Number.isNaN(v) ? dueEndMs - (i * 1000) / r.rate : v)).sort((a, b) => a - b);
  return { p50: percentile(all, 50), p99: percentile(all, 99), max: all[all.length - 1] ?? Number.NaN };
}

// ---------------------------------------------------------------------------------------------
// CPU accounting from /proc (Linux): who spent the two cores during a step.

const CLK_TCK = (() => {
  const r = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' });
  const n = Number(r.stdout?.trim());
  return Number.isFinite(n) && n > 0 ? n : 100;
})();

/** utime + stime of a process in ms (0 when it is gone). */
export function processCpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLK_TCK;
  } catch {
    return 0;
  }
}

/** CPU (ms) of this process's finished children (a `spawnSync` that returned counts here, all its threads included). */
export function childrenCpuMs(): number {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[13]) + Number(fields[14])) * 1000) / CLK_TCK;
}

/**
 * CPU (ms) of the machine's PostgreSQL server so far: the postmaster with the backends it has
 * reaped (a session that ended counts here), and its processes still running.
 */
export function postgresCpuMs(): number {
  const stats = new Map<number, string[]>();
  for (const pid of findProcesses((comm) => comm === 'postgres')) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      stats.set(pid, stat.slice(stat.lastIndexOf(')') + 2).split(' '));
    } catch {
      /* gone meanwhile */
    }
  }
  let ticks = 0;
  for (const f of stats.values()) {
    const parentIsPostgres = stats.has(Number(f[1]));
    ticks += Number(f[11]) + Number(f[12]) + (parentIsPostgres ? 0 : Number(f[13]) + Number(f[14]));
  }
  return (ticks * 1000) / CLK_TCK;
}

/** Processes whose command name (`/proc/<pid>/comm`) and command line match. */
export function findProcesses(match: (comm: string, cmdline: string) => boolean): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const comm = readFileSync(`/proc/${entry}/comm`, 'utf8').trim();
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
      if (match(comm, cmdline)) pids.push(Number(entry));
    } catch {
      /* gone meanwhile */
    }
  }
  return pids;
}

/** Busy, interrupt (irq + softirq: loopback networking is mostly here) and total CPU time of the machine, ms (from /proc/stat). */
export function machineCpuMs(): { busy: number; irq: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  const idle = (v[3] ?? 0) + (v[4] ?? 0);
  const irq = (v[5] ?? 0) + (v[6] ?? 0);
  const total = v.slice(0, 8).reduce((a, b) => a + b, 0);
  return { busy: ((total - idle) * 1000) / CLK_TCK, irq: (irq * 1000) / CLK_TCK, total: (total * 1000) / CLK_TCK };
}

/**
 * CPU spent by named groups of processes between `start()` and `stop()`. Groups are re-resolved
 * at both ends (PostgreSQL starts backends on demand), so a process that started in between
 * counts its whole life, and one that ended in between is lost (pools keep theirs open).
 */
export class CpuMeter {
  private before = new Map<number, number>();
  private machineBefore = { busy: 0, irq: 0, total: 0 };

  constructor(private readonly groups: Readonly<Record<string, () => number[]>>) {}

  start(): void {
    this.before = new Map();
    for (const pids of Object.values(this.groups)) for (const pid of pids()) this.before.set(pid, processCpuMs(pid));
    const u = process.cpuUsage();
    this.before.set(process.pid, u.user / 1000 + u.system / 1000);
    this.machineBefore = machineCpuMs();
  }

  /**
   * ms of CPU per group and of the load generator (this process); the machine's busy share, the
   * interrupt share, and the share used by every other process (other people's work on a shared
   * machine).
   */
  stop(): { perGroup: Record<string, number>; generator: number; irq: number; machineBusy: number; other: number } {
    const perGroup: Record<string, number> = {};
    for (const [name, pids] of Object.entries(this.groups)) {
      perGroup[name] = pids().reduce((sum, pid) => sum + processCpuMs(pid) - (this.before.get(pid) ?? 0), 0);
    }
    const u = process.cpuUsage();
    const generator = u.user / 1000 + u.system / 1000 - (this.before.get(process.pid) ?? 0);
    const m = machineCpuMs();
    const total = Math.max(1, m.total - this.machineBefore.total);
    const machineBusy = (m.busy - this.machineBefore.busy) / total;
    const irq = m.irq - this.machineBefore.irq;
    const ours = Object.values(perGroup).reduce((a, b) => a + b, 0) + generator;
    return { perGroup, generator, irq, machineBusy, other: Math.max(0, (m.busy - this.machineBefore.busy - irq - ours) / total) };
  }
}

/** CPU time (user + system, ms) of every process on the machine, by pid, with its command name (Linux /proc). */
export function cpuSnapshot(): Map<number, { comm: string; ms: number }> {
  const out = new Map<number, { comm: string; ms: number }>();
  const tickMs = 1000 / 100; // USER_HZ is 100 on Linux
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      const comm = stat.slice(stat.indexOf('(') + 1, close);
      const fields = stat.slice(close + 2).split(' ');
      // Fields after the command: state is [0], utime is [11], stime is [12].
      out.set(Number(name), { comm, ms: (Number(fields[11]) + Number(fields[12])) * tickMs });
    } catch {
      // The process ended between listing and reading.
    }
  }
  return out;
}

/**
 * CPU ms used between two snapshots, grouped by `groupOf` (pid and command name → group, or
 * undefined to leave out); processes that started in between count from zero.
 */
export function cpuUsed(
  before: Map<number, { comm: string; ms: number }>,
  after: Map<number, { comm: string; ms: number }>,
  groupOf: (pid: number, comm: string) => string | undefined,
): Record<string, number> {
  const used: Record<string, number> = {};
  for (const [pid, a] of after) {
    const group = groupOf(pid, a.comm);
    if (group === undefined) continue;
    const b = before.get(pid);
    used[group] = (used[group] ?? 0) + a.ms - (b && b.comm === a.comm ? b.ms : 0);
  }
  return used;
}

/**
 * CPU a piece of work costs on the whole machine, by group: measures the background for `quietMs`
 * first (servers idling: heartbeats, timers, other processes) and takes it out of what `work`
 * used, in proportion to how long the work took. Returns ms by group (negative noise clamped to 0).
 */
export async function cpuOfWork<T>(
  groupOf: (pid: number, comm: string) => string | undefined,
  work: () => Promise<T>,
  quietMs = 2000,
): Promise<{ result: T; used: Record<string, number>; background: Record<string, number> }> {
  const q0 = cpuSnapshot();
  const tq0 = performance.now();
  await new Promise((r) => setTimeout(r, quietMs));
  const background = cpuUsed(q0, cpuSnapshot(), groupOf);
  const quiet = performance.now() - tq0;
  const w0 = cpuSnapshot();
  const tw0 = performance.now();
  const result = await work();
  const raw = cpuUsed(w0, cpuSnapshot(), groupOf);
  const scale = (performance.now() - tw0) / quiet;
  const used = Object.fromEntries(Object.entries(raw).map(([k, ms]) => [k, Math.max(0, ms - (background[k] ?? 0) * scale)]));
  return { result, used, background: Object.fromEntries(Object.entries(background).map(([k, ms]) => [k, (ms * 1000) / quiet])) };
}

/**
 * What a benchmark started beside its tier (child processes, connections), stopped with it once:
 * on its own end, and on Ctrl-C or a kill (then the process exits 130).
 */
export function stopsWithTier(t: Tier): { readonly children: ChildProcess[]; readonly closers: (() => Promise<unknown>)[]; shutdown(): Promise<void> } {
  const children: ChildProcess[] = [];
  const closers: (() => Promise<unknown>)[] = [];
  let closed: Promise<void> | undefined;
  const shutdown = () =>
    (closed ??= (async () => {
      for (const c of children) c.kill('SIGTERM');
      for (const close of closers) await close().catch(() => undefined);
      await t.close();
    })());
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void shutdown().finally(() => process.exit(130)));
  return { children, closers, shutdown };
}
