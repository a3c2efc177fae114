import { z } from 'zod';
import { serviceConfigSchema } from '@gm/platform/config';

export const configSchema = serviceConfigSchema('public-sentiment', { port: 3003, schema: 'public_sentiment' }, {
  /** Time zone of case numbers and working-time rules. */
  CASE_TIME_ZONE: z.string().min(1).default('Asia/Shanghai'),
  /** How long after closing a reporter may reopen a case (minutes; default 7 days). */
  CASE_REOPEN_WINDOW_MINUTES: z.coerce.number().int().min(0).default(7 * 24 * 60),
  /** Open cases of the same category within this many metres … */
  CASE_DUPLICATE_RADIUS_M: z.coerce.number().min(0).max(5000).default(50),
  /** … and reported within this many hours are suggested as duplicates. */
  CASE_DUPLICATE_WINDOW_HOURS: z.coerce.number().min(0).max(24 * 365).default(72),
  /** How often the deadline scheduler looks for overdue cases (ms); 0 turns it off in this instance. */
  CASE_DEADLINE_SCAN_MS: z.coerce.number().int().min(0).default(15_000),
});
export type AppConfig = z.infer<typeof configSchema>;
