/** What became of one item of a batch: its result, or the error that is its own (the others went on). */
export type ItemOutcome<R> = { readonly ok: R } | { readonly error: unknown };

export interface GroupCommitOptions<I> {
  /** Batches in flight at once (each is one transaction on its own connection). */
  readonly lanes: number;
  /** At most this many items per batch. */
  readonly maxBatch: number;
  /**
   * Items with the same key never share a batch: the later one waits for the next, so that it
   * sees what the earlier one did (e.g. two actions on one case).
   */
  readonly key?: (item: I) => string;
}

interface Waiting<I, R> {
  readonly item: I;
  readonly resolve: (r: R) => void;
  readonly reject: (e: unknown) => void;
}

/**
 * Group commit for requests that each write a short transaction. An item submitted while a lane
 * is free runs at once, alone, as it would without the queue; items that arrive while every lane
 * is busy wait and then run together, in one transaction, when a lane frees: under load the
 * per-transaction costs (begin, commit and its WAL flush, one flush of the unit of work, one
 * wake-up of the outbox relay) are shared by the batch instead of paid by each request, with no
 * timer and no added wait when the load is light.
 *
 * `run` returns one outcome per item, in order: an item whose own checks refused it fails alone
 * while the rest commit. When `run` throws, nothing of the batch was committed, and each of its
 * items is run again alone, in order, so one item's failure is never another's.
 */
export class GroupCommitQueue<I, R> {
  private waiting: Waiting<I, R>[] = [];
  private busy = 0;

  constructor(
    private readonly run: (batch: readonly I[]) => Promise<readonly ItemOutcome<R>[]>,
    private readonly options: GroupCommitOptions<I>,
  ) {
    if (options.lanes < 1 || options.maxBatch < 1) throw new RangeError('lanes and maxBatch must be at least 1');
  }

  submit(item: I): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.waiting.push({ item, resolve, reject });
      this.pump();
    });
  }

  /** Items waiting for a lane (for metrics and tests). */
  get backlog(): number {
    return this.waiting.length;
  }

  private pump(): void {
    while (this.busy < this.options.lanes && this.waiting.length > 0) {
      const batch = this.take();
      this.busy += 1;
      void this.execute(batch).finally(() => {
        this.busy -= 1;
        this.pump();
      });
    }
  }

  /** The oldest waiting items, up to `maxBatch`, at most one per key; the rest keep their order. */
  private take(): Waiting<I, R>[] {
    const { maxBatch, key } = this.options;
    if (!key) return this.waiting.splice(0, maxBatch);
    const batch: Waiting<I, R>[] = [];
    const rest: Waiting<I, R>[] = [];
    const keys = new Set<string>();
    for (const w of this.waiting) {
      const k = key(w.item);
      if (batch.length < maxBatch && !keys.has(k)) {
        keys.add(k);
        batch.push(w);
      } else {
        rest.push(w);
      }
    }
    this.waiting = rest;
    return batch;
  }

  private async execute(batch: readonly Waiting<I, R>[]): Promise<void> {
    let outcomes: readonly ItemOutcome<R>[];
    try {
      outcomes = await this.run(batch.map((w) => w.item));
      if (outcomes.length !== batch.length) throw new Error(`group commit: ${outcomes.length} outcomes for ${batch.length} items`);
    } catch (err) {
      if (batch.length === 1) {
        batch[0]!.reject(err);
        return;
      }
      for (const w of batch) await this.execute([w]);
      return;
    }
    outcomes.forEach((o, i) => {
      const w = batch[i]!;
      if ('ok' in o) w.resolve(o.ok);
      else w.reject(o.error);
    });
  }
}
