import { GroupCommitQueue, type ItemOutcome } from './group-commit';

/** A run whose batches finish when the test says so, recording what each was given. */
function controlledRun(fail?: (batch: readonly string[]) => boolean) {
  const batches: string[][] = [];
  const releases: (() => void)[] = [];
  const run = (batch: readonly string[]): Promise<readonly ItemOutcome<string>[]> => {
    batches.push([...batch]);
    return new Promise((resolve, reject) => {
      releases.push(() => {
        if (fail?.(batch)) reject(new Error(`batch ${batch.join(',')} failed`));
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
    const q = new GroupCommitQueue(c.run, { lanes: 1, maxBatch: 8, key: (i: string) => i[0]! });
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

  it('when a batch fails as a whole, runs each of its items again alone, so only the culprit fails', async () => {
    // A batch holding "poison" fails as a whole (as a transaction does when one statement fails).
    const c = controlledRun((batch) => batch.includes('poison'));
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

  it('refuses a run that does not answer for every item (nothing is left hanging)', async () => {
    const q = new GroupCommitQueue<string, string>(async (batch) => (batch.length > 1 ? [] : [{ ok: batch[0]! }]), { lanes: 1, maxBatch: 8 });
    const all = ['a', 'b', 'c'].map((i) => q.submit(i));
    await expect(Promise.all(all)).resolves.toEqual(['a', 'b', 'c']);
  });
});
