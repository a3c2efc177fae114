import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { durableName, eventsOf, handlerOf, Streams, type CloudEvent, type EventData, type EventHandlers } from '@gm/contracts';
import { DurableConsumers, Inbox } from '@gm/messaging';
import { SERVICE_CONFIG } from '@gm/platform';
import type { AppConfig } from '../config/config';
import { dayIn } from '../cases/case-fold';
import { KpiLedger } from './kpi-ledger.service';
import { KpiRepository } from './kpi.repository';

export const DATA_UPDATES_DURABLE = durableName('command-centre', 'data-updates');

/**
 * Base data kept current (数据更新) for the assessment: each change of a resident's record counts
 * for its grid and for the person who made it, once (the inbox).
 */
@Injectable()
export class DataUpdatesConsumer implements OnApplicationBootstrap {
  private readonly day: (at: Date) => string;

  constructor(
    private readonly consumers: DurableConsumers,
    private readonly inbox: Inbox,
    private readonly kpis: KpiRepository,
    private readonly ledger: KpiLedger,
    @Inject(SERVICE_CONFIG) private readonly config: AppConfig,
  ) {
    this.day = dayIn(config.own.KPI_TIME_ZONE);
  }

  onApplicationBootstrap(): void {
    this.consumers.start({ stream: Streams.baseDataEvents, durable: DATA_UPDATES_DURABLE, filterSubject: eventsOf('resident'), handle: (e) => this.handle(e) });
  }

  private readonly handlers: EventHandlers<'residentChanged'> = { residentChanged: (e) => this.residentChanged(e) };

  /** Other base data events travel the same stream: only a resident's change counts. */
  async handle(event: CloudEvent): Promise<void> {
    await handlerOf(this.handlers, event)?.();
  }

  private async residentChanged(event: CloudEvent<EventData<'residentChanged'>>): Promise<void> {
    const d = event.data;
    const day = this.day(new Date(event.time));
    await this.kpis.transaction(async (client) => {
      if (!(await this.inbox.claimWith(client, this.kpis.schema, DATA_UPDATES_DURABLE, event.id, event.type))) return;
      await this.ledger.record(
        client,
        [
          { kind: 'unit', subject: d.gridCode, unitCode: d.gridCode, day, add: { dataUpdates: 1 } },
          { kind: 'person', subject: d.by.subject, unitCode: d.gridCode, day, add: { dataUpdates: 1 } },
        ],
        this.config.tier,
      );
    });
  }
}
