import type { z } from 'zod';
import { serviceConfigSchema } from '@gm/platform/config';

export const configSchema = serviceConfigSchema('gis', { port: 3007, schema: 'gis' });
export type AppConfig = z.infer<typeof configSchema>;
