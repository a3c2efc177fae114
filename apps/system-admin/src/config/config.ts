import type { z } from 'zod';
import { serviceConfigSchema } from '@gm/platform/config';

export const configSchema = serviceConfigSchema('system-admin', { port: 3002, schema: 'system_admin' });
export type AppConfig = z.infer<typeof configSchema>;
