import { ReflectMetadataProvider } from '@mikro-orm/decorators/legacy';
import { Migrator } from '@mikro-orm/migrations';
import { Migration } from '@mikro-orm/migrations';
import { MikroORM, type Options } from '@mikro-orm/postgresql';
import type { Constructor, EntityClass } from '@mikro-orm/core';
import pg from 'pg';
import { CommitHookSubscriber } from './commit-hooks';
import type { JsonLogger } from '@gm/telemetry';

export { Migration, MikroORM };

export interface MigrationEntry {
  /** Stable name recorded in the migrations table; never renamed once shipped. */
  readonly name: string;
  readonly class: Constructor<Migration>;
}

export interface DatabaseOptions {
  readonly url: string;
  /** The service's own PostgreSQL schema; it never reads another's. */
  readonly schema: string;
  readonly entities: readonly EntityClass<object>[];
  readonly migrations: readonly MigrationEntry[];
  readonly poolMax?: number;
  /** Where MikroORM's own messages go (migrator progress). Query logging stays off: parameters may be personal data. */
  readonly log?: (message: string) => void;
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

export function ormOptions(opts: DatabaseOptions): Options {
  if (!SCHEMA_NAME.test(opts.schema)) throw new Error(`Invalid schema name "${opts.schema}"`);
  return {
    clientUrl: opts.url,
    schema: opts.schema,
    entities: [...opts.entities],
    metadataProvider: ReflectMetadataProvider,
    extensions: [Migrator],
    // Runs what was registered with `afterCommit(em, …)` once the transaction commits (ADR 0019).
    subscribers: [new CommitHookSubscriber()],
    allowGlobalContext: false,
    forceUtcTimezone: true,
    ensureDatabase: false,
    debug: false,
    ...(opts.log && { logger: opts.log }),
    pool: { min: 0, max: opts.poolMax ?? 10 },
    discovery: { warnWhenNoEntities: false },
    migrations: {
      schema: opts.schema,
      tableName: 'mikro_orm_migrations',
      migrationsList: opts.migrations.map((m) => ({ name: m.name, class: m.class })),
      transactional: true,
      allOrNothing: true,
      snapshot: false,
      emit: 'ts',
    },
  };
}

export async function openDatabase(opts: DatabaseOptions): Promise<MikroORM> {
  return MikroORM.init(ormOptions(opts));
}

// One lock for every service's migrations: the first migration of each creates the PostGIS
// extension, and two services (or replicas) doing that at once would collide.
const MIGRATION_LOCK_KEY = 0x676d_6d67; // "gmmg"

/**
 * Applies pending migrations under a PostgreSQL advisory lock, creating the service's schema
 * first (the migrations table lives in it). Returns the names applied.
 */
export async function migrate(orm: MikroORM, opts: Pick<DatabaseOptions, 'url' | 'schema'>): Promise<string[]> {
  const lock = new pg.Client({ connectionString: opts.url });
  await lock.connect();
  try {
    await lock.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    await lock.query(`CREATE SCHEMA IF NOT EXISTS "${opts.schema}"`);
    const applied = await orm.migrator.up();
    return applied.map((m) => m.name);
  } finally {
    await lock.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => undefined);
    await lock.end();
  }
}

/** MikroORM's messages as structured log events (colour codes stripped). */
export function ormLog(logger: JsonLogger): (message: string) => void {
  return (message) => logger.event('info', 'orm', { message: message.replace(/\x1b\[[0-9;]*m/g, '') }, 'MikroORM');
}

/** SQL of the first migration of every service: PostGIS in `public`, so every schema can use it. */
export const CREATE_POSTGIS_SQL = 'CREATE EXTENSION IF NOT EXISTS postgis WITH SCHEMA public';
