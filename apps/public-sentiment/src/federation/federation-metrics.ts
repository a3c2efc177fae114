import { Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { DOWNLINK_IN, JetStreamService, NatsClient, UPLINK_AGGREGATE } from '@gm/messaging';
import { oncePerScrape, ServiceMetrics } from '@gm/telemetry';
import { TierPosition } from '../tier/tier-position';

/**
 * How far this tier's federation streams are behind their sources, read from the server at scrape
 * time: `UPLINK_AGG` sources one stream per child (the child's `UPLINK`), `DOWNLINK_IN` the parent's
 * `DOWNLINK_<this tier>`. A source's lag is the messages it has not copied yet; while a link is cut
 * it stays (or grows) and its last activity ages, which is what an alert on a cut link watches.
 */
@Injectable()
export class FederationMetrics implements OnApplicationBootstrap {
  constructor(
    private readonly position: TierPosition,
    private readonly nats: NatsClient,
    private readonly jetstream: JetStreamService,
    private readonly metrics: ServiceMetrics,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.position.enabled) return;
    const streams = [...(this.position.hasChildren ? [UPLINK_AGGREGATE] : []), ...(this.position.parent ? [DOWNLINK_IN] : [])];
    // One round of stream infos per scrape, shared by the two gauges.
    const sources = oncePerScrape(async () => {
      const nc = this.nats.current();
      if (!nc) return undefined;
      const jsm = await this.jetstream.manager(nc);
      const infos = await Promise.all(streams.map((s) => jsm.streams.info(s).catch(() => undefined)));
      return infos.flatMap((info) => (info?.sources ?? []).map((src) => ({ stream: info!.config.name, source: sourceName(src), lag: src.lag, activeSec: src.active / 1e9 })));
    });
    this.metrics.observe('gm.federation.source_lag', "Messages of a child's (or the parent's) stream not yet copied into this tier's", '{message}', async () =>
      (await sources())?.map((s) => ({ value: s.lag, attributes: { stream: s.stream, source: s.source } })),
    );
    this.metrics.observe('gm.federation.source_last_active_seconds', 'Seconds since the source last copied anything (-1: never)', 's', async () =>
      (await sources())?.map((s) => ({ value: s.activeSec < 0 ? -1 : s.activeSec, attributes: { stream: s.stream, source: s.source } })),
    );
  }
}

/**
 * Every child's stream is called `UPLINK`, each in the child's JetStream domain: the label names
 * the domain too (`UPLINK@d350206001`), from the source's external API prefix (`$JS.<domain>.API`).
 */
export function sourceName(src: { name: string; external?: { api?: string } | undefined }): string {
  const domain = /^\$JS\.([^.]+)\.API$/.exec(src.external?.api ?? '')?.[1];
  return domain ? `${src.name}@${domain}` : src.name;
}
