import type { z } from 'zod';
import { serviceConfigSchema } from '@gm/platform/config';

export const configSchema = serviceConfigSchema('service-office', { port: 3004, schema: 'service_office' });
export type AppConfig = z.infer<typeof configSchema>;
