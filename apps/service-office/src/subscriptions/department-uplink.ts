import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { type CloudEvent, durableName, scopedSubject, uplinkEventFromAnyChild } from '@gm/contracts';
import { isWithinScope, OrgUnitCode } from '@gm/domain';
import { DurableConsumers, JetStreamService, MESSAGING_OPTIONS, NatsClient, UPLINK_AGGREGATE, type MessagingOptions } from '@gm/messaging';
import { SERVICE_CONFIG } from '@gm/platform';
import { JsonLogger } from '@gm/telemetry';
import type { AppConfig } from '../config/config';
import { factsOf } from './remit';

export const DEPT_UPLINK_DURABLE = durableName('service-office', 'dept-uplink');
/** Where forwarded events travel in UPLINK: `gm.<tier>.uplink.dept.<type without "gm.">`, apart from what other services send up. */
const UPLINK_PREFIX = 'gm.uplink.dept.';

/**
 * Departments across tiers (ADR 0015). Departments are mostly district bodies while cases live at
 * the tier that owns them, so every tier's service-office passes up the case and work-order events
 * it has (its own and those that came from below) through the federation's UPLINK, which the parent
 * sources: at the district, a department hears its remit from every tier below, through the same
 * routing, webhooks and NATS feeds as its own tier's. The event is passed on unchanged (its id is
 * the message id: JetStream and the event log drop a repeat); a cut link only delays.
 */
@Injectable()
export class DepartmentUplink implements OnApplicationBootstrap {
  readonly enabled: boolean;
  private readonly parent: string | null;
  private readonly hasChildren: boolean;
  private receiver: ((events: readonly CloudEvent[]) => Promise<void>) | undefined;

  constructor(
    private readonly nats: NatsClient,
    private readonly jetstream: JetStreamService,
    private readonly consumers: DurableConsumers,
    private readonly logger: JsonLogger,
    @Inject(MESSAGING_OPTIONS) private readonly opts: MessagingOptions,
    @Inject(SERVICE_CONFIG) private readonly config: AppConfig,
  ) {
    this.enabled = config.own.FEDERATION_ENABLED;
    const code = OrgUnitCode.parse(config.tier);
    this.parent = this.enabled ? (code.parent?.value ?? null) : null;
    this.hasChildren = this.enabled && code.level !== 'grid';
    if (this.enabled && config.namespace !== config.tier) {
      throw new Error(`FEDERATION_ENABLED needs the subject namespace to be the tier code (${config.tier}); NATS_NAMESPACE is ${config.namespace}`);
    }
  }

  /** What handles the events that come from the children (the fan-out: log, route, feed, pass on). */
  receiveWith(handler: (events: readonly CloudEvent[]) => Promise<void>): void {
    this.receiver = handler;
  }

  onApplicationBootstrap(): void {
    if (!this.hasChildren) return;
    this.consumers.start({
      provisionedStream: UPLINK_AGGREGATE,
      subjectFilter: uplinkEventFromAnyChild('gm.uplink.dept.>'),
      durable: DEPT_UPLINK_DURABLE,
      handle: (event) => this.fromChildren([event]),
      handleBatch: (items) => this.fromChildren(items.map((i) => i.event)),
      maxBatch: 128,
    });
  }

  /** Passes events up to the parent (nothing at the top or when the tier runs alone). */
  async forward(events: readonly CloudEvent[]): Promise<void> {
    if (!this.parent || events.length === 0) return;
    const js = this.jetstream.client(await this.nats.connection());
    await Promise.all(events.map((e) => js.publish(scopedSubject(this.opts.namespace, `${UPLINK_PREFIX}${e.type.slice('gm.'.length)}`), JSON.stringify(e), { msgID: e.id })));
  }

  /** A child speaks for its own subtree only: an event from elsewhere is dropped (and said). */
  private async fromChildren(events: readonly CloudEvent[]): Promise<void> {
    const inside = events.filter((e) => {
      const grid = factsOf(e).gridCode;
      const ok = e.gmtier !== this.config.tier && isWithinScope(this.config.tier, e.gmtier) && (grid === undefined || isWithinScope(e.gmtier, grid));
      if (!ok) this.logger.event('warn', 'department-uplink.outside_subtree', { eventId: e.id, tier: e.gmtier, gridCode: grid ?? null }, 'DepartmentUplink');
      return ok;
    });
    if (inside.length > 0 && this.receiver) await this.receiver(inside);
  }
}
