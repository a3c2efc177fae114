import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { DomainError, type CsvImportResult, type FieldError } from '@gm/contracts';
import type { ServiceMetrics } from '@gm/telemetry';
import { copyLine, type RawSql } from '@gm/persistence';
import { CsvSyntaxError, readCsv, type CsvReadProgress } from './csv-reader';
import { RowWorkerPool, type ParallelRows } from './row-workers';

export type CopyValue = string | number | boolean | null | undefined;

/** A checked row: its staging values (after the line number), or why it is refused. */
export type RowResult = { readonly ok: true; readonly values: CopyValue[] } | { readonly ok: false; readonly errors: FieldError[] };
export const rowOk = (values: CopyValue[]): RowResult => ({ ok: true, values });
export const rowBad = (errors: FieldError[]): RowResult => ({ ok: false, errors });

/** What one kind of CSV file needs to be imported; the engine does the rest. */
export interface CsvKind<Ctx = unknown> {
  /** e.g. `residents`. */
  readonly name: string;
  /** The header, exactly, in order. */
  readonly columns: readonly string[];
  /** Temporary staging table, its first column `line int`; dropped at commit. */
  readonly stage: { readonly table: string; readonly ddl: string; readonly columns: readonly string[] };
  /** Loads what row checks need (known codes, keys…), once per file. */
  prepare?(client: pg.PoolClient): Promise<Ctx>;
  /** Checks and converts one record. */
  row(fields: readonly string[], line: number, ctx: Ctx): RowResult;
  /** The same row function in worker threads, when rows are CPU-heavy (undefined: in this thread). */
  parallel?(ctx: Ctx): ParallelRows | undefined;
  /** Checks that need the database (references to other records), on the staging table. */
  check?(client: pg.PoolClient, ctx: Ctx): Promise<FieldError[]>;
  /** Writes the staged rows (upsert by natural key). */
  apply(client: pg.PoolClient, ctx: Ctx, importId: string): Promise<{ inserted: number; updated: number }>;
  /** Runs after apply, in the same transaction (events, history). */
  after?(client: pg.PoolClient, ctx: Ctx, result: CsvImportResult): Promise<void>;
}

export interface CsvImportOptions {
  /** Import the good rows and report the bad ones, instead of all or nothing. */
  readonly partial?: boolean;
  /** Called about every 20,000 rows. */
  readonly onProgress?: (p: { rows: number; bytes: number }) => void;
  readonly maxErrors?: number;
  /** Where the import's progress is counted (`gm_import_rows_total`, imports running and done, by kind). */
  readonly metrics?: ServiceMetrics;
}

/** Typed by its schema in libs/contracts, which documents the import endpoints' answer. */
export type { CsvImportResult };

/**
 * Imports a CSV file of one kind: every record is checked (column count, formats, references)
 * and streamed through `COPY` into a staging table, then upserted by natural key in the same
 * transaction. All or nothing unless `partial`: any bad row rejects the file, and the error names
 * its line. Re-importing a file changes nothing.
 */
export async function importCsv<Ctx>(sql: RawSql, kind: CsvKind<Ctx>, input: AsyncIterable<Buffer | string>, opts: CsvImportOptions = {}): Promise<CsvImportResult> {
  const m = opts.metrics;
  if (!m) return runImport(sql, kind, input, opts);
  const labels = m.labels({ kind: kind.name });
  const rowsRead = m.meter.createCounter('gm.import.rows', { description: 'CSV rows read by imports (every 20,000 and at the end), by kind' });
  const running = m.meter.createUpDownCounter('gm.import.running', { description: 'Imports in progress, by kind' });
  const done = m.meter.createCounter('gm.import.completed', { description: 'Imports finished, by kind and outcome (ok, rejected, failed)' });
  let counted = 0;
  running.add(1, labels);
  try {
    const result = await runImport(sql, kind, input, {
      ...opts,
      onProgress: (p) => {
        rowsRead.add(p.rows - counted, labels);
        counted = p.rows;
        opts.onProgress?.(p);
      },
    });
    rowsRead.add(result.rows - counted, labels);
    done.add(1, { ...labels, outcome: 'ok' });
    return result;
  } catch (err) {
    done.add(1, { ...labels, outcome: err instanceof DomainError && err.code === 'IMPORT.REJECTED' ? 'rejected' : 'failed' });
    throw err;
  } finally {
    running.add(-1, labels);
  }
}

async function runImport<Ctx>(sql: RawSql, kind: CsvKind<Ctx>, input: AsyncIterable<Buffer | string>, opts: CsvImportOptions): Promise<CsvImportResult> {
  const started = performance.now();
  const maxErrors = opts.maxErrors ?? 1000;
  const importId = randomUUID();
  const progress: CsvReadProgress = { bytes: 0 };

  return sql.transaction(async (client) => {
    const ctx = kind.prepare ? await kind.prepare(client) : (undefined as Ctx);
    await client.query(kind.stage.ddl);
    const errors: FieldError[] = [];
    let errorCount = 0;
    let rows = 0;
    let headerSeen = false;
    const badLines = new Set<number>();
    const note = (e: FieldError) => {
      errorCount += 1;
      if (e.line !== undefined) badLines.add(e.line);
      if (errors.length < maxErrors) errors.push(e);
    };

    const parallel = kind.parallel?.(ctx);
    const pool = parallel ? new RowWorkerPool(parallel) : undefined;
    const inFlight: Promise<{ text: string; errors: FieldError[] }>[] = [];
    let batch: (readonly [number, string[]])[] = [];
    const BATCH = 2000;
    const drain = function* (result: { text: string; errors: FieldError[] }): Generator<string> {
      for (const e of result.errors) note(e);
      if (result.text && !(errorCount > 0 && !opts.partial)) yield result.text;
    };

    async function* lines(): AsyncGenerator<string> {
      try {
        for await (const rec of readCsv(input, progress)) {
          if (!headerSeen) {
            headerSeen = true;
            const header = rec.fields.map((f) => f.trim());
            if (header.join(',') !== kind.columns.join(',')) {
              throw new DomainError('IMPORT.REJECTED', `the header must be: ${kind.columns.join(',')}`, [
                { line: rec.line, field: '(header)', message: `expected ${kind.columns.join(',')}` },
              ]);
            }
            continue;
          }
          rows += 1;
          if (opts.onProgress && rows % 20_000 === 0) opts.onProgress({ rows, bytes: progress.bytes });
          if (rec.fields.length !== kind.columns.length) {
            note({ line: rec.line, field: '(row)', message: `expected ${kind.columns.length} columns, found ${rec.fields.length}` });
            continue;
          }
          if (pool) {
            batch.push([rec.line, rec.fields]);
            if (batch.length === BATCH) {
              inFlight.push(pool.run(batch));
              batch = [];
              // Keep every worker busy, and the results in file order.
              while (inFlight.length > pool.size * 2) yield* drain(await inFlight.shift()!);
            }
            continue;
          }
          const out = kind.row(rec.fields, rec.line, ctx);
          if (!out.ok) {
            for (const e of out.errors) note(e);
            continue;
          }
          // With errors already found and no partial import, nothing more needs staging; keep checking rows.
          if (errorCount > 0 && !opts.partial) continue;
          yield copyLine([rec.line, ...out.values]);
        }
        if (pool) {
          if (batch.length > 0) inFlight.push(pool.run(batch));
          while (inFlight.length > 0) yield* drain(await inFlight.shift()!);
        }
      } catch (err) {
        if (err instanceof CsvSyntaxError) {
          throw new DomainError('IMPORT.REJECTED', err.message, [{ line: err.line, field: '(row)', message: 'unterminated quoted field' }]);
        }
        throw err;
      }
    }
    try {
      await sql.copyIn(client, `COPY ${kind.stage.table} (line, ${kind.stage.columns.join(', ')}) FROM STDIN`, lines());
    } finally {
      await pool?.close();
    }
    const staged = performance.now();
    if (!headerSeen) throw new DomainError('IMPORT.REJECTED', 'the file is empty', [{ field: '(file)', message: 'empty file' }]);

    if (errorCount === 0 || opts.partial) {
      for (const e of kind.check ? await kind.check(client, ctx) : []) note(e);
    }
    if (errorCount > 0 && !opts.partial) {
      const sorted = [...errors].sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
      const first = sorted[0]!;
      throw new DomainError('IMPORT.REJECTED', `${errorCount} problem(s) in ${kind.name}; nothing was written. First: line ${first.line}, ${first.field}: ${first.message}`, sorted);
    }
    if (badLines.size > 0) await client.query(`DELETE FROM ${kind.stage.table} WHERE line = ANY($1::int[])`, [[...badLines]]);
    const checked = performance.now();
    const { inserted, updated } = await kind.apply(client, ctx, importId);
    const durationMs = Math.round(performance.now() - started);
    const result: CsvImportResult = {
      importId,
      kind: kind.name,
      rows,
      inserted,
      updated,
      unchanged: rows - badLines.size - inserted - updated,
      rejected: badLines.size,
      errors: [...errors].sort((a, b) => (a.line ?? 0) - (b.line ?? 0)),
      durationMs,
      rowsPerSecond: Math.round(rows / Math.max(durationMs / 1000, 0.001)),
      phasesMs: { stage: Math.round(staged - started), check: Math.round(checked - staged), apply: Math.round(performance.now() - checked) },
    };
    if (kind.after) await kind.after(client, ctx, result);
    return result;
  });
}

/** A CLI progress line: rows, rows/s and, when the file size is known, percent and ETA. */
export function progressPrinter(totalBytes: number | undefined, write: (s: string) => void = (s) => process.stderr.write(s)): (p: { rows: number; bytes: number }) => void {
  const started = performance.now();
  return ({ rows, bytes }) => {
    const secs = (performance.now() - started) / 1000;
    const rate = Math.round(rows / Math.max(secs, 0.001));
    let tail = '';
    if (totalBytes && bytes > 0) {
      const frac = Math.min(1, bytes / totalBytes);
      const eta = frac > 0 ? (secs / frac) * (1 - frac) : 0;
      tail = `  ${(frac * 100).toFixed(0)}%  ETA ${eta.toFixed(0)} s`;
    }
    write(`\r  ${rows.toLocaleString('en')} rows  ${rate.toLocaleString('en')} rows/s${tail}   `);
  };
}

/** Runs an `INSERT … ON CONFLICT DO UPDATE … WHERE <changed>` and counts inserts and updates. */
export async function upsertCounts(client: pg.PoolClient, upsert: string, params: unknown[] = []): Promise<{ inserted: number; updated: number }> {
  const res = await client.query<{ inserted: string; updated: string }>(
    `WITH up AS (${upsert} RETURNING (xmax = 0) AS inserted)
     SELECT count(*) FILTER (WHERE inserted) AS inserted, count(*) FILTER (WHERE NOT inserted) AS updated FROM up`,
    params,
  );
  return { inserted: Number(res.rows[0]?.inserted ?? 0), updated: Number(res.rows[0]?.updated ?? 0) };
}
