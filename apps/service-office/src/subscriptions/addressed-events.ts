import { Injectable } from '@nestjs/common';
import type pg from 'pg';
import type { CloudEvent } from '@gm/contracts';
import { JsonLogger } from '@gm/telemetry';
import { DepartmentFeeds } from './department-feeds';
import { DepartmentUplink } from './department-uplink';
import { factsOf, matchesFilters } from './remit';
import { SubscriptionRepository, type EnqueueRow } from './subscription.repository';
import { WebhookDeliverer } from './webhook-deliverer';

/**
 * Events service-office raises itself and addresses to one department (work orders): logged and
 * queued for the department's webhook subscriptions in the transaction that made the change (the
 * log is the outbox: a step and its deliveries commit together), then published into the
 * department's NATS feed after the commit.
 */
@Injectable()
export class AddressedEvents {
  constructor(
    private readonly repo: SubscriptionRepository,
    private readonly deliverer: WebhookDeliverer,
    private readonly feeds: DepartmentFeeds,
    private readonly uplink: DepartmentUplink,
    private readonly logger: JsonLogger,
  ) {}

  /** In the caller's transaction: logs the events and queues a delivery for every subscription of their department that takes them. */
  async record(db: Pick<pg.PoolClient, 'query'>, events: readonly CloudEvent[]): Promise<number> {
    const all = events.map((envelope) => ({ facts: factsOf(envelope), envelope }));
    const seqs = await this.repo.logEvents(db, all);
    const subs = await this.repo.activeSubscriptions(db);
    const rows: EnqueueRow[] = [];
    for (const { facts } of all) {
      const seq = seqs.get(facts.id);
      if (seq === undefined) continue;
      for (const sub of subs) {
        if (sub.department === facts.addressedTo && matchesFilters(sub, facts)) rows.push({ subscriptionId: sub.id, seq, eventId: facts.id, caseKey: facts.caseKey, replay: false });
      }
    }
    return this.repo.enqueue(db, rows);
  }

  /** After the commit: wakes the sender, publishes into the departments' own streams and passes up to the parent (a failure there is logged; webhooks are not affected). */
  async committed(events: readonly CloudEvent[], queued: number): Promise<void> {
    if (queued > 0) this.deliverer.wake();
    const items = events.flatMap((event) => {
      const department = factsOf(event).addressedTo;
      return department ? [{ department, event }] : [];
    });
    await this.feeds.publish(items).catch((err: unknown) =>
      this.logger.event('warn', 'department-feed.publish-failed', { events: items.length, error: err instanceof Error ? err.message : String(err) }, 'AddressedEvents'),
    );
    await this.uplink.forward(events).catch((err: unknown) =>
      this.logger.event('warn', 'department-uplink.publish-failed', { events: events.length, error: err instanceof Error ? err.message : String(err) }, 'AddressedEvents'),
    );
  }
}
