import { Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { MikroORM } from '@mikro-orm/postgresql';
import { type CloudEvent, durableName, eventsOf, Streams } from '@gm/contracts';
import { DurableConsumers, Inbox } from '@gm/messaging';
import { JsonLogger } from '@gm/telemetry';
import { LiveEventRepository } from './live-event.repository';
import { LiveHub, type LiveEntry } from './live-hub.service';

export const LIVE_DURABLE = durableName('command-centre', 'live');

/**
 * Durable consumer of the tier's case events: records each event once (inbox), keeps it for
 * replay, then pushes it to the live clients whose scope contains it.
 */
@Injectable()
export class CaseEventsConsumer implements OnApplicationBootstrap {
  constructor(
    private readonly consumers: DurableConsumers,
    private readonly inbox: Inbox,
    private readonly orm: MikroORM,
    private readonly events: LiveEventRepository,
    private readonly hub: LiveHub,
    private readonly logger: JsonLogger,
  ) {}

  onApplicationBootstrap(): void {
    this.consumers.start({
      stream: Streams.caseEvents,
      durable: LIVE_DURABLE,
      filterSubject: eventsOf('case'),
      handle: (event) => this.handle(event),
    });
  }

  async handle(event: CloudEvent): Promise<void> {
    const unitCode = unitOf(event);
    let entry: LiveEntry | undefined;
    await this.orm.em.fork().transactional(async (tx) => {
      if (!(await this.inbox.claim(tx, LIVE_DURABLE, event.id, event.type))) return;
      await this.events.add(tx, event, unitCode);
      entry = { eventId: event.id, type: event.type, unitCode, envelope: event };
    });
    if (!entry) {
      this.logger.event('debug', 'live.duplicate_ignored', { eventId: event.id, type: event.type }, 'CaseEventsConsumer');
      return;
    }
    const clients = this.hub.publish(entry);
    this.logger.event('info', 'live.event', { eventId: event.id, type: event.type, unit: unitCode, clients }, 'CaseEventsConsumer');
  }
}

/** Case events name their grid; anything else belongs to the emitting tier. */
function unitOf(event: CloudEvent): string {
  const data = event.data as { gridCode?: unknown } | null;
  return typeof data?.gridCode === 'string' ? data.gridCode : event.gmtier;
}
