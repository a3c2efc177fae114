import { Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { durableName, eventsOf, handlerOf, Streams, type CloudEvent, type EventHandlers, type WorkerPositionsReportedV1 } from '@gm/contracts';
import { DurableConsumers, Inbox } from '@gm/messaging';
import { JsonLogger } from '@gm/telemetry';
import { WorkerRepository } from './worker.repository';

export const WORKERS_DURABLE = durableName('command-centre', 'workers');

/** Keeps each worker's track and last position from the handhelds' position batches (exactly once: the inbox). */
@Injectable()
export class WorkerPositionsConsumer implements OnApplicationBootstrap {
  constructor(
    private readonly consumers: DurableConsumers,
    private readonly inbox: Inbox,
    private readonly workers: WorkerRepository,
    private readonly logger: JsonLogger,
  ) {}

  onApplicationBootstrap(): void {
    this.consumers.start({
      stream: Streams.workerEvents,
      durable: WORKERS_DURABLE,
      filterSubject: eventsOf('worker'),
      handle: (event) => this.handle(event),
    });
  }

  private readonly handlers: EventHandlers<'workerPositionsReported'> = { workerPositionsReported: (e) => this.positions(e) };

  async handle(event: CloudEvent): Promise<void> {
    await handlerOf(this.handlers, event)?.();
  }

  private async positions(event: CloudEvent<WorkerPositionsReportedV1>): Promise<void> {
    const batch = event.data;
    const applied = await this.workers.transaction(async (client) => {
      if (!(await this.inbox.claimWith(client, this.workers.schema, WORKERS_DURABLE, event.id, event.type))) return false;
      await this.workers.record(client, batch);
      return true;
    });
    this.logger.event('debug', applied ? 'workers.positions_recorded' : 'workers.duplicate_ignored', { eventId: event.id, fixes: batch.fixes.length }, 'WorkerPositionsConsumer');
  }
}
