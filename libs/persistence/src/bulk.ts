import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { dropCommitHooks, runCommitHooks } from './commit-hooks';
import { BINARY_COPY_HEADER, BINARY_COPY_TRAILER } from './copy-format';

/**
 * Plain `pg` connections beside the ORM, for what its unit of work is not made for: `COPY … FROM
 * STDIN` of millions of rows inside explicit transactions, and hand-written PostGIS SQL on hot
 * paths. Parameters are `$1, $2, …`.
 */
export class RawSql {
  /** The underlying pool, for code that takes either a pool or a client in a transaction. */
  readonly pool: pg.Pool;

  constructor(url: string, max = 2) {
    this.pool = new pg.Pool({ connectionString: url, max });
    // An idle connection the server closed (a restart, an administrator's terminate) is dropped by
    // the pool and replaced on the next query; unhandled, its 'error' event would end the process.
    this.pool.on('error', () => undefined);
  }

  async query<T extends object = Record<string, unknown>>(sql: string, params: readonly unknown[] = []): Promise<T[]> {
    const res = await this.pool.query<T>(sql, params as unknown[]);
    return res.rows;
  }

  /**
   * Runs `fn` in one transaction on one connection; rolls back when it throws. What `fn` registered
   * with `afterCommit(client, …)` runs after the COMMIT (and is dropped on a rollback).
   */
  async transaction<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const result = await fn(client);
      await client.query('COMMIT');
      runCommitHooks(client);
      return result;
    } catch (err) {
      dropCommitHooks(client);
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }

  /**
   * Runs `fn`'s reads in one snapshot (repeatable read, read only): a record and its children read
   * by two statements agree, even when a write commits between them.
   */
  snapshot<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    return this.transaction(async (client) => {
      await client.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY');
      return fn(client);
    });
  }

  /** Streams text-format COPY lines (already escaped, each ending in "\n") into `sql`. */
  async copyIn(client: pg.PoolClient, sql: string, lines: AsyncIterable<string> | Iterable<string>): Promise<void> {
    const sink = client.query(copyFrom(sql));
    await pipeline(Readable.from(batches(lines)), sink);
  }

  /**
   * Streams rows in the binary format (`BinaryCopyRows`) into `sql`, which must say
   * `FROM STDIN (FORMAT binary)`; the header and the trailer are added here.
   */
  async copyInBinary(client: pg.PoolClient, sql: string, chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): Promise<void> {
    const sink = client.query(copyFrom(sql));
    await pipeline(Readable.from(framed(chunks)), sink);
  }

  close(): Promise<void> {
    return this.pool.end();
  }
}

/** Joins lines into ~64 KiB chunks: one stream write per line would dominate the cost. */
async function* batches(lines: AsyncIterable<string> | Iterable<string>): AsyncGenerator<string> {
  let chunk = '';
  for await (const line of lines) {
    chunk += line;
    if (chunk.length >= 65_536) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk) yield chunk;
}

async function* framed(chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  yield BINARY_COPY_HEADER;
  for await (const chunk of chunks) if (chunk.length > 0) yield chunk;
  yield BINARY_COPY_TRAILER;
}

/**
 * A LIKE pattern for an org unit's subtree: a unit's code prefixes every code below it. `%`, `_`
 * and `\` in the code are escaped (codes are validated, but a pattern is no place to trust that).
 */
export function subtreePattern(code: string): string {
  return `${code.replace(/[%_\\]/g, '\\$&')}%`;
}
