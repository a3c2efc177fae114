import type { EventSubscriber, TransactionEventArgs } from '@mikro-orm/core';

/**
 * "Once this transaction has committed, do this": how the persistence layer tells what a commit
 * made visible (the outbox relay is woken this way: ADR 0019). A hook is registered on the handle
 * the caller writes through, an `EntityManager` in (or flushing in) a transaction, or a `pg` client
 * of `RawSql.transaction`, and run right after that transaction's COMMIT; never when it rolls back.
 * A hook registered twice on one transaction runs once.
 */
const hooks = new WeakMap<object, (() => void)[]>();

export function afterCommit(handle: object, hook: () => void): void {
  const list = hooks.get(handle);
  if (!list) hooks.set(handle, [hook]);
  else if (!list.includes(hook)) list.push(hook);
}

/** @internal the transaction on `handle` committed: its hooks run (a failing hook does not stop the others). */
export function runCommitHooks(handle: object): void {
  const list = hooks.get(handle);
  if (!list) return;
  hooks.delete(handle);
  for (const hook of list) {
    try {
      hook();
    } catch {
      // A hook only signals (wakes a loop); what it failed to do, the loop's own polling does.
    }
  }
}

/** @internal the transaction on `handle` rolled back: its hooks are dropped. */
export function dropCommitHooks(handle: object): void {
  hooks.delete(handle);
}

/**
 * MikroORM's side: runs the hooks of an `EntityManager` when its top-level transaction commits
 * (`em.transactional`, or the implicit transaction of a flush), drops them when it rolls back.
 * A savepoint's release is not a commit: nothing is visible to others yet.
 */
export class CommitHookSubscriber implements EventSubscriber {
  async afterTransactionCommit(args: TransactionEventArgs): Promise<void> {
    if (!isSavepoint(args.transaction)) runCommitHooks(args.em);
  }

  async afterTransactionRollback(args: TransactionEventArgs): Promise<void> {
    if (!isSavepoint(args.transaction)) dropCommitHooks(args.em);
  }
}

function isSavepoint(transaction: unknown): boolean {
  return typeof transaction === 'object' && transaction !== null && 'savepointName' in transaction;
}
