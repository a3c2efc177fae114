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

  add(em: EntityManager, entity: Case): void {
    em.persist(entity);
  }
}
