import { availableParallelism } from 'node:os';
import { Worker, parentPort, workerData } from 'node:worker_threads';
import type { FieldError } from '@gm/contracts';

/** How a kind's rows can be checked and converted in worker threads (CPU-heavy rows: encryption). */
export interface ParallelRows {
  /** Compiled worker script that calls `serveRows`. */
  readonly script: string;
  /** Given to the worker's row factory (structured-cloneable). */
  readonly data: unknown;
  readonly workers?: number;
}

export interface RowBatchResult {
  /** COPY text of the good rows, in order. */
  readonly text: string;
  readonly errors: FieldError[];
}

type Row = readonly [line: number, fields: string[]];

/** A pool of row workers fed batches in turn; results are awaited in submission order by the caller. */
export class RowWorkerPool {
  private readonly workers: Worker[];
  private next = 0;
  private seq = 0;
  private readonly waiting = new Map<number, { resolve: (r: RowBatchResult) => void; reject: (e: Error) => void }>();

  constructor(spec: ParallelRows) {
    const n = Math.max(1, spec.workers ?? availableParallelism());
    this.workers = Array.from({ length: n }, () => {
      const w = new Worker(spec.script, { workerData: spec.data });
      w.on('message', (m: { id: number; result?: RowBatchResult; error?: string }) => {
        const p = this.waiting.get(m.id);
        if (!p) return;
        this.waiting.delete(m.id);
        if (m.error !== undefined) p.reject(new Error(m.error));
        else p.resolve(m.result!);
      });
      w.on('error', (err) => {
        for (const p of this.waiting.values()) p.reject(err);
        this.waiting.clear();
      });
      return w;
    });
  }

  get size(): number {
    return this.workers.length;
  }

  run(rows: readonly Row[]): Promise<RowBatchResult> {
    const id = this.seq++;
    const worker = this.workers[this.next++ % this.workers.length]!;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      worker.postMessage({ id, rows });
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

/**
 * The body of a row worker script: `serveRows((data) => (fields, line) => RowResult-like)`. Each
 * batch comes back as COPY text plus the problems found.
 */
export function serveRows(
  factory: (data: unknown) => (fields: readonly string[], line: number) => { ok: true; values: unknown[] } | { ok: false; errors: FieldError[] },
  copyLine: (values: readonly unknown[]) => string,
): void {
  if (!parentPort) throw new Error('serveRows runs in a worker thread');
  const row = factory(workerData);
  const port = parentPort;
  port.on('message', (m: { id: number; rows: Row[] }) => {
    try {
      let text = '';
      const errors: FieldError[] = [];
      for (const [line, fields] of m.rows) {
        const r = row(fields, line);
        if (r.ok) text += copyLine([line, ...r.values]);
        else errors.push(...r.errors);
      }
      port.postMessage({ id: m.id, result: { text, errors } });
    } catch (err) {
      port.postMessage({ id: m.id, error: err instanceof Error ? err.message : String(err) });
    }
  });
}
