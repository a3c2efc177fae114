import { Injectable } from '@nestjs/common';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { CloudEvent } from '@gm/contracts';
import { LiveEvent } from './live-event.entity';
import { subtreePattern } from '@gm/persistence';

/** The only place that queries the live feed. */
@Injectable()
export class LiveEventRepository {
  async add(em: EntityManager, event: CloudEvent, unitCode: string): Promise<LiveEvent> {
    const row = new LiveEvent();
    row.eventId = event.id;
    row.type = event.type;
    row.unitCode = unitCode;
    row.occurredAt = new Date(event.time);
    row.envelope = event as unknown as Record<string, unknown>;
    await em.persist(row).flush();
    return row;
  }

  /** Events after `lastEventId` within the scope's subtree, oldest first. Unknown id: nothing (the client starts live). */
  async after(em: EntityManager, lastEventId: string, scope: string, limit: number): Promise<LiveEvent[]> {
    const from = await em.findOne(LiveEvent, { eventId: lastEventId });
    if (!from) return [];
    return em.find(
      LiveEvent,
      { seq: { $gt: from.seq }, unitCode: { $like: subtreePattern(scope) } },
      { orderBy: { seq: 'asc' }, limit },
    );
  }
}
