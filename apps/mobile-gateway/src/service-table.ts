import type { EntityManager } from '@mikro-orm/postgresql';

/** A table of mobile-gateway's own schema, quoted, for the hand-written SQL beside the entities. */
export function tableOf(em: EntityManager, table: string): string {
  return `"${String(em.config.get('schema'))}".${table}`;
}
