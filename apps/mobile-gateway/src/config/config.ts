import { z } from 'zod';
import { serviceConfigSchema } from '@gm/platform/config';

export const configSchema = serviceConfigSchema('mobile-gateway', { port: 3006, schema: 'mobile_gateway' }, {
  /** How long a handheld waits for public-sentiment before the report is queued here instead. */
  REPORT_RPC_TIMEOUT_MS: z.coerce.number().int().min(100).max(30_000).default(3000),
  /** How often queued reports are retried (also retried at once when NATS reconnects). */
  REPORT_FORWARD_INTERVAL_MS: z.coerce.number().int().min(100).max(600_000).default(2000),
});
export type AppConfig = z.infer<typeof configSchema>;
