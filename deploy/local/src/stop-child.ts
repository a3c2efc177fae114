import type { ChildProcess } from 'node:child_process';

/**
 * Stops a child the local default started: SIGTERM, SIGKILL after `graceMs`. Resolves at once for
 * a child that has ended already, whether it exited (`exitCode`) or was killed by a signal
 * (`signalCode`; its `exitCode` stays null, and waiting for an exit that has happened hung Ctrl-C).
 */
export function stopChild(child: ChildProcess, graceMs = 8000): Promise<void> {
  return new Promise<void>((done) => {
    if (child.exitCode !== null || child.signalCode !== null) return done();
    child.once('exit', () => done());
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), graceMs).unref();
  });
}
