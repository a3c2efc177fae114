import { z } from 'zod';
import { webhookSecretSchema } from '@gm/contracts';
import { envBool, serviceConfigSchema } from '@gm/platform/config';

const HOUR = 3_600_000;

export const configSchema = serviceConfigSchema('service-office', { port: 3004, schema: 'service_office' }, {
  /**
   * This tier is part of a federation (ADR 0015): its case and work-order events go up to the
   * parent's service-office through UPLINK, and, above the grids, its children's come in
   * (UPLINK_AGG), so that a department connected at the district hears its remit from every tier below.
   */
  FEDERATION_ENABLED: envBool.default(false),
  /**
   * Hosts (`host` or `host:port`, comma-separated) that may receive webhooks over plain http or on a
   * private or loopback address: a department's system on the district's own network, the local
   * default's and the tests' receivers. Everything else must be https on a public address.
   */
  WEBHOOK_ALLOW_HOSTS: z
    .string()
    .transform((v) => v.split(',').map((s) => s.trim()).filter(Boolean))
    .pipe(z.array(z.string().regex(/^[A-Za-z0-9.\-:[\]]+$/, 'WEBHOOK_ALLOW_HOSTS: host names or host:port, comma-separated')))
    .default([]),
  /** How long a delivery waits for the receiver's answer. */
  WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(10_000),
  /** The first retry's wait; each next one doubles, up to WEBHOOK_RETRY_MAX_MS, with jitter. */
  WEBHOOK_RETRY_BASE_MS: z.coerce.number().int().min(10).max(HOUR).default(5000),
  WEBHOOK_RETRY_MAX_MS: z.coerce.number().int().min(10).max(24 * HOUR).default(HOUR),
  /** How long a delivery is retried before it is dead-lettered (at least a day in a deployment; the default is 26 h). */
  WEBHOOK_RETRY_HORIZON_MS: z.coerce.number().int().min(100).max(30 * 24 * HOUR).default(26 * HOUR),
  /** Deliveries in flight at once. */
  WEBHOOK_CONCURRENCY: z.coerce.number().int().min(1).max(1000).default(32),
  /** How often the sender looks for deliveries that fell due (it is also woken at once by new events). */
  WEBHOOK_POLL_MS: z.coerce.number().int().min(10).max(60_000).default(1000),
  /** Case events are kept this long for replays (and their deliveries with them). */
  CASE_EVENT_LOG_DAYS: z.coerce.number().int().min(1).max(3650).default(30),
  /** How soon a whistled department must answer a work order (响应时限), unless the whistle says otherwise. */
  WORK_ORDER_RESPOND_MINUTES: z.coerce.number().int().min(5).max(7 * 24 * 60).default(120),
  /** A check-in farther than this from the work order's place is recorded as off site. */
  WORK_ORDER_ARRIVAL_RADIUS_M: z.coerce.number().int().min(10).max(50_000).default(500),
  /** How often overdue work orders and service requests are looked for and urged (督办). */
  URGE_POLL_MS: z.coerce.number().int().min(50).max(3_600_000).default(60_000),
  /**
   * The tier's SMS or WeChat gateway: reporters' notifications are delivered there as signed
   * CloudEvents (the webhook machinery: retried, logged). Unset: reporters are told in the app only.
   */
  NOTIFY_GATEWAY_URL: z.url('NOTIFY_GATEWAY_URL: an absolute URL').optional(),
  /** Its signing secret (Standard Webhooks, whsec_…); required with NOTIFY_GATEWAY_URL. */
  NOTIFY_GATEWAY_SECRET: webhookSecretSchema.optional(),
  NOTIFY_GATEWAY_CHANNEL: z.enum(['sms', 'wechat']).default('sms'),
});
export type AppConfig = z.infer<typeof configSchema>;
