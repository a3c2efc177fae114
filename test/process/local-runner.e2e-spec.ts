/**
 * `npm start`'s runner (deploy/local/dist/run.js) as a person uses it: it starts the seven
 * services of one tier; one of them dies by a signal; Ctrl-C then ends the run, promptly, and
 * leaves none of what it started behind (issue 17: the stopper once waited forever on a child
 * killed by a signal). Runs the built runner in its own process, on ports of its own.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { localNats, provideDatabase, waitFor, type TestDatabase, type TestNats } from '@gm/testing';

const RUNNER = resolve(__dirname, '../../deploy/local/dist/run.js');
const OFFSET = 21_000;
const GIS_PORT = 3007 + OFFSET;

/** The pids whose parent is `pid` (Linux /proc). */
function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // Field 4 of /proc/<pid>/stat, after the command in parentheses.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) out.push(Number(entry));
    } catch {
      // Gone meanwhile.
    }
  }
  return out;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('the local runner (npm start): a child killed by a signal, then Ctrl-C', () => {
  let dir: string;
  let db: TestDatabase;
  let nats: TestNats;
  let runner: ChildProcess | undefined;
  let output = '';
  let services: number[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gm-runner-'));
    db = await provideDatabase();
    nats = await localNats('runner');
  });
  afterAll(async () => {
    if (runner && runner.exitCode === null && runner.signalCode === null) runner.kill('SIGKILL');
    for (const pid of services.filter(alive)) process.kill(pid, 'SIGKILL');
    await nats?.stop();
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('ends within 15 s and leaves no process of its own behind', async () => {
    runner = spawn(process.execPath, [RUNNER], {
      env: {
        ...process.env,
        GM_FEDERATION: 'off',
        GM_DISTRICT: 'none',
        GM_LOCAL_DIR: dir,
        GM_PORT_OFFSET: String(OFFSET),
        DATABASE_URL: db.url,
        NATS_URL: nats.url,
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    runner.stdout!.on('data', (b: Buffer) => (output += b.toString()));
    runner.stderr!.on('data', (b: Buffer) => (output += b.toString()));
    await waitFor('the runner to have started the seven services', async () => output.includes('Ctrl-C stops what this run started'), 240_000, 250);

    services = childrenOf(runner.pid!);
    expect(services.length).toBeGreaterThanOrEqual(7);
    expect((await fetch(`http://127.0.0.1:${GIS_PORT}/readyz`)).status).toBe(200);

    // gis dies by a signal (its exit code stays null).
    const gis = services.find((pid) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('apps/gis/dist/main.js'))!;
    expect(gis).toBeDefined();
    process.kill(gis, 'SIGKILL');
    await waitFor('the runner to notice', async () => /gis exited \(SIGKILL\)/.test(output), 15_000, 100);

    // Ctrl-C.
    runner.kill('SIGINT');
    const exited = await Promise.race([once(runner, 'exit').then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 15_000))]);
    expect({ exited, output: exited ? '' : output.slice(-2000) }).toEqual({ exited: true, output: '' });
    expect(runner.exitCode).toBe(0);
    expect(services.filter(alive)).toEqual([]);
    await expect(fetch(`http://127.0.0.1:${3003 + OFFSET}/healthz`)).rejects.toThrow();
  }, 300_000);
});
