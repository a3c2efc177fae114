import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { CloudEvent as SdkCloudEvent, HTTP } from 'cloudevents';
import { Webhook } from 'standardwebhooks';
import type { CloudEvent } from '@gm/contracts';
import { SERVICE_CONFIG } from '@gm/platform';
import { JsonLogger } from '@gm/telemetry';
import type { AppConfig } from '../config/config';
import { retryDelayMs } from './remit';
import { SubscriptionRepository, type ClaimedDelivery } from './subscription.repository';
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
  private readonly inflight = new Set<Promise<void>>();
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
    await Promise.allSettled([...this.inflight]);
    this.sender.close();
  }

  /** Look for due deliveries now (new events, a re-enabled subscription, a re-delivery). */
  wake(): void {
    this.woken = true;
    this.wakeUp?.();
  }

  private async run(): Promise<void> {
    const own = this.config.own;
    while (!this.stopped) {
      const free = own.WEBHOOK_CONCURRENCY - this.inflight.size;
      let claimed: ClaimedDelivery[] = [];
      this.woken = false;
      if (free > 0) {
        try {
          claimed = await this.repo.claimDue(free, own.WEBHOOK_TIMEOUT_MS + 30_000);
          await this.prune();
        } catch (err) {
          this.logger.event('warn', 'webhook.claim_failed', { error: (err as Error).message }, 'WebhookDeliverer');
        }
      }
      for (const c of claimed) {
        const p: Promise<void> = this.deliver(c)
          .catch((err: unknown) => this.logger.event('error', 'webhook.record_failed', { deliveryId: c.id, error: (err as Error).message }, 'WebhookDeliverer'))
          .finally(() => {
            this.inflight.delete(p);
            this.wake();
          });
        this.inflight.add(p);
      }
      if (claimed.length > 0 && claimed.length < free) continue;
      if (!this.woken) await this.sleep(own.WEBHOOK_POLL_MS);
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
    const outcome = ok
      ? ({ kind: 'delivered' } as const)
      : gone
        ? ({ kind: 'held' } as const)
        : Date.now() - first >= own.WEBHOOK_RETRY_HORIZON_MS
          ? ({ kind: 'dead' } as const)
          : ({ kind: 'retry', at: new Date(Date.now() + retryDelayMs(c.attempts + 1, own.WEBHOOK_RETRY_BASE_MS, own.WEBHOOK_RETRY_MAX_MS)) } as const);
    if (gone) await this.repo.disable(c.subscriptionId, 'gone');
    await this.repo.recordAttempt(c.id, { statusCode: result.statusCode, latencyMs: result.latencyMs, error: result.error }, outcome);
    const fields = { subscriptionId: c.subscriptionId, deliveryId: c.id, eventId: c.envelope.id, type: c.envelope.type, status: result.statusCode, latencyMs: result.latencyMs, attempt: c.attempts + 1 };
    if (ok) this.logger.event('debug', 'webhook.delivered', fields, 'WebhookDeliverer');
    else if (gone) this.logger.event('warn', 'webhook.gone', fields, 'WebhookDeliverer');
    else this.logger.event(outcome.kind === 'dead' ? 'warn' : 'info', outcome.kind === 'dead' ? 'webhook.dead_lettered' : 'webhook.retry', { ...fields, error: result.error }, 'WebhookDeliverer');
  }

  /** Once an hour: events older than CASE_EVENT_LOG_DAYS leave the log, their deliveries with them. */
  private async prune(): Promise<void> {
    if (Date.now() - this.lastPrune < 3_600_000) return;
    this.lastPrune = Date.now();
    const removed = await this.repo.pruneLog(new Date(Date.now() - this.config.own.CASE_EVENT_LOG_DAYS * 86_400_000));
    if (removed > 0) this.logger.event('info', 'webhook.log_pruned', { events: removed }, 'WebhookDeliverer');
  }
}
