import { Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { type CloudEvent, durableName, eventsOf, Streams } from '@gm/contracts';
import { DurableConsumers } from '@gm/messaging';
import { JsonLogger } from '@gm/telemetry';
import { DepartmentFeeds } from './department-feeds';
import { DepartmentUplink } from './department-uplink';
import { factsOf, inRemit, matches } from './remit';
import { SubscriptionRepository, type EnqueueRow } from './subscription.repository';
import { SubscriptionService } from './subscription.service';
import { WebhookDeliverer } from './webhook-deliverer';

export const FAN_OUT_DURABLE = durableName('service-office', 'departments');

/**
 * Hears the tier's case events and, in one transaction per run of them, logs each (once: the log's
 * unique event id is the inbox), keeps which department each case is dispatched to, and queues a
 * delivery for every active subscription that takes it. The sender is woken after the commit.
 */
@Injectable()
export class CaseEventFanOut implements OnApplicationBootstrap {
  private readonly listeners: ((events: readonly CloudEvent[]) => Promise<void>)[] = [];

  constructor(
    private readonly consumers: DurableConsumers,
    private readonly repo: SubscriptionRepository,
    private readonly subscriptions: SubscriptionService,
    private readonly deliverer: WebhookDeliverer,
    private readonly feeds: DepartmentFeeds,
    private readonly uplink: DepartmentUplink,
    private readonly logger: JsonLogger,
  ) {}

  onApplicationBootstrap(): void {
    // What the children pass up goes the same way as this tier's own events.
    this.uplink.receiveWith((events) => this.apply(events));
    this.consumers.start({
      stream: Streams.caseEvents,
      durable: FAN_OUT_DURABLE,
      filterSubject: eventsOf('case'),
      handle: (event) => this.apply([event]),
      handleBatch: (items) => this.apply(items.map((i) => i.event)),
      maxBatch: 128,
    });
  }

  /** Hears every run of events after it is logged and routed (the outcomes of departments' commands settle there). */
  onApplied(listener: (events: readonly CloudEvent[]) => Promise<void>): void {
    this.listeners.push(listener);
  }

  /**
   * Logs and routes a run of events (this tier's, or its children's through the uplink). The
   * departments' NATS feeds and the parent get every event of the run after the commit, new or
   * redelivered (their streams drop what they hold already), so that a run whose publishing failed
   * is published when it comes again.
   */
  async apply(events: readonly CloudEvent[]): Promise<void> {
    const remits = await this.subscriptions.remits();
    const feed: { department: string; event: CloudEvent }[] = [];
    const queued = await this.repo.transaction(async (db) => {
      const all = events.map((envelope) => ({ facts: factsOf(envelope), envelope }));
      const seqs = await this.repo.logEvents(db, all);
      const current = await this.repo.caseDepartments(db, all.map((e) => e.facts.caseKey));
      const subs = await this.repo.activeSubscriptions(db);
      const rows: EnqueueRow[] = [];
      for (const { facts, envelope } of all) {
        const fresh = seqs.has(facts.id);
        if (facts.dispatchedTo !== undefined) {
          if (fresh) await this.repo.setCaseDepartment(db, facts.caseKey, facts.dispatchedTo, facts.occurredAt);
          if (facts.dispatchedTo === null) current.delete(facts.caseKey);
          else current.set(facts.caseKey, facts.dispatchedTo);
        }
        const now = current.get(facts.caseKey);
        for (const remit of remits.values()) if (inRemit(remit, facts, now)) feed.push({ department: remit.code, event: envelope });
        if (!fresh) continue;
        for (const sub of subs) {
          const remit = remits.get(sub.department);
          if (remit && matches(sub, remit, facts, now)) rows.push({ subscriptionId: sub.id, seq: seqs.get(facts.id)!, eventId: facts.id, caseKey: facts.caseKey, replay: false });
        }
      }
      return this.repo.enqueue(db, rows);
    });
    if (queued > 0) {
      this.logger.event('debug', 'webhook.queued', { events: events.length, deliveries: queued }, 'CaseEventFanOut');
      this.deliverer.wake();
    }
    await this.feeds.publish(feed);
    await this.uplink.forward(events);
    for (const listener of this.listeners) await listener(events);
  }
}
