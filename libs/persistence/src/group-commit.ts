/** What became of one item of a batch: its result, or the error that is its own (the others went on). */
export type ItemOutcome<R> = { readonly ok: R } | { readonly error: unknown };

export interface GroupCommitOptions<I> {
  /** Batches in flight at once (each is one transaction on its own connection). */
  readonly lanes: number;
  /** At most this many items per batch. */
  readonly maxBatch: number;
  /**
   * What an item touches (e.g. its case, and for a merge the case it merges into). An item never
   * runs while another item with one of its keys is in a batch, waiting or running: it waits for
   * that batch to end, so that it sees what the earlier item did, in the order they came.
   */
  readonly keys?: (item: I) => string | readonly string[];
}

/**
 * Thrown by a run whose transaction was rolled back, so that nothing of the batch was written:
 * the queue runs each item again alone. Any other error (one that may have come after the commit)
 * is the answer of every item of the batch, which is not run again.
 */
export class RolledBack extends Error {
  constructor(readonly reason: unknown) {
    super(reason instanceof Error ? reason.message : String(reason));
    this.name = 'RolledBack';
  }
}

interface Waiting<I, R> {
  readonly item: I;
  readonly keys: readonly string[];
  /** Runs in a batch of its own (it was in a batch that was rolled back). */
  readonly solo?: boolean;
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
 * while the rest commit. When `run` throws `RolledBack`, nothing of the batch was committed: its
 * items go back to the head of the queue, each to run alone, in order, in whichever lane is free
 * (one that waits, on a lock say, holds one lane only), so one item's failure is never another's.
 */
export class GroupCommitQueue<I, R> {
  private waiting: Waiting<I, R>[] = [];
  private busy = 0;
  /** Keys of the items in batches that are running. */
  private readonly inFlight = new Map<string, number>();

  constructor(
    private readonly run: (batch: readonly I[]) => Promise<readonly ItemOutcome<R>[]>,
    private readonly options: GroupCommitOptions<I>,
  ) {
    if (options.lanes < 1 || options.maxBatch < 1) throw new RangeError('lanes and maxBatch must be at least 1');
  }

  submit(item: I): Promise<R> {
    const k = this.options.keys?.(item) ?? [];
    return new Promise<R>((resolve, reject) => {
      this.waiting.push({ item, keys: typeof k === 'string' ? [k] : k, resolve, reject });
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
      // Everything waiting touches what a running batch touches: it goes when that one ends.
      if (batch.length === 0) return;
      this.busy += 1;
      this.hold(batch, 1);
      void this.execute(batch).finally(() => {
        this.hold(batch, -1);
        this.busy -= 1;
        this.pump();
      });
    }
  }

  /**
   * The oldest waiting items, up to `maxBatch`, none touching what another item of the batch or of
   * a running batch touches, nor what an older item left waiting touches (items that share a key
   * keep their order); an item to run alone goes alone. The rest keep their order.
   */
  private take(): Waiting<I, R>[] {
    const batch: Waiting<I, R>[] = [];
    const rest: Waiting<I, R>[] = [];
    const taken = new Set<string>();
    const passedOver = new Set<string>();
    for (const w of this.waiting) {
      const free = w.keys.every((k) => !taken.has(k) && !passedOver.has(k) && !this.inFlight.has(k));
      const full = batch.length >= this.options.maxBatch || batch[0]?.solo === true || (w.solo === true && batch.length > 0);
      if (!full && free) {
        for (const k of w.keys) taken.add(k);
        batch.push(w);
      } else {
        for (const k of w.keys) passedOver.add(k);
        rest.push(w);
      }
    }
    this.waiting = rest;
    return batch;
  }

  private hold(batch: readonly Waiting<I, R>[], delta: 1 | -1): void {
    for (const w of batch) {
      for (const k of w.keys) {
        const n = (this.inFlight.get(k) ?? 0) + delta;
        if (n > 0) this.inFlight.set(k, n);
        else this.inFlight.delete(k);
      }
    }
  }

  private async execute(batch: readonly Waiting<I, R>[]): Promise<void> {
    let outcomes: readonly ItemOutcome<R>[];
    try {
      outcomes = await this.run(batch.map((w) => w.item));
    } catch (err) {
      if (err instanceof RolledBack && batch.length > 1) {
        // Back to the head of the queue, in order; their keys are released when this batch ends.
        this.waiting.unshift(...batch.map((w) => ({ ...w, solo: true })));
        return;
      }
      const answer = err instanceof RolledBack ? err.reason : err;
      for (const w of batch) w.reject(answer);
      return;
    }
    if (outcomes.length !== batch.length) {
      const err = new Error(`group commit: ${outcomes.length} outcomes for ${batch.length} items`);
      for (const w of batch) w.reject(err);
      return;
    }
    outcomes.forEach((o, i) => {
      const w = batch[i]!;
      if ('ok' in o) w.resolve(o.ok);
      else w.reject(o.error);
    });
  }
}
