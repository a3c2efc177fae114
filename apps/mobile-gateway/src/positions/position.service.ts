import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { MikroORM, type EntityManager } from '@mikro-orm/postgresql';
import {
  DomainError,
  Events,
  POSITION_CLOCK_SKEW_MS,
  POSITION_MAX_AGE_MS,
  type FieldError,
  type PostPositionsBody,
  type PostPositionsResult,
  type Principal,
} from '@gm/contracts';
import { Outbox } from '@gm/messaging';

/**
 * Grid workers' GPS fixes from the handheld: checked, ordered and published as one
 * `gm.worker.positions-reported.v1` per batch (through the outbox: a batch accepted here is not
 * lost while NATS is away). The command centre keeps the tracks and last positions.
 */
@Injectable()
export class PositionService {
  constructor(
    private readonly orm: MikroORM,
    private readonly outbox: Outbox,
  ) {}

  /** `alsoInTx` writes what must stand or fall with the batch (the sync's record of the item) in its transaction. */
  async accept(principal: Principal, body: PostPositionsBody, now = new Date(), alsoInTx?: (tx: EntityManager, result: PostPositionsResult) => Promise<void>): Promise<PostPositionsResult> {
    if (body.worker !== undefined && body.worker !== principal.subject) {
      throw new DomainError('AUTH.FORBIDDEN', "worker: a handheld posts only its own worker's positions", [
        { field: 'worker', message: 'must be your own subject (or left out)' },
      ]);
    }
    const errors = fixTimeProblems(body.fixes, now, 'fixes');
    if (errors.length > 0) throw DomainError.validation(errors);

    const fixes = [...body.fixes].sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
    const result = { accepted: fixes.length, latestAt: new Date(Date.parse(fixes[fixes.length - 1]!.at)).toISOString() };
    await this.orm.em.fork().transactional(async (tx) => {
      await alsoInTx?.(tx, result);
      this.outbox.add(
        tx,
        Events.workerPositionsReported,
        {
          batchId: randomUUID(),
          worker: { subject: principal.subject, username: principal.username ?? principal.subject, role: principal.roles[0] ?? 'grid-worker', unit: principal.orgUnit },
          fixes,
          receivedAt: now.toISOString(),
        },
        principal.subject,
      );
    });
    return result;
  }
}

/** Fixes that claim to be from the future (beyond the clock skew allowed) or older than the queue holds, named by their place (`<list>.<i>.at`). */
export function fixTimeProblems(fixes: readonly { at: string }[], now: Date, list: string): FieldError[] {
  const errors: FieldError[] = [];
  for (const [i, fix] of fixes.entries()) {
    const at = Date.parse(fix.at);
    if (at > now.getTime() + POSITION_CLOCK_SKEW_MS) errors.push({ field: `${list}.${i}.at`, message: 'is in the future' });
    else if (at < now.getTime() - POSITION_MAX_AGE_MS) errors.push({ field: `${list}.${i}.at`, message: 'is older than 72 hours' });
  }
  return errors;
}
