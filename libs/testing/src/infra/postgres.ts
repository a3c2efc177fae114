import { chownSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { findBinary, freePort, spawnProcess, waitFor, type Spawned } from './process-utils';
import { sourceFor, uniqueSuffix } from './strategy';

export interface TestDatabase {
  /** URL of a fresh database of its own, with PostGIS available. */
  readonly url: string;
  readonly name: string;
  drop(): Promise<void>;
}

/** The PostGIS image of docker-compose.yml (test/deploy keeps them equal). */
export const POSTGIS_IMAGE = 'postgis/postgis:15-3.4';

const TEMPLATE = 'gm_test_template_postgis';
const LOCAL_ADMIN_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

/**
 * A throw-away database for one test file: on the server of DATABASE_URL, else in a PostGIS
 * container, else on the machine's PostgreSQL (127.0.0.1:5432), else in a throw-away cluster.
 */
export async function provideDatabase(): Promise<TestDatabase> {
  switch (sourceFor('DATABASE_URL')) {
    case 'env':
      return databaseOn(process.env['DATABASE_URL']!);
    case 'container':
      return containerDatabase();
    case 'local':
      if (await serverAnswers(LOCAL_ADMIN_URL)) return databaseOn(LOCAL_ADMIN_URL);
      return clusterDatabase();
  }
}

async function serverAnswers(url: string): Promise<boolean> {
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1500 });
  try {
    await c.connect();
    await c.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await c.end().catch(() => undefined);
  }
}

function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

/** Creates a database from a PostGIS template (made once per server, under an advisory lock). */
export async function databaseOn(adminUrl: string, cleanup: () => Promise<void> = async () => undefined): Promise<TestDatabase> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  const name = `gm_t_${uniqueSuffix()}`.toLowerCase();
  try {
    await admin.query('SELECT pg_advisory_lock(4242)');
    try {
      const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [TEMPLATE]);
      if (exists.rowCount === 0) {
        await admin.query(`CREATE DATABASE ${TEMPLATE}`);
        const t = new pg.Client({ connectionString: withDatabase(adminUrl, TEMPLATE) });
        await t.connect();
        await t.query('CREATE EXTENSION IF NOT EXISTS postgis');
        await t.end();
      }
      await admin.query(`CREATE DATABASE ${name} TEMPLATE ${TEMPLATE}`);
    } finally {
      await admin.query('SELECT pg_advisory_unlock(4242)');
    }
  } finally {
    await admin.end();
  }
  return {
    url: withDatabase(adminUrl, name),
    name,
    async drop() {
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => undefined);
      await c.end();
      await cleanup();
    },
  };
}

async function containerDatabase(): Promise<TestDatabase> {
  const { GenericContainer, Wait } = await import('testcontainers');
  const container = await new GenericContainer(process.env['GM_POSTGIS_IMAGE'] ?? POSTGIS_IMAGE)
    .withEnvironment({ POSTGRES_PASSWORD: 'postgres' })
    .withExposedPorts(5432)
    .withWaitStrategy(Wait.forLogMessage(/database system is ready to accept connections/, 2))
    .start();
  const adminUrl = `postgres://postgres:postgres@${container.getHost()}:${container.getMappedPort(5432)}/postgres`;
  return databaseOn(adminUrl, async () => {
    await container.stop();
  });
}

/** A throw-away cluster (initdb) on a free port, for machines without a PostgreSQL server. */
async function clusterDatabase(): Promise<TestDatabase> {
  const bin = pgBinDir();
  const dir = mkdtempSync(join(tmpdir(), 'gm-pg-'));
  const asRoot = process.getuid?.() === 0;
  const ids = asRoot ? postgresIds() : undefined;
  if (ids) chownSync(dir, ids.uid, ids.gid);
  const run = (cmd: string, args: string[]) => spawnProcess(join(bin, cmd), args, { ...(ids && { uid: ids.uid, gid: ids.gid }) });
  await exited(run('initdb', ['-D', join(dir, 'data'), '-U', 'postgres', '-A', 'trust', '--no-sync']));
  const port = await freePort();
  const server: Spawned = run('postgres', ['-D', join(dir, 'data'), '-p', String(port), '-k', dir, '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off']);
  const adminUrl = `postgres://postgres@127.0.0.1:${port}/postgres`;
  await waitFor('throw-away PostgreSQL', () => serverAnswers(adminUrl));
  return databaseOn(adminUrl, async () => {
    await server.stop('SIGINT');
    rmSync(dir, { recursive: true, force: true });
  });
}

function pgBinDir(): string {
  const root = '/usr/lib/postgresql';
  const versions = readdirSync(root).sort((a, b) => Number(b) - Number(a));
  const v = versions[0];
  if (!v) throw new Error('no PostgreSQL binaries under /usr/lib/postgresql');
  return findBinary(join(root, v, 'bin'), [join(root, v, 'bin')]);
}

function postgresIds(): { uid: number; gid: number } {
  const passwd = readFileSync('/etc/passwd', 'utf8');
  const line = passwd.split('\n').find((l) => l.startsWith('postgres:'));
  if (!line) throw new Error('running as root and no postgres user to run initdb as');
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}

function exited(p: Spawned): Promise<void> {
  return new Promise((resolve, reject) => {
    p.child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`exit ${code}: ${(p.child as unknown as { lastStderr: () => string }).lastStderr()}`))));
  });
}
