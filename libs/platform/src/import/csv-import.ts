import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { DomainError, type CsvImportResult, type FieldError } from '@gm/contracts';
import type { ServiceMetrics } from '@gm/telemetry';
import { BinaryCopyRows, copyLine, type CopyColumnType, type RawSql } from '@gm/persistence';
import { countLineBreaks, CsvChunker, CsvSyntaxError, parseCsvPiece, readCsv, recordEnd, type CsvReadProgress, type CsvRecord } from './csv-reader';
import { columnCountProblem, type PieceResult, type RowResult } from './row-worker';
import { RowWorkerPool, type ParallelRows } from './row-workers';

/** What one kind of CSV file needs to be imported; the engine does the rest. */
export interface CsvKind<Ctx = unknown> {
  /** e.g. `residents`. */
  readonly name: string;
  /** The header, exactly, in order. */
  readonly columns: readonly string[];
  /**
   * Temporary staging table, its first column `line int`; dropped at commit. With `types` (one per
   * column, the table's exact types) rows are staged by binary COPY, else as COPY text.
   */
  readonly stage: { readonly table: string; readonly ddl: string; readonly columns: readonly string[]; readonly types?: readonly CopyColumnType[] };
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

/** What the rows read so far came to: counts, the problems (up to a limit), the lines refused. */
class Tally {
  rows = 0;
  errorCount = 0;
  readonly errors: FieldError[] = [];
  readonly badLines = new Set<number>();
  headerSeen = false;

  constructor(
    private readonly opts: CsvImportOptions,
    private readonly progress: CsvReadProgress,
  ) {}

  note(e: FieldError): void {
    this.errorCount += 1;
    if (e.line !== undefined) this.badLines.add(e.line);
    if (this.errors.length < (this.opts.maxErrors ?? 1000)) this.errors.push(e);
  }

  /** Counts records read, with a progress report about every 20,000. */
  read(records: number): void {
    const before = this.rows;
    this.rows += records;
    if (this.opts.onProgress && Math.floor(this.rows / 20_000) > Math.floor(before / 20_000)) this.opts.onProgress({ rows: this.rows, bytes: this.progress.bytes });
  }

  /** With problems found and no partial import, nothing more needs staging; rows are still checked. */
  get staging(): boolean {
    return this.errorCount === 0 || this.opts.partial === true;
  }

  header(rec: CsvRecord, kind: CsvKind<unknown>): void {
    this.headerSeen = true;
    const header = rec.fields.map((f) => f.trim());
    if (header.join(',') !== kind.columns.join(',')) {
      throw new DomainError('IMPORT.REJECTED', `the header must be: ${kind.columns.join(',')}`, [{ line: rec.line, field: '(header)', message: `expected ${kind.columns.join(',')}` }]);
    }
  }
}

async function runImport<Ctx>(sql: RawSql, kind: CsvKind<Ctx>, input: AsyncIterable<Buffer | string>, opts: CsvImportOptions): Promise<CsvImportResult> {
  const started = performance.now();
  const importId = randomUUID();
  const progress: CsvReadProgress = { bytes: 0 };

  return sql.transaction(async (client) => {
    const ctx = kind.prepare ? await kind.prepare(client) : (undefined as Ctx);
    await client.query(kind.stage.ddl);
    const tally = new Tally(opts, progress);
    const types = kind.stage.types;
    const parallel = kind.parallel?.(ctx);
    const pool = parallel ? new RowWorkerPool(parallel, kind.columns.length, types) : undefined;
    const copy = `COPY ${kind.stage.table} (line, ${kind.stage.columns.join(', ')}) FROM STDIN${types ? ' (FORMAT binary)' : ''}`;
    const rows = syntaxChecked(pool ? inWorkers(pool, input, kind as CsvKind<unknown>, tally, progress) : inThisThread(kind, ctx, input, tally, progress));
    try {
      if (types) await sql.copyInBinary(client, copy, rows as AsyncIterable<Uint8Array>);
      else await sql.copyIn(client, copy, rows as AsyncIterable<string>);
    } finally {
      await pool?.close();
    }
    const staged = performance.now();
    if (!tally.headerSeen) throw new DomainError('IMPORT.REJECTED', 'the file is empty', [{ field: '(file)', message: 'empty file' }]);

    if (tally.staging) {
      for (const e of kind.check ? await kind.check(client, ctx) : []) tally.note(e);
    }
    const errors = [...tally.errors].sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
    if (tally.errorCount > 0 && !opts.partial) {
      const first = errors[0]!;
      throw new DomainError('IMPORT.REJECTED', `${tally.errorCount} problem(s) in ${kind.name}; nothing was written. First: line ${first.line}, ${first.field}: ${first.message}`, errors);
    }
    const { badLines } = tally;
    if (badLines.size > 0) await client.query(`DELETE FROM ${kind.stage.table} WHERE line = ANY($1::int[])`, [[...badLines]]);
    const checked = performance.now();
    const { inserted, updated } = await kind.apply(client, ctx, importId);
    const durationMs = Math.round(performance.now() - started);
    const result: CsvImportResult = {
      importId,
      kind: kind.name,
      rows: tally.rows,
      inserted,
      updated,
      unchanged: tally.rows - badLines.size - inserted - updated,
      rejected: badLines.size,
      errors,
      durationMs,
      rowsPerSecond: Math.round(tally.rows / Math.max(durationMs / 1000, 0.001)),
      phasesMs: { stage: Math.round(staged - started), check: Math.round(checked - staged), apply: Math.round(performance.now() - checked) },
    };
    if (kind.after) await kind.after(client, ctx, result);
    return result;
  });
}

/** A file that cannot be parsed is refused, naming the line. */
async function* syntaxChecked<T>(rows: AsyncGenerator<T>): AsyncGenerator<T> {
  try {
    yield* rows;
  } catch (err) {
    if (err instanceof CsvSyntaxError) throw new DomainError('IMPORT.REJECTED', err.message, [{ line: err.line, field: '(row)', message: err.detail }]);
    throw err;
  }
}

/** Rows parsed, checked and converted here, one record at a time: COPY text lines, or binary rows in ~64 KiB chunks. */
async function* inThisThread<Ctx>(kind: CsvKind<Ctx>, ctx: Ctx, input: AsyncIterable<Buffer | string>, tally: Tally, progress: CsvReadProgress): AsyncGenerator<string | Uint8Array> {
  const binary = kind.stage.types ? new BinaryCopyRows(['int4', ...kind.stage.types]) : undefined;
  for await (const rec of readCsv(input, progress)) {
    if (!tally.headerSeen) {
      tally.header(rec, kind as CsvKind<unknown>);
      continue;
    }
    tally.read(1);
    if (rec.fields.length !== kind.columns.length) {
      tally.note(columnCountProblem(rec.line, kind.columns.length, rec.fields.length));
      continue;
    }
    const out = kind.row(rec.fields, rec.line, ctx);
    if (!out.ok) {
      for (const e of out.errors) tally.note(e);
      continue;
    }
    if (!tally.staging) continue;
    if (!binary) yield copyLine([rec.line, ...out.values]);
    else {
      binary.addNumbered(rec.line, out.values);
      if (binary.length >= 1 << 16) yield binary.take();
    }
  }
  if (binary && tally.staging) yield binary.take();
}

/**
 * Rows parsed, checked and converted in worker threads: this thread reads the header, cuts the
 * rest into pieces of whole records and feeds the workers' COPY rows to PostgreSQL in file order,
 * keeping every worker busy.
 */
async function* inWorkers(pool: RowWorkerPool, input: AsyncIterable<Buffer | string>, kind: CsvKind<unknown>, tally: Tally, progress: CsvReadProgress): AsyncGenerator<string | Uint8Array> {
  const inFlight: Promise<PieceResult>[] = [];
  const drain = function* (result: PieceResult): Generator<string | Uint8Array> {
    tally.read(result.records);
    for (const e of result.errors) tally.note(e);
    if (result.chunk.length > 0 && tally.staging) yield result.chunk;
  };
  let head: Buffer | undefined = Buffer.alloc(0);
  let chunker: CsvChunker | undefined;
  const pieces = (bytes: Buffer) => {
    if (chunker) return chunker.push(bytes);
    head = Buffer.concat([head!, bytes]);
    const header = takeHeader(head, kind, tally);
    if (!header) return [];
    chunker = new CsvChunker(header.lines);
    const rest = head.subarray(header.end);
    head = undefined;
    return rest.length > 0 ? chunker.push(rest) : [];
  };
  for await (const raw of input) {
    const bytes = typeof raw === 'string' ? Buffer.from(raw) : raw;
    progress.bytes += bytes.length;
    for (const piece of pieces(bytes)) {
      inFlight.push(pool.run(piece));
      while (inFlight.length > pool.size * 2) yield* drain(await inFlight.shift()!);
    }
  }
  if (!chunker && head && head.length > 0) {
    // A file of one line without its line break: the header alone.
    parseCsvPiece(new TextDecoder().decode(head).replace(/^\uFEFF/, ''), 0, (rec) => (tally.headerSeen ? undefined : tally.header(rec, kind)));
  }
  const last = chunker?.end();
  if (last) inFlight.push(pool.run(last));
  while (inFlight.length > 0) yield* drain(await inFlight.shift()!);
}

/** The header from the start of the file (a BOM and blank lines before it skipped): where it ends, and the lines it took. */
function takeHeader(head: Buffer, kind: CsvKind<unknown>, tally: Tally): { end: number; lines: number } | undefined {
  let start = head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf ? 3 : 0;
  let lines = 0;
  for (;;) {
    const end = recordEnd(head.subarray(start), 'first');
    if (end === 0) return undefined;
    let found: CsvRecord | undefined;
    parseCsvPiece(head.subarray(start, start + end).toString('utf8'), lines, (rec) => (found ??= rec));
    lines += countLineBreaks(head.subarray(start, start + end));
    start += end;
    if (found) {
      tally.header(found, kind);
      return { end: start, lines };
    }
  }
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
