/**
 * Preloaded into a benchmarked process (`node --require bench/dist/cpu-profile.js …`): the first
 * SIGWINCH starts V8's sampling profiler, the second writes `<dir>/<name>-<n>.cpuprofile` (open it
 * in Chrome DevTools or summarize it with `node bench/dist/case-intake.js --summarize <file>`).
 * A signal rather than `--cpu-prof`: Nest re-raises SIGTERM after its shutdown hooks, and a process
 * killed by a signal never writes its `--cpu-prof` file; a signal also profiles exactly one step
 * instead of the whole life with its start-up. SIGWINCH because Nest's `enableShutdownHooks()`
 * shuts the app down on every other spare signal (SIGUSR2 included) and SIGUSR1 opens the inspector.
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { join } from 'node:path';

const dir = process.env['BENCH_PROFILE_DIR'] ?? process.cwd();
const name = process.env['BENCH_PROFILE_NAME'] ?? `pid${process.pid}`;
let session: Session | undefined;
let n = 0;

process.on('SIGWINCH', () => {
  if (!session) {
    const s = new Session();
    session = s;
    s.connect();
    s.post('Profiler.enable', () => s.post('Profiler.setSamplingInterval', { interval: 250 }, () => s.post('Profiler.start')));
    return;
  }
  const s = session;
  session = undefined;
  s.post('Profiler.stop', (err, result) => {
    if (!err) writeFileSync(join(dir, `${name}-${++n}.cpuprofile`), JSON.stringify(result.profile));
    s.disconnect();
  });
});
