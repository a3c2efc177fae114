import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { MikroORM } from '@mikro-orm/postgresql';
import { Events, type TierSummaryV1 } from '@gm/contracts';
import { errorText, Outbox } from '@gm/messaging';
import { SERVICE_CONFIG } from '@gm/platform';
import { JsonLogger } from '@gm/telemetry';
import type { AppConfig } from '../config/config';
import { TierPosition } from '../tier/tier-position';
import { sumCounts, TierSummaryStore } from './tier-summary.store';

/**
 * Every FEDERATION_SUMMARY_MS, a federated tier with a parent sends up the counts of its subtree:
 * the cases it owns plus the latest summary of each child (through the outbox into UPLINK, so a
 * cut link only delays it).
 */
@Injectable()
export class TierSummaryPublisher implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly position: TierPosition,
    private readonly store: TierSummaryStore,
    private readonly orm: MikroORM,
    private readonly outbox: Outbox,
    private readonly logger: JsonLogger,
    @Inject(SERVICE_CONFIG) private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    const every = this.config.own.FEDERATION_SUMMARY_MS;
    if (!this.position.parent || every === 0) return;
    this.timer = setInterval(() => {
      this.publish().catch((err: unknown) => this.logger.event('warn', 'federation.summary_failed', { error: errorText(err) }, 'TierSummaryPublisher'));
    }, every);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  /** This tier's subtree as of now. */
  async subtree(now = new Date()): Promise<TierSummaryV1> {
    const [own, children] = await Promise.all([this.store.own(now), this.store.children()]);
    return {
      tier: this.position.tier,
      at: now.toISOString(),
      tiers: [this.position.tier, ...children.flatMap((c) => c.tiers)],
      counts: sumCounts([own, ...children.map((c) => c.counts)]),
    };
  }

  async publish(): Promise<void> {
    const summary = await this.subtree();
    await this.orm.em.fork().transactional(async (tx) => {
      this.outbox.add(tx, Events.tierSummary, summary, this.position.tier);
    });
  }
}
