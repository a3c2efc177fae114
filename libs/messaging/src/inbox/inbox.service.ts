import { Injectable } from '@nestjs/common';
import type { EntityManager } from '@mikro-orm/postgresql';

/**
 * Handled event ids per consumer. `claim` runs inside the consumer's transaction: it returns
 * false when the event was already applied, so a redelivery changes nothing.
 */
@Injectable()
export class Inbox {
  async claim(em: EntityManager, consumer: string, eventId: string, eventType: string): Promise<boolean> {
    const schema = String(em.config.get('schema'));
    const rows = await em.execute<{ event_id: string }[]>(
      `INSERT INTO "${schema}".inbox (consumer, event_id, event_type) VALUES (?, ?, ?) ON CONFLICT DO NOTHING RETURNING event_id`,
      [consumer, eventId, eventType],
    );
    return rows.length === 1;
  }

  /** The same for a plain pg client in its transaction (repositories that write with `$n` SQL). */
  async claimWith(client: { query(sql: string, params: unknown[]): Promise<{ rowCount: number | null }> }, schema: string, consumer: string, eventId: string, eventType: string): Promise<boolean> {
    const result = await client.query(`INSERT INTO "${schema}".inbox (consumer, event_id, event_type) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`, [consumer, eventId, eventType]);
    return result.rowCount === 1;
  }
}
