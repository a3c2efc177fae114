/**
 * The worker thread's side of row workers: what a row function returns, and `serveRows`. Loaded by
 * every worker, so it imports only the CSV parser and the COPY formats (a worker that loaded the
 * whole platform spent 1.8 s of CPU before its first row).
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { FieldError } from '@gm/contracts';
import { BinaryCopyRows, copyLine, type CopyCell, type CopyColumnType } from '@gm/persistence/copy-format';
import { CsvSyntaxError, parseCsvPiece } from './csv-reader';

/** A checked row: its staging values (after the line number), or why it is refused. */
export type RowResult = { readonly ok: true; readonly values: CopyCell[] } | { readonly ok: false; readonly errors: FieldError[] };
export const rowOk = (values: CopyCell[]): RowResult => ({ ok: true, values });
export const rowBad = (errors: FieldError[]): RowResult => ({ ok: false, errors });
export const columnCountProblem = (line: number, expected: number, found: number): FieldError => ({ line, field: '(row)', message: `expected ${expected} columns, found ${found}` });

/** What a worker needs besides the kind's own data: the record width, and the staging format. */
export interface WorkerSetup {
  readonly data: unknown;
  readonly columns: number;
  /** The staging columns' types after `line` (binary COPY), or undefined for COPY text. */
  readonly types?: readonly CopyColumnType[] | undefined;
}

/** A piece of the file (whole records) and the physical line it starts after. */
export interface CsvPiece {
  readonly bytes: Uint8Array;
  readonly line: number;
}

export interface PieceResult {
  /** The good rows, in order: binary COPY rows, or COPY text lines. */
  readonly chunk: Uint8Array | string;
  readonly errors: FieldError[];
  /** Records read (good and bad). */
  readonly records: number;
}

export type WorkerReply = { id: number; result?: PieceResult; error?: string; syntax?: { line: number; message: string } };

type RowFn = (fields: readonly string[], line: number) => RowResult;

/**
 * The body of a row worker script: `serveRows((data) => (fields, line) => RowResult)`. Each piece
 * of the file is parsed here, and comes back as COPY rows (binary when the staging types are
 * known; the buffer is handed over, not copied) plus the problems found.
 */
export function serveRows(factory: (data: unknown) => RowFn): void {
  if (!parentPort) throw new Error('serveRows runs in a worker thread');
  const setup = workerData as WorkerSetup;
  const row = factory(setup.data);
  const port = parentPort;
  const decoder = new TextDecoder('utf-8');
  const binary = setup.types ? new BinaryCopyRows(['int4', ...setup.types], 1 << 20) : undefined;
  port.on('message', (m: { id: number; piece: CsvPiece }) => {
    try {
      let text = '';
      let records = 0;
      const errors: FieldError[] = [];
      parseCsvPiece(decoder.decode(m.piece.bytes), m.piece.line, ({ line, fields }) => {
        records += 1;
        if (fields.length !== setup.columns) {
          errors.push(columnCountProblem(line, setup.columns, fields.length));
          return;
        }
        const r = row(fields, line);
        if (!r.ok) errors.push(...r.errors);
        else if (binary) binary.addNumbered(line, r.values);
        else text += copyLine([line, ...r.values]);
      });
      if (binary) {
        const chunk = binary.take();
        port.postMessage({ id: m.id, result: { chunk, errors, records } } satisfies WorkerReply, [chunk.buffer as ArrayBuffer]);
      } else port.postMessage({ id: m.id, result: { chunk: text, errors, records } } satisfies WorkerReply);
    } catch (err) {
      if (err instanceof CsvSyntaxError) port.postMessage({ id: m.id, syntax: { line: err.line, message: err.detail } } satisfies WorkerReply);
      else port.postMessage({ id: m.id, error: err instanceof Error ? err.message : String(err) } satisfies WorkerReply);
    }
  });
}
