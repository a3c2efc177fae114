import { z } from 'zod';
import { serviceConfigSchema } from '@gm/platform/config';
import { open311ApiKeysSchema } from '../open311/open311-api-keys';

export const configSchema = serviceConfigSchema('public-sentiment', { port: 3003, schema: 'public_sentiment' }, {
  /** Time zone of case numbers and working-time rules. */
  CASE_TIME_ZONE: z.string().min(1).default('Asia/Shanghai'),
  /** How often the case rules are reloaded from system-admin (ms; they are also reloaded when it announces a change). */
  CASE_RULES_REFRESH_MS: z.coerce.number().int().min(1000).default(60_000),
  /** How often the deadline scheduler looks for overdue cases (ms); 0 turns it off in this instance. */
  CASE_DEADLINE_SCAN_MS: z.coerce.number().int().min(0).default(15_000),
  /** Open311 clients that may create service requests: comma-separated `name:key` pairs; empty turns creating off. */
  OPEN311_API_KEYS: open311ApiKeysSchema,
});
export type AppConfig = z.infer<typeof configSchema>;
