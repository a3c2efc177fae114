import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { CloudEvent as SdkCloudEvent, HTTP } from 'cloudevents';
import { Webhook } from 'standardwebhooks';
import type { CloudEvent } from '@gm/contracts';
import { SERVICE_CONFIG } from '@gm/platform';
import { JsonLogger } from '@gm/telemetry';
import type { AppConfig } from '../config/config';
import { retryDelayMs } from './remit';
import { SubscriptionRepository, type AttemptResult, type ClaimedDelivery } from './subscription.repository';
import { WebhookSender, type SendResult } from './webhook-sender';
import { WebhookTargets } from './webhook-target';

/** A webhook request as sent: CloudEvents 1.0 structured JSON, signed per Standard Webhooks. */
export interface WebhookRequest {
  readonly headers: Record<string, string>;
  readonly body: string;
}

/**
 * The body and headers of one delivery: the event in CloudEvents' structured JSON mode (the SDK's
 * HTTP binding), `webhook-id` = the event id (receivers de-duplicate by it), `webhook-timestamp`,
 * and a `webhook-signature` per secret valid now (two during a rotation's overlap).
 */
export function webhookRequest(envelope: CloudEvent, secrets: readonly string[], now: Date): WebhookRequest {
  const message = HTTP.structured(new SdkCloudEvent(envelope as unknown as Record<string, unknown>, false));
  const body = typeof message.body === 'string' ? message.body : JSON.stringify(message.body);
  const signature = secrets.map((s) => new Webhook(s).sign(envelope.id, now, body)).join(' ');
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(message.headers)) headers[k.toLowerCase()] = String(v);
  return {
    headers: { ...headers, 'webhook-id': envelope.id, 'webhook-timestamp': String(Math.floor(now.getTime() / 1000)), 'webhook-signature': signature },
    body,
  };
}

/**
 * Sends the waiting deliveries (ADR 0014): at least once, in order per case and subscription (a
 * case's next event waits until the one before it is delivered or dead-lettered), retried with
 * exponential back-off and jitter for WEBHOOK_RETRY_HORIZON_MS (26 h by default), then dead-lettered
 * for re-delivery by hand. An answer of 410 Gone disables the subscription (its waiting deliveries
 * stay, sent again once it is re-enabled). Leases in the database let several instances share the work.
 */
@Injectable()
export class WebhookDeliverer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly sender: WebhookSender;
  /** Claimed (leased) and waiting for a free slot. */
  private readonly queue: ClaimedDelivery[] = [];
  private active = 0;
  /** Attempts made and not yet recorded; recorded together, many per statement. */
  private results: AttemptResult[] = [];
  private flushing: Promise<void> | undefined;
  private flushTimer: NodeJS.Timeout | undefined;
  private readonly idle = new Set<() => void>();
  private stopped = false;
  private loop: Promise<void> | undefined;
  private wakeUp: (() => void) | undefined;
  private woken = false;
  private lastPrune = 0;

  constructor(
    private readonly repo: SubscriptionRepository,
    private readonly logger: JsonLogger,
    @Inject(SERVICE_CONFIG) private readonly config: AppConfig,
  ) {
    this.sender = new WebhookSender(new WebhookTargets(config.own.WEBHOOK_ALLOW_HOSTS), config.own.WEBHOOK_TIMEOUT_MS, `gm-service-office/${config.version} (${config.tier})`);
  }

  onApplicationBootstrap(): void {
    this.loop = this.run();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    this.wake();
    await this.loop;
    // What was claimed and not sent goes back at once (another instance may take it); what is in flight finishes and is recorded.
    const unsent = this.queue.splice(0).map((c) => c.id);
    while (this.active > 0) await new Promise<void>((r) => this.idle.add(r));
    await this.flush();
    await this.repo.release(unsent).catch(() => undefined);
    this.sender.close();
  }

  /** Look for due deliveries now (new events, a re-enabled subscription, a re-delivery). */
  wake(): void {
    this.woken = true;
    this.wakeUp?.();
  }

  /**
   * Claims due deliveries in batches (several times the number of slots, so that one claim query
   * feeds many sends) while fewer than a slot's worth wait, and keeps up to WEBHOOK_CONCURRENCY in flight.
   */
  private async run(): Promise<void> {
    const own = this.config.own;
    const batch = Math.max(own.WEBHOOK_CONCURRENCY * 4, 64);
    const lease = own.WEBHOOK_TIMEOUT_MS * 5 + 30_000;
    while (!this.stopped) {
      this.woken = false;
      let claimed = 0;
      if (this.queue.length < own.WEBHOOK_CONCURRENCY) {
        try {
          const got = await this.repo.claimDue(batch - this.queue.length, lease);
          claimed = got.length;
          this.queue.push(...got);
          this.pump();
          await this.prune();
        } catch (err) {
          this.logger.event('warn', 'webhook.claim_failed', { error: (err as Error).message }, 'WebhookDeliverer');
        }
      }
      if (claimed > 0 && this.queue.length < own.WEBHOOK_CONCURRENCY) continue;
      if (!this.woken) await this.sleep(own.WEBHOOK_POLL_MS);
    }
  }

  private pump(): void {
    while (!this.stopped && this.active < this.config.own.WEBHOOK_CONCURRENCY && this.queue.length > 0) {
      const c = this.queue.shift()!;
      this.active++;
      void this.deliver(c)
        .catch((err: unknown) => this.logger.event('error', 'webhook.send_failed', { deliveryId: c.id, error: (err as Error).message }, 'WebhookDeliverer'))
        .finally(() => {
          this.active--;
          if (this.active === 0) {
            for (const r of this.idle) r();
            this.idle.clear();
          }
          this.pump();
          if (this.queue.length < this.config.own.WEBHOOK_CONCURRENCY) this.wake();
        });
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wakeUp = done;
    });
  }

  private async deliver(c: ClaimedDelivery): Promise<void> {
    const now = new Date();
    const secrets = c.secrets.filter((s) => s.expiresAt === null || Date.parse(s.expiresAt) > now.getTime()).map((s) => s.secret);
    let result: SendResult;
    try {
      const req = webhookRequest(c.envelope, secrets, now);
      result = await this.sender.post(c.url, req.headers, req.body);
    } catch (err) {
      result = { statusCode: null, latencyMs: 0, error: `not sent: ${(err as Error).message.slice(0, 200)}` };
    }
    const own = this.config.own;
    const ok = result.statusCode !== null && result.statusCode >= 200 && result.statusCode < 300;
    const gone = result.statusCode === 410;
    const first = c.firstAttemptAt ? new Date(c.firstAttemptAt).getTime() : now.getTime();
    const outcome: AttemptResult['outcome'] = ok ? 'delivered' : gone ? 'held' : Date.now() - first >= own.WEBHOOK_RETRY_HORIZON_MS ? 'dead' : 'retry';
    const retryAt = outcome === 'retry' ? new Date(Date.now() + retryDelayMs(c.attempts + 1, own.WEBHOOK_RETRY_BASE_MS, own.WEBHOOK_RETRY_MAX_MS)) : undefined;
    if (gone) await this.repo.disable(c.subscriptionId, 'gone');
    this.record({ id: c.id, at: now, statusCode: result.statusCode, latencyMs: result.latencyMs, error: result.error, outcome, retryAt });
    const fields = { subscriptionId: c.subscriptionId, deliveryId: c.id, eventId: c.envelope.id, type: c.envelope.type, status: result.statusCode, latencyMs: result.latencyMs, attempt: c.attempts + 1 };
    if (ok) this.logger.event('debug', 'webhook.delivered', fields, 'WebhookDeliverer');
    else if (gone) this.logger.event('warn', 'webhook.gone', fields, 'WebhookDeliverer');
    else this.logger.event(outcome === 'dead' ? 'warn' : 'info', outcome === 'dead' ? 'webhook.dead_lettered' : 'webhook.retry', { ...fields, error: result.error }, 'WebhookDeliverer');
  }

  /** Queues a result; they are recorded within a few milliseconds, many per statement. */
  private record(r: AttemptResult): void {
    this.results.push(r);
    if (this.results.length >= 256) void this.flush();
    else this.flushTimer ??= setTimeout(() => void this.flush(), 10);
  }

  /** Records what was attempted, one flush at a time; a case's next delivery is claimable once its previous one is recorded. */
  private async flush(): Promise<void> {
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    while (this.flushing) await this.flushing;
    if (this.results.length === 0) return;
    const batch = this.results;
    this.results = [];
    this.flushing = (async () => {
      for (let attempt = 1; ; attempt++) {
        try {
          await this.repo.recordAttempts(batch);
          return;
        } catch (err) {
          // Unrecorded, the deliveries stay leased and are sent again when the lease ends (at least once); keep trying a while first.
          this.logger.event('warn', 'webhook.record_failed', { deliveries: batch.length, attempt, error: (err as Error).message }, 'WebhookDeliverer');
          if (attempt >= 5) return;
          await new Promise((r) => setTimeout(r, 200 * attempt));
        }
      }
    })();
    try {
      await this.flushing;
    } finally {
      this.flushing = undefined;
    }
    this.wake();
  }

  /** Once an hour: events older than CASE_EVENT_LOG_DAYS leave the log, their deliveries with them. */
  private async prune(): Promise<void> {
    if (Date.now() - this.lastPrune < 3_600_000) return;
    this.lastPrune = Date.now();
    const removed = await this.repo.pruneLog(new Date(Date.now() - this.config.own.CASE_EVENT_LOG_DAYS * 86_400_000));
    if (removed > 0) this.logger.event('info', 'webhook.log_pruned', { events: removed }, 'WebhookDeliverer');
  }
}
