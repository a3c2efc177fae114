import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import { RolledBack } from '@gm/persistence';
import type { JsonLogger } from '@gm/telemetry';

/** How long a batch of several writes waits for a row lock before it is run again one by one. */
export const BATCH_LOCK_TIMEOUT_MS = 2000;

/**
 * Runs the work of a group-commit batch (ADR 0009) in a transaction and flushes it there, so that
 * whatever fails before the commit (a check, a statement, the flush) is known to have written
 * nothing: it is thrown as `RolledBack`, logged as `event` when the batch held several writes, and
 * the queue runs them again one by one. A failure of the commit itself may have committed: it is
 * every caller's answer, and nothing is run again.
 */
export async function batchTransaction<T>(orm: MikroORM, logger: JsonLogger, event: string, size: number, work: (tx: EntityManager) => Promise<T>): Promise<T> {
  let failure: { err: unknown } | undefined;
  try {
    return await orm.em.fork().transactional(async (tx) => {
      try {
        // Several writes do not wait long behind a lock held outside the queue (a scheduler's, a
        // consumer's): the batch gives up and its writes run one by one, each waiting as long as
        // it must, as a write alone always did.
        if (size > 1) await tx.execute(`SET LOCAL lock_timeout = '${BATCH_LOCK_TIMEOUT_MS}ms'`);
        const result = await work(tx);
        await tx.flush();
        return result;
      } catch (err) {
        failure = { err };
        throw err;
      }
    });
  } catch (err) {
    if (!failure) throw err;
    // The kind of failure only: a driver's message may quote the statement, with personal data in it.
    if (size > 1) logger.event('warn', event, { size, error: failureKind(failure.err) }, 'GroupCommit');
    throw new RolledBack(failure.err);
  }
}

/** An error's class and SQLSTATE (never its message). */
function failureKind(err: unknown): string {
  if (!(err instanceof Error)) return typeof err;
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' ? `${err.name} ${code}` : err.name;
}
