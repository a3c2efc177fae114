import type { z } from 'zod';
import { serviceConfigSchema } from '@gm/platform/config';

export const configSchema = serviceConfigSchema('base-data', { port: 3001, schema: 'base_data' });
export type AppConfig = z.infer<typeof configSchema>;
