import { z } from 'zod';
import { serviceConfigSchema } from '@gm/platform/config';

export const configSchema = serviceConfigSchema('public-sentiment', { port: 3003, schema: 'public_sentiment' }, {
  /** Time zone of case numbers and working-time rules. */
  CASE_TIME_ZONE: z.string().min(1).default('Asia/Shanghai'),
});
export type AppConfig = z.infer<typeof configSchema>;
