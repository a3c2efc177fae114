import { afterCommit, CommitHookSubscriber, dropCommitHooks, runCommitHooks } from './commit-hooks';

describe('commit hooks', () => {
  it('run once after the commit, each hook once however often it was registered', () => {
    const tx = {};
    const calls: string[] = [];
    const a = () => calls.push('a');
    afterCommit(tx, a);
    afterCommit(tx, a);
    afterCommit(tx, () => calls.push('b'));
    expect(calls).toEqual([]);
    runCommitHooks(tx);
    expect(calls).toEqual(['a', 'b']);
    runCommitHooks(tx); // the next transaction on the same handle starts with none
    expect(calls).toEqual(['a', 'b']);
  });

  it('are dropped on a rollback, and a failing hook does not stop the others', () => {
    const tx = {};
    const calls: string[] = [];
    afterCommit(tx, () => calls.push('lost'));
    dropCommitHooks(tx);
    runCommitHooks(tx);
    afterCommit(tx, () => {
      throw new Error('boom');
    });
    afterCommit(tx, () => calls.push('after'));
    runCommitHooks(tx);
    expect(calls).toEqual(['after']);
  });

  it("MikroORM's side: a top-level commit runs them, a savepoint's release does not, a rollback drops them", async () => {
    const sub = new CommitHookSubscriber();
    const em = {};
    const calls: string[] = [];
    afterCommit(em, () => calls.push('x'));
    await sub.afterTransactionCommit({ em, transaction: { savepointName: 'trx1' } } as never);
    expect(calls).toEqual([]);
    await sub.afterTransactionCommit({ em, transaction: {} } as never);
    expect(calls).toEqual(['x']);
    afterCommit(em, () => calls.push('y'));
    await sub.afterTransactionRollback({ em, transaction: {} } as never);
    await sub.afterTransactionCommit({ em, transaction: {} } as never);
    expect(calls).toEqual(['x']);
  });
});
