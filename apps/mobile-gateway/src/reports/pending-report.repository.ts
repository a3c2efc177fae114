import { Injectable } from '@nestjs/common';
import type { EntityManager } from '@mikro-orm/postgresql';
import { tableOf } from '../service-table';
import { PendingReport } from './pending-report.entity';

/** The only place that queries the store-and-forward queue. */
@Injectable()
export class PendingReportRepository {
  find(em: EntityManager, reporterSubject: string, idempotencyKey: string): Promise<PendingReport | null> {
    return em.findOne(PendingReport, { reporterSubject, idempotencyKey });
  }

  /** The oldest queued report nobody else is forwarding right now (locked until the transaction ends). */
  async lockOldestQueued(em: EntityManager): Promise<PendingReport | null> {
    const rows = await em.execute<{ id: string }[]>(
      `SELECT id FROM ${tableOf(em, 'pending_reports')} WHERE status = 'queued' ORDER BY accepted_at LIMIT 1 FOR UPDATE SKIP LOCKED`,
    );
    const id = rows[0]?.id;
    return id ? em.findOne(PendingReport, { id }) : null;
  }

  async countQueued(em: EntityManager): Promise<number> {
    return em.count(PendingReport, { status: 'queued' });
  }
}
