import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleInit } from '@nestjs/common';
import { createCloudEvent, durableName, eventsOf, isCaseStep, isEventOf, notificationCaseStatusV1, Streams, type CloudEvent } from '@gm/contracts';
import { DurableConsumers } from '@gm/messaging';
import { SERVICE_CONFIG } from '@gm/platform';
import { JsonLogger } from '@gm/telemetry';
import type { AppConfig } from '../config/config';
import { factsOf } from '../subscriptions/remit';
import { SubscriptionRepository, type EnqueueRow } from '../subscriptions/subscription.repository';
import { WebhookDeliverer } from '../subscriptions/webhook-deliverer';
import { WebhookTargets } from '../subscriptions/webhook-target';
import { InboxRepository, type NewMessage } from './inbox.repository';
import { render, templateFor } from './templates';

export const NOTIFY_DURABLE = durableName('service-office', 'notifications');
/** The notification gateway's subscription: one per tier, kept as configured. */
export const GATEWAY_SUBSCRIPTION_ID = '00000000-0000-4000-8000-0000000a7e1a';
export const GATEWAY_DEPARTMENT = '_gateway';

/**
 * Tells reporters what happened to their cases (issue 16 §7), through channels behind one interface:
 * the in-app inbox always, and the tier's SMS/WeChat gateway when configured (a signed CloudEvent per
 * message through the webhook machinery: retried, dead-lettered, logged). Only cases reported at this
 * tier are told here: an escalated copy's reporter hears from the tier where they reported, which
 * mirrors the steps taken above. A message is made once per event and reporter, so a redelivered
 * event tells nobody twice.
 */
@Injectable()
export class ReporterNotifier implements OnModuleInit, OnApplicationBootstrap {
  private gateway = false;

  constructor(
    private readonly consumers: DurableConsumers,
    private readonly inbox: InboxRepository,
    private readonly log: SubscriptionRepository,
    private readonly deliverer: WebhookDeliverer,
    private readonly logger: JsonLogger,
    @Inject(SERVICE_CONFIG) private readonly config: AppConfig,
  ) {}

  async onModuleInit(): Promise<void> {
    const { NOTIFY_GATEWAY_URL: url, NOTIFY_GATEWAY_SECRET: secret, WEBHOOK_ALLOW_HOSTS } = this.config.own;
    if (!url) return;
    if (!secret) throw new Error('NOTIFY_GATEWAY_SECRET (whsec_…) is required when NOTIFY_GATEWAY_URL is set');
    const problem = await new WebhookTargets(WEBHOOK_ALLOW_HOSTS).problem(url);
    if (problem) throw new Error(`NOTIFY_GATEWAY_URL: ${problem}`);
    await this.log.upsertSystem({
      id: GATEWAY_SUBSCRIPTION_ID,
      department: GATEWAY_DEPARTMENT,
      url,
      description: `${this.config.own.NOTIFY_GATEWAY_CHANNEL} gateway`,
      secrets: [{ secret, createdAt: new Date().toISOString(), expiresAt: null }],
    });
    this.gateway = true;
  }

  onApplicationBootstrap(): void {
    this.consumers.start({
      stream: Streams.caseEvents,
      durable: NOTIFY_DURABLE,
      filterSubject: eventsOf('case'),
      handle: (event) => this.apply([event]),
      handleBatch: (items) => this.apply(items.map((i) => i.event)),
      maxBatch: 128,
    });
  }

  async apply(events: readonly CloudEvent[]): Promise<void> {
    const queued = await this.inbox.transaction(async (db) => {
      const reported = events.filter((e) => isEventOf('caseReported', e)).filter((e) => e.data.receivedFrom === undefined);
      await this.inbox.markReportedHere(db, reported.map((e) => ({ caseKey: e.data.caseId, at: e.time })));
      const here = await this.inbox.reportedHere(db, events.map((e) => factsOf(e).caseKey));
      const messages: NewMessage[] = [];
      const context = new Map<string, { caseId: string; caseNo: string; action: string; state: string; template: string; at: string }>();
      for (const event of events) {
        const told = whatToTell(event);
        if (!told || !here.has(told.caseId)) continue;
        const template = templateFor(told.action);
        if (!template) continue;
        const text = render(template, { no: told.caseNo, note: told.note });
        context.set(event.id, { caseId: told.caseId, caseNo: told.caseNo, action: told.action, state: told.state, template: template.code, at: event.time });
        for (const recipient of new Set(told.reporters)) {
          messages.push({ recipient, kind: 'case-status', sourceId: event.id, title: text.title, body: text.body, ref: { type: 'case', id: told.caseId, no: told.caseNo } });
        }
      }
      const fresh = await this.inbox.add(db, messages);
      if (!this.gateway || fresh.length === 0) return 0;
      const channel = this.config.own.NOTIFY_GATEWAY_CHANNEL;
      const envelopes = fresh.map((m) => {
        const c = context.get(m.sourceId)!;
        return createCloudEvent(
          notificationCaseStatusV1,
          { recipient: m.recipient, channel, caseId: c.caseId, caseNo: c.caseNo, action: c.action, state: c.state, template: c.template, text: m.body, at: c.at },
          { source: `${this.config.tier}/service-office`, tier: this.config.tier, subject: c.caseId },
        );
      });
      const seqs = await this.log.logEvents(db, envelopes.map((envelope) => ({ facts: factsOf(envelope), envelope })));
      const rows: EnqueueRow[] = envelopes.map((e) => ({ subscriptionId: GATEWAY_SUBSCRIPTION_ID, seq: seqs.get(e.id)!, eventId: e.id, caseKey: (e.data as { caseId: string }).caseId, replay: false }));
      return this.log.enqueue(db, rows);
    });
    if (queued > 0) {
      this.logger.event('debug', 'notification.queued', { deliveries: queued }, 'ReporterNotifier');
      this.deliverer.wake();
    }
  }
}

/** Whom a case event tells, and of what: the reporter of a new case, the reporters of a step. */
function whatToTell(event: CloudEvent): { caseId: string; caseNo: string; action: string; state: string; note?: string | undefined; reporters: string[] } | undefined {
  if (isEventOf('caseReported', event)) {
    const d = event.data;
    return { caseId: d.caseId, caseNo: d.caseNo, action: 'reported', state: d.state, reporters: [d.reporter.subject] };
  }
  if (!isCaseStep(event)) return undefined;
  const d = event.data;
  return { caseId: d.caseId, caseNo: d.caseNo, action: d.action, state: d.to, note: d.note, reporters: d.reporters };
}
