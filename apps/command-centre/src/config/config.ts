import { z } from 'zod';
import { serviceConfigSchema } from '@gm/platform/config';

export const configSchema = serviceConfigSchema('command-centre', { port: 3005, schema: 'command_centre' }, {
  /** Comment lines sent on idle live streams so that proxies keep them open. */
  LIVE_HEARTBEAT_MS: z.coerce.number().int().min(1000).max(120_000).default(15_000),
  /** At most this many missed events are replayed to a client reconnecting with Last-Event-ID. */
  LIVE_REPLAY_LIMIT: z.coerce.number().int().min(0).max(10_000).default(500),
});
export type AppConfig = z.infer<typeof configSchema>;
