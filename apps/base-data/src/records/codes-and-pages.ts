import { DomainError } from '@gm/contracts';
import type { WriteTx } from './record-writes';
import { decodeCodeCursor, encodeCodeCursor } from './record-writes';

type Client = WriteTx['client'];

/**
 * The code of a record registered by hand, in a grid: the one given (which must be free), or the
 * grid's next serial. One registration at a time per `lock` (a grid, and a class for objects),
 * held to the end of the transaction, so that two never draw the same serial.
 */
export async function codeForNew(
  client: Client,
  spec: {
    readonly table: string;
    readonly lock: string;
    readonly given?: string | undefined;
    /** SQL returning the highest serial in use as `n` (null for none), and its parameters. */
    readonly highest: readonly [string, readonly unknown[]];
    readonly format: (serial: number) => string;
  },
): Promise<string> {
  await client.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [spec.lock]);
  if (spec.given) {
    if ((await client.query(`SELECT 1 FROM ${spec.table} WHERE code = $1`, [spec.given])).rowCount) throw DomainError.validation([{ field: 'code', message: `${spec.given} is taken` }]);
    return spec.given;
  }
  const [row] = (await client.query<{ n: number | null }>(spec.highest[0], [...spec.highest[1]])).rows;
  return spec.format((row?.n ?? 0) + 1);
}

/** WHERE clauses and their parameters, the first being the unit's subtree (`<column> LIKE '<unit>%'`). */
export class Where {
  readonly params: unknown[];
  readonly clauses: string[];

  constructor(gridColumn: string, scope: string) {
    this.params = [`${scope}%`];
    this.clauses = [`${gridColumn} LIKE $1`];
  }

  /** Adds `clause($n)` for `value`, unless the value is absent. */
  add(value: unknown, clause: (p: string) => string): this {
    if (value === undefined || value === null || value === '') return this;
    this.params.push(value);
    this.clauses.push(clause(`$${this.params.length}`));
    return this;
  }
}

/**
 * One page of a list ordered by code: `select` (without WHERE), the filters, then an opaque cursor
 * (the last code of the page before).
 */
export async function pageByCode<T extends { code: string }>(
  query: <R extends object>(sql: string, params: unknown[]) => Promise<R[]>,
  select: string,
  codeColumn: string,
  where: Where,
  page: { readonly cursor?: string | undefined; readonly limit: number },
): Promise<{ items: T[]; nextCursor: string | null }> {
  if (page.cursor) {
    const after = decodeCodeCursor(page.cursor);
    if (after === undefined) throw DomainError.validation([{ field: 'cursor', message: 'not a cursor from this list' }]);
    where.add(after, (p) => `${codeColumn} > ${p}`);
  }
  const params = [...where.params, page.limit + 1];
  const rows = await query<T>(`${select} WHERE ${where.clauses.join(' AND ')} ORDER BY ${codeColumn} LIMIT $${params.length}`, params);
  const items = rows.slice(0, page.limit);
  return { items, nextCursor: rows.length > page.limit ? encodeCodeCursor(items[items.length - 1]!.code) : null };
}

/**
 * What an update changes: SET clauses for the values that differ from the row's (`$1` is the
 * record's key), and the history of each ({ from, to }, or what the caller says for personal data).
 */
export class Changes {
  readonly params: unknown[];
  readonly sets: string[] = [];
  readonly history: Record<string, unknown> = {};

  constructor(key: string) {
    this.params = [key];
  }

  /** Sets `column` to `value` when it is given and differs from `current`. */
  compare(column: string, current: unknown, value: unknown): this {
    if (value === undefined || value === current) return this;
    return this.set(column, value, { from: current, to: value });
  }

  set(column: string, value: unknown, history?: unknown): this {
    this.params.push(value);
    this.sets.push(`${column} = $${this.params.length}`);
    if (history !== undefined) this.history[column] = history;
    return this;
  }

  get empty(): boolean {
    return this.sets.length === 0;
  }

  /** The UPDATE, raising the record's version. */
  async apply(client: Client, table: string, keyColumn = 'code'): Promise<void> {
    await client.query(`UPDATE ${table} SET ${this.sets.join(', ')}, updated_at = now(), version = version + 1 WHERE ${keyColumn} = $1`, this.params);
  }
}
