import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findBinary, freePort, portAnswers, spawnProcess, waitFor, type Spawned } from './process-utils';
import { sourceFor, uniqueSuffix } from './strategy';

export interface TestNats {
  readonly url: string;
  /** Subject namespace of this test file: isolates it from other workers on a shared server. */
  readonly namespace: string;
  /** Whether this harness owns the server (and can stop and restart it). */
  readonly owned: boolean;
  stop(): Promise<void>;
  start(): Promise<void>;
  close(): Promise<void>;
}

/** The NATS image of the deployments (docker-compose.yml, k8s/base/nats.yaml; test/deploy keeps them equal). */
export const NATS_IMAGE = 'nats:2.10.29-alpine';

export const NATS_SERVER_BINARY = () => findBinary('nats-server', ['/usr/sbin/nats-server', '/usr/bin/nats-server', '/usr/local/bin/nats-server']);

/**
 * NATS with JetStream for one test file. `own: true` always starts a private server (tests that
 * stop and restart NATS); otherwise NATS_URL, else a container, else a local `nats-server -js`.
 */
export async function provideNats(opts: { own?: boolean } = {}): Promise<TestNats> {
  const namespace = `t-${uniqueSuffix()}`.replace(/_/g, '-');
  const source = opts.own ? 'local' : sourceFor('NATS_URL');
  if (source === 'env') {
    const url = process.env['NATS_URL']!;
    const noop = async () => undefined;
    return { url, namespace, owned: false, stop: notOwned, start: notOwned, close: noop };
  }
  if (source === 'container') return containerNats(namespace);
  return localNats(namespace);
}

async function notOwned(): Promise<void> {
  throw new Error('this NATS server is shared; ask provideNats({ own: true }) to stop or restart it');
}

/** A local `nats-server -js`; with `storeDir` its JetStream data outlives it (the local default), else a temp dir is removed on close. */
export async function localNats(namespace: string, port?: number, storeDir?: string): Promise<TestNats> {
  const keep = storeDir !== undefined;
  const dir = storeDir ?? mkdtempSync(join(tmpdir(), 'gm-nats-'));
  const p = port ?? (await freePort());
  let server: Spawned | undefined;
  const start = async () => {
    server = spawnProcess(NATS_SERVER_BINARY(), ['-js', '-a', '127.0.0.1', '-p', String(p), '-sd', dir]);
    await waitFor(`nats-server on port ${p}`, () => portAnswers(p));
  };
  const stop = async () => {
    await server?.stop();
    server = undefined;
    await waitFor(`nats-server on port ${p} to stop`, async () => !(await portAnswers(p)));
  };
  await start();
  return {
    url: `nats://127.0.0.1:${p}`,
    namespace,
    owned: true,
    start,
    stop,
    async close() {
      await server?.stop();
      if (!keep) rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function containerNats(namespace: string): Promise<TestNats> {
  const { GenericContainer, Wait } = await import('testcontainers');
  const container = await new GenericContainer(process.env['GM_NATS_IMAGE'] ?? NATS_IMAGE)
    .withCommand(['-js'])
    .withExposedPorts(4222)
    .withWaitStrategy(Wait.forLogMessage(/Server is ready/))
    .start();
  return {
    url: `nats://${container.getHost()}:${container.getMappedPort(4222)}`,
    namespace,
    owned: false,
    stop: notOwned,
    start: notOwned,
    async close() {
      await container.stop();
    },
  };
}
