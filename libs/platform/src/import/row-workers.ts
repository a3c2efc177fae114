import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { CopyColumnType } from '@gm/persistence';
import { CsvSyntaxError } from './csv-reader';
import type { CsvPiece, PieceResult, WorkerReply, WorkerSetup } from './row-worker';

/** How a kind's rows can be checked and converted in worker threads (CPU-heavy rows: encryption). */
export interface ParallelRows {
  /** Compiled worker script that calls `serveRows`. */
  readonly script: string;
  /** Given to the worker's row factory (structured-cloneable). */
  readonly data: unknown;
  readonly workers?: number;
}

/**
 * A pool of row workers that parse, check and convert pieces of a CSV file in turn; results are
 * awaited in submission order by the caller. The main thread only cuts the file and feeds COPY.
 */
export class RowWorkerPool {
  private readonly workers: Worker[];
  private next = 0;
  private seq = 0;
  private readonly waiting = new Map<number, { resolve: (r: PieceResult) => void; reject: (e: Error) => void }>();

  constructor(spec: ParallelRows, columns: number, types?: readonly CopyColumnType[]) {
    const n = Math.max(1, spec.workers ?? availableParallelism());
    const setup: WorkerSetup = { data: spec.data, columns, types };
    this.workers = Array.from({ length: n }, () => {
      // Rows make short-lived garbage only: a larger young generation means fewer scavenges.
      const w = new Worker(spec.script, { workerData: setup, resourceLimits: { maxYoungGenerationSizeMb: 64 } });
      w.on('message', (m: WorkerReply) => {
        const p = this.waiting.get(m.id);
        if (!p) return;
        this.waiting.delete(m.id);
        if (m.syntax) p.reject(new CsvSyntaxError(m.syntax.line, m.syntax.message));
        else if (m.error !== undefined) p.reject(new Error(m.error));
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

  run(piece: CsvPiece): Promise<PieceResult> {
    const id = this.seq++;
    const worker = this.workers[this.next++ % this.workers.length]!;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      worker.postMessage({ id, piece });
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
