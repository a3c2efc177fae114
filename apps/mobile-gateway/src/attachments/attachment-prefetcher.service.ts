import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { attachmentKeySchema, caseReceivedV1, DomainError, durableName, Streams, type CloudEvent } from '@gm/contracts';
import { OrgUnitCode } from '@gm/domain';
import { DurableConsumers } from '@gm/messaging';
import { SERVICE_CONFIG } from '@gm/platform';
import { JsonLogger } from '@gm/telemetry';
import type { AppConfig } from '../config/config';
import { AttachmentService } from './attachment.service';
import { ObjectStorage } from './object-storage.service';

export const PREFETCH_DURABLE = durableName('mobile-gateway', 'attachment-prefetch');
/** A case's photos are fetched ahead for this long after it arrived; after that (a holder away that long, or an old event replayed), readers fetch on demand. */
const HORIZON_MS = 60 * 60 * 1000;
/** One event gets this long per delivery; what is left is tried again at its next delivery. */
const EVENT_BUDGET_MS = 60_000;
/** A holder that could not be reached is not asked again for this long, by any event: the others' photos go ahead meanwhile. */
const HOLDER_COOLDOWN_MS = 10_000;

/**
 * When this tier takes over a case escalated from below (`gm.case.received.v1` with `ownedHere`),
 * fetches the case's attachments held by other tiers at once and keeps them in this tier's bucket
 * (ADR 0010). The staff who now own the case will open its photos; with the copies here they can,
 * even if the link to the tier holding them fails later.
 *
 * A holder that cannot be reached now is tried again at the event's next delivery (the consumer's
 * back-off: 1 s doubling to 30 s), for up to an hour after the case arrived; meanwhile other events
 * asking the same holder are put off without asking it, so one tier away holds up no one else's
 * photos for long. A holder that has no such attachment, or sends what this tier will not take, is
 * not asked again. A read-only copy passed on further up fetches nothing (its readers fetch on
 * demand).
 */
@Injectable()
export class AttachmentPrefetcher implements OnApplicationBootstrap {
  private readonly enabled: boolean;
  private readonly here: string;
  /** Holders that did not answer, and until when they are left alone. */
  private readonly coolingDown = new Map<string, number>();

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
    this.consumers.start({
      stream: Streams.caseEvents,
      durable: PREFETCH_DURABLE,
      filterSubject: caseReceivedV1.type,
      // A delivery may take its whole budget plus the fetches in flight at its end.
      ackWaitMs: EVENT_BUDGET_MS + 3 * 60_000,
      handle: (e) => this.handle(e),
    });
  }

  /**
   * Throws (so the event comes again later) only while some photo could not be fetched for now and
   * the hour is not over. `clock`: for tests.
   */
  async handle(event: CloudEvent, clock: () => number = Date.now): Promise<void> {
    const parsed = caseReceivedV1.schema.safeParse(event.data);
    if (!parsed.success) return;
    const { caseId, attachments, ownedHere, receivedAt } = parsed.data;
    const horizon = Date.parse(receivedAt) + HORIZON_MS;
    if (!ownedHere) {
      this.logger.event('info', 'attachment.prefetch_not_needed', { caseId, reason: 'passed on' }, 'AttachmentPrefetcher');
      return;
    }
    if (clock() > horizon) {
      this.logger.event('info', 'attachment.prefetch_not_needed', { caseId, reason: 'older than an hour' }, 'AttachmentPrefetcher');
      return;
    }
    const budgetEnds = clock() + EVENT_BUDGET_MS;
    let kept = 0;
    let putOff = 0;
    for (const ref of attachments) {
      if (ref.tier === this.here || !attachmentKeySchema.safeParse(ref.key).success) continue;
      if ((this.coolingDown.get(ref.tier) ?? 0) > clock() || clock() > budgetEnds) {
        putOff++;
        continue;
      }
      try {
        // Already kept (a redelivery, or a reader was quicker) costs one look at the bucket.
        await this.attachments.keep(ref.key, ref.tier);
        kept++;
      } catch (err) {
        const code = err instanceof DomainError ? err.code : 'INTERNAL';
        if (code === 'SERVICE.UNAVAILABLE') {
          this.coolingDown.set(ref.tier, clock() + HOLDER_COOLDOWN_MS);
          putOff++;
        } else {
          // No such attachment, a copy this tier will not take, or a fault here: asking again would not help.
          this.logger.event('warn', 'attachment.prefetch_skipped', { caseId, holder: ref.tier, key: ref.key, code, error: err instanceof Error ? err.name : 'unknown' }, 'AttachmentPrefetcher');
        }
      }
    }
    if (putOff > 0 && clock() < horizon) {
      this.logger.event('info', 'attachment.prefetch_deferred', { caseId, kept, putOff }, 'AttachmentPrefetcher');
      throw new DomainError('SERVICE.UNAVAILABLE', `${putOff} attachment(s) of case ${caseId} could not be fetched yet`);
    }
    this.logger.event('info', 'attachment.prefetched', { caseId, kept, of: attachments.length, gaveUp: putOff }, 'AttachmentPrefetcher');
  }
}
