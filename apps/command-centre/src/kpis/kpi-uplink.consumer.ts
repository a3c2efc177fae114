import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { durableName, Events, handlerOf, uplinkEventFromAnyChild, type CloudEvent, type EventHandlers, type KpiIncrementsUpV1 } from '@gm/contracts';
import { OrgUnitCode } from '@gm/domain';
import { DurableConsumers, Inbox, UPLINK_AGGREGATE } from '@gm/messaging';
import { SERVICE_CONFIG } from '@gm/platform';
import { JsonLogger } from '@gm/telemetry';
import type { AppConfig } from '../config/config';
import { KpiLedger } from './kpi-ledger.service';
import { KpiRepository } from './kpi.repository';

export const KPI_UPLINK_DURABLE = durableName('command-centre', 'kpi-uplink');

/**
 * A parent tier hears its children's KPI increments (UPLINK_AGG, which sources every child's
 * UPLINK): each message is claimed in the inbox, recorded and passed further up in one
 * transaction, so the subtree's figures are counted once at every ancestor whatever is delivered again.
 */
@Injectable()
export class KpiUplinkConsumer implements OnApplicationBootstrap {
  constructor(
    private readonly consumers: DurableConsumers,
    private readonly inbox: Inbox,
    private readonly kpis: KpiRepository,
    private readonly ledger: KpiLedger,
    private readonly logger: JsonLogger,
    @Inject(SERVICE_CONFIG) private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.config.own.FEDERATION_ENABLED || OrgUnitCode.parse(this.config.tier).level === 'grid') return;
    this.consumers.start({
      provisionedStream: UPLINK_AGGREGATE,
      subjectFilter: uplinkEventFromAnyChild(Events.kpiIncrementsUp.type),
      durable: KPI_UPLINK_DURABLE,
      handle: (event) => this.handle(event),
    });
  }

  private readonly handlers: EventHandlers<'kpiIncrementsUp'> = { kpiIncrementsUp: (e) => this.incrementsUp(e) };

  async handle(event: CloudEvent): Promise<void> {
    await handlerOf(this.handlers, event)?.();
  }

  private async incrementsUp(event: CloudEvent<KpiIncrementsUpV1>): Promise<void> {
    const d = event.data;
    // A child speaks only for its own subtree: anything else is dropped (and said).
    const child = event.gmtier;
    const inside = d.increments.filter((i) => i.unitCode.startsWith(child));
    if (inside.length < d.increments.length) this.logger.event('warn', 'kpi.uplink_outside_child', { child, dropped: d.increments.length - inside.length }, 'KpiUplinkConsumer');
    await this.kpis.transaction(async (client) => {
      if (!(await this.inbox.claimWith(client, this.kpis.schema, KPI_UPLINK_DURABLE, event.id, event.type))) return;
      await this.ledger.record(client, inside, d.countedAt);
      await this.kpis.heardFrom(client, child, new Date(event.time));
    });
  }
}
