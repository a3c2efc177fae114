import { Injectable } from '@nestjs/common';
import type { EntityManager } from '@mikro-orm/postgresql';
import { Case } from './case.entity';

/** The only place that queries cases. */
@Injectable()
export class CaseRepository {
  findByIdempotencyKey(em: EntityManager, reporterSubject: string, idempotencyKey: string): Promise<Case | null> {
    return em.findOne(Case, { reporterSubject, idempotencyKey });
  }

  findById(em: EntityManager, id: string): Promise<Case | null> {
    return em.findOne(Case, { id });
  }

  async nextSequence(em: EntityManager): Promise<number> {
    const schema = String(em.config.get('schema'));
    const [row] = await em.execute<{ n: string }[]>(`SELECT nextval('"${schema}".case_no_seq') AS n`);
    return Number(row?.n);
  }

  /** Open cases (not closed, rejected, voided or merged) per grid in a subtree. */
  async openByGrid(em: EntityManager, under: string): Promise<Record<string, number>> {
    const schema = String(em.config.get('schema'));
    const rows = await em.execute<{ grid_code: string; n: string }[]>(
      `SELECT grid_code, count(*) AS n FROM "${schema}".cases
       WHERE (grid_code = ? OR grid_code LIKE ?) AND state NOT IN ('closed', 'rejected', 'voided', 'merged') GROUP BY grid_code`,
      [under, `${under}%`],
    );
    return Object.fromEntries(rows.map((r) => [r.grid_code, Number(r.n)]));
  }

  add(em: EntityManager, entity: Case): void {
    em.persist(entity);
  }
}
