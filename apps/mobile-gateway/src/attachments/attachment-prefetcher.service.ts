import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { attachmentKeySchema, caseReceivedV1, DomainError, durableName, Streams, type CloudEvent } from '@gm/contracts';
import { OrgUnitCode } from '@gm/domain';
import { DurableConsumers, type DeliveryMeta } from '@gm/messaging';
import { SERVICE_CONFIG } from '@gm/platform';
import { JsonLogger } from '@gm/telemetry';
import type { AppConfig } from '../config/config';
import { AttachmentService } from './attachment.service';
import { ObjectStorage } from './object-storage.service';

export const PREFETCH_DURABLE = durableName('mobile-gateway', 'attachment-prefetch');
/** A holder that cannot be reached is tried again (the consumer's back-off reaches 30 s) for about an hour, then left to on-demand reads. */
const MAX_DELIVERIES = 120;

/**
 * When this tier takes over a case escalated from below (`gm.case.received.v1` with `ownedHere`),
 * fetches the case's attachments held by other tiers at once and keeps them in this tier's bucket
 * (ADR 0010). The staff who now own the case will open its photos; with the copies here they can,
 * even if the link to the tier holding them fails later. A holder that cannot be reached now is
 * tried again later; a read-only copy passed on further up fetches nothing (its readers fetch on
 * demand).
 */
@Injectable()
export class AttachmentPrefetcher implements OnApplicationBootstrap {
  private readonly enabled: boolean;
  private readonly here: string;

  constructor(
    private readonly consumers: DurableConsumers,
    private readonly attachments: AttachmentService,
    private readonly storage: ObjectStorage,
    private readonly logger: JsonLogger,
    @Inject(SERVICE_CONFIG) config: AppConfig,
  ) {
    this.here = config.tier;
    // Only a tier with children receives cases from below.
    this.enabled = config.own.FEDERATION_ENABLED && config.own.ATTACHMENT_PREFETCH && OrgUnitCode.parse(config.tier).level !== 'grid';
  }

  onApplicationBootstrap(): void {
    if (!this.enabled || !this.storage.configured) return;
    this.consumers.start({ stream: Streams.caseEvents, durable: PREFETCH_DURABLE, filterSubject: caseReceivedV1.type, handle: (e, meta) => this.handle(e, meta) });
  }

  async handle(event: CloudEvent, meta: DeliveryMeta): Promise<void> {
    const parsed = caseReceivedV1.schema.safeParse(event.data);
    if (!parsed.success || !parsed.data.ownedHere) return;
    const { caseId, attachments } = parsed.data;
    let deferred: DomainError | undefined;
    let kept = 0;
    for (const ref of attachments) {
      if (ref.tier === this.here || !attachmentKeySchema.safeParse(ref.key).success) continue;
      try {
        // Already kept (a redelivery, or a reader was quicker) costs one look at the bucket.
        await this.attachments.keep(ref.key, ref.tier);
        kept++;
      } catch (err) {
        if (!(err instanceof DomainError)) throw err;
        if (err.code === 'SERVICE.UNAVAILABLE') deferred ??= err;
        else this.logger.event('warn', 'attachment.prefetch_skipped', { caseId, holder: ref.tier, key: ref.key, code: err.code }, 'AttachmentPrefetcher');
      }
    }
    if (deferred && meta.deliveryCount < MAX_DELIVERIES) {
      this.logger.event('info', 'attachment.prefetch_deferred', { caseId, kept, attempt: meta.deliveryCount }, 'AttachmentPrefetcher');
      // Redelivered later: what was kept is not fetched again.
      throw deferred;
    }
    this.logger.event('info', 'attachment.prefetched', { caseId, kept, of: attachments.length, gaveUp: deferred !== undefined }, 'AttachmentPrefetcher');
  }
}
