import { GroupCommitQueue, RolledBack, type ItemOutcome } from './group-commit';

/** A run whose batches finish when the test says so, recording what each was given. */
function controlledRun(fail?: (batch: readonly string[]) => unknown) {
  const batches: string[][] = [];
  const releases: (() => void)[] = [];
  const run = (batch: readonly string[]): Promise<readonly ItemOutcome<string>[]> => {
    batches.push([...batch]);
    return new Promise((resolve, reject) => {
      releases.push(() => {
        const failure = fail?.(batch);
        if (failure) reject(failure);
        else resolve(batch.map((i) => (i.startsWith('bad') ? { error: new Error(`${i} refused`) } : { ok: i.toUpperCase() })));
      });
    });
  };
  /** Lets the oldest unfinished batch finish and the queue react. */
  const release = async () => {
    releases.shift()!();
    await new Promise((r) => setImmediate(r));
  };
  return { run, batches, release };
}

/** What a submitted item came to, with its handler attached at once (a rejection is never left unhandled). */
const settle = (p: Promise<string>) => p.then((v) => `ok ${v}`, (e: Error) => `error ${e.message}`);

describe('GroupCommitQueue', () => {
  it('runs an item alone and at once while a lane is free', async () => {
    const c = controlledRun();
    const q = new GroupCommitQueue(c.run, { lanes: 1, maxBatch: 8 });
    const a = q.submit('a');
    expect(c.batches).toEqual([['a']]);
    await c.release();
    await expect(a).resolves.toBe('A');
  });

  it('runs what arrived while every lane was busy as one batch, in order of arrival, at most maxBatch', async () => {
    const c = controlledRun();
    const q = new GroupCommitQueue(c.run, { lanes: 1, maxBatch: 3 });
    const all = ['a', 'b', 'c', 'd', 'e'].map((i) => q.submit(i));
    expect(c.batches).toEqual([['a']]);
    expect(q.backlog).toBe(4);
    await c.release();
    expect(c.batches).toEqual([['a'], ['b', 'c', 'd']]);
    await c.release();
    expect(c.batches).toEqual([['a'], ['b', 'c', 'd'], ['e']]);
    await c.release();
    await expect(Promise.all(all)).resolves.toEqual(['A', 'B', 'C', 'D', 'E']);
    expect(q.backlog).toBe(0);
  });

  it('keeps items with the same key out of one batch, the later one running in the next', async () => {
    const c = controlledRun();
    const q = new GroupCommitQueue(c.run, { lanes: 1, maxBatch: 8, keys: (i: string) => i[0]! });
    const all = ['x0', 'a1', 'b1', 'a2', 'c1', 'a3'].map((i) => q.submit(i));
    await c.release();
    expect(c.batches[1]).toEqual(['a1', 'b1', 'c1']);
    await c.release();
    expect(c.batches[2]).toEqual(['a2']);
    await c.release();
    expect(c.batches[3]).toEqual(['a3']);
    await c.release();
    await expect(Promise.all(all)).resolves.toEqual(['X0', 'A1', 'B1', 'A2', 'C1', 'A3']);
  });

  it('fills every lane before batching', async () => {
    const c = controlledRun();
    const q = new GroupCommitQueue(c.run, { lanes: 2, maxBatch: 8 });
    const all = ['a', 'b', 'c', 'd'].map((i) => q.submit(i));
    expect(c.batches).toEqual([['a'], ['b']]);
    await c.release();
    expect(c.batches).toEqual([['a'], ['b'], ['c', 'd']]);
    await c.release();
    await c.release();
    await expect(Promise.all(all)).resolves.toEqual(['A', 'B', 'C', 'D']);
  });

  it("fails an item refused by its own checks alone: the others of its batch succeed", async () => {
    const c = controlledRun();
    const q = new GroupCommitQueue(c.run, { lanes: 1, maxBatch: 8 });
    const all = ['a', 'b', 'bad', 'd'].map((i) => settle(q.submit(i)));
    await c.release();
    await c.release();
    await expect(Promise.all(all)).resolves.toEqual(['ok A', 'ok B', 'error bad refused', 'ok D']);
    expect(c.batches).toEqual([['a'], ['b', 'bad', 'd']]);
  });

  it('when a batch is rolled back, runs each of its items again alone, so only the culprit fails', async () => {
    // A batch holding "poison" is rolled back as a whole (as a transaction is when one statement fails).
    const c = controlledRun((batch) => batch.includes('poison') && new RolledBack(new Error(`batch ${batch.join(',')} failed`)));
    const q = new GroupCommitQueue(c.run, { lanes: 1, maxBatch: 8 });
    const all = ['a', 'b', 'poison', 'd'].map((i) => settle(q.submit(i)));
    await c.release();
    await c.release(); // the batch of three fails
    expect(c.batches.slice(2)).toEqual([['b']]);
    await c.release();
    await c.release();
    await c.release();
    expect(c.batches).toEqual([['a'], ['b', 'poison', 'd'], ['b'], ['poison'], ['d']]);
    await expect(Promise.all(all)).resolves.toEqual(['ok A', 'ok B', 'error batch poison failed', 'ok D']);
  });

  it('answers every item of a batch with an error that may have come after the commit, and runs none again', async () => {
    // Not RolledBack: the batch may have been committed (say, the connection dropped during COMMIT).
    const c = controlledRun((batch) => batch.length > 1 && new Error('connection lost during commit'));
    const q = new GroupCommitQueue(c.run, { lanes: 1, maxBatch: 8 });
    const all = ['a', 'b', 'c'].map((i) => settle(q.submit(i)));
    await c.release();
    await c.release();
    await expect(Promise.all(all)).resolves.toEqual(['ok A', 'error connection lost during commit', 'error connection lost during commit']);
    expect(c.batches).toEqual([['a'], ['b', 'c']]);
  });

  it('refuses a run that does not answer for every item: each item gets the error, none is left hanging or run again', async () => {
    let runs = 0;
    const q = new GroupCommitQueue<string, string>(
      async (batch) => {
        runs += 1;
        return batch.length > 1 ? [] : [{ ok: batch[0]! }];
      },
      { lanes: 1, maxBatch: 8 },
    );
    const all = ['a', 'b', 'c'].map((i) => settle(q.submit(i)));
    const answers = await Promise.all(all);
    expect(answers[0]).toBe('ok a');
    expect(answers.slice(1)).toEqual(['error group commit: 0 outcomes for 2 items', 'error group commit: 0 outcomes for 2 items']);
    expect(runs).toBe(2);
  });

  it('holds an item back while a running batch touches one of its keys, even with a lane free, then keeps the order', async () => {
    const c = controlledRun();
    // A merge touches its case and the one it merges into.
    const q = new GroupCommitQueue(c.run, { lanes: 2, maxBatch: 8, keys: (i: string) => (i.startsWith('merge') ? ['x', 'p'] : i[0]!) });
    const all = ['merge x→p', 'p-close', 'y-accept', 'p-urge'].map((i) => settle(q.submit(i)));
    // The merge runs; the actions on p wait although the second lane is free; y goes.
    expect(c.batches).toEqual([['merge x→p'], ['y-accept']]);
    await c.release();
    expect(c.batches[2]).toEqual(['p-close']);
    await c.release();
    await c.release();
    expect(c.batches[3]).toEqual(['p-urge']);
    await c.release();
    await expect(Promise.all(all)).resolves.toEqual(['ok MERGE X→P', 'ok P-CLOSE', 'ok Y-ACCEPT', 'ok P-URGE']);
  });

  it('holds the items of a key until a rolled-back batch has run its items again (the later never overtakes)', async () => {
    const c = controlledRun((batch) => batch.length > 1 && new RolledBack(new Error('deadlock')));
    const q = new GroupCommitQueue(c.run, { lanes: 2, maxBatch: 8, keys: (i: string) => i[0]! });
    const all = ['z0', 'w0', 'a1', 'b1', 'a2'].map((i) => settle(q.submit(i)));
    // z0 and w0 take both lanes; then a1 and b1 are batched (a2 waits for a1).
    await c.release();
    expect(c.batches[2]).toEqual(['a1', 'b1']);
    await c.release(); // w0 done; a2 still waits: a1's batch is not over
    expect(c.batches).toHaveLength(3);
    await c.release(); // a1+b1 rolled back: a1 runs again alone
    expect(c.batches[3]).toEqual(['a1']);
    await c.release();
    expect(c.batches[4]).toEqual(['b1']);
    await c.release();
    expect(c.batches[5]).toEqual(['a2']);
    await c.release();
    await expect(Promise.all(all)).resolves.toEqual(['ok Z0', 'ok W0', 'ok A1', 'ok B1', 'ok A2']);
  });

  it('runs the items of a rolled-back batch alone in whichever lane is free: one that hangs holds one lane, the rest go on', async () => {
    // "stuck" waits (on a lock, say) whenever it runs alone; a batch holding it gives up (lock timeout).
    const hung: (() => void)[] = [];
    const batches: string[][] = [];
    const q = new GroupCommitQueue<string, string>(
      async (batch) => {
        batches.push([...batch]);
        if (batch.length > 1 && batch.includes('stuck')) throw new RolledBack(new Error('lock timeout'));
        if (batch.includes('stuck')) await new Promise<void>((r) => hung.push(r));
        return batch.map((i) => ({ ok: i.toUpperCase() }));
      },
      { lanes: 2, maxBatch: 8 },
    );
    // a and b take both lanes at once; stuck, c, d and e wait and form one batch.
    const all = ['a', 'b', 'stuck', 'c', 'd', 'e'].map((i) => settle(q.submit(i)));
    const done = await Promise.all(all.filter((_, i) => i !== 2));
    expect(done).toEqual(['ok A', 'ok B', 'ok C', 'ok D', 'ok E']);
    expect(hung).toHaveLength(1);
    hung[0]!();
    await expect(all[2]).resolves.toBe('ok STUCK');
    expect(batches.filter((b) => b.length > 1)).toEqual([['stuck', 'c', 'd', 'e']]);
  });
});
