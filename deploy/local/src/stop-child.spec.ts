import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { stopChild } from './stop-child';

describe('stopping what the local default started (Ctrl-C)', () => {
  const sleeper = () => spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });

  it('ends a running child', async () => {
    const child = sleeper();
    await once(child, 'spawn');
    await stopChild(child);
    expect(child.signalCode).toBe('SIGTERM');
  });

  it('returns at once for a child that was killed by a signal before (its exitCode stays null)', async () => {
    const child = sleeper();
    await once(child, 'spawn');
    child.kill('SIGKILL');
    await once(child, 'exit');
    expect(child.exitCode).toBeNull();
    expect(child.signalCode).toBe('SIGKILL');
    const stopped = await Promise.race([stopChild(child).then(() => 'stopped'), new Promise((r) => setTimeout(() => r('hung'), 2000))]);
    expect(stopped).toBe('stopped');
  });

  it('returns at once for a child that exited by itself', async () => {
    const child = spawn(process.execPath, ['-e', 'process.exit(3)'], { stdio: 'ignore' });
    await once(child, 'exit');
    expect(child.exitCode).toBe(3);
    await stopChild(child);
  });
});
