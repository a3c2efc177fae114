import { z } from 'zod';
import { parameterSnapshotSchema } from '../parameters/parameters';

/**
 * What system-admin answers about its run-time parameters (HTTP). The value stays untyped here:
 * its shape depends on the key (PARAMETERS), and readers check it against that.
 */
export const parameterViewSchema = parameterSnapshotSchema.strict().meta({ id: 'Parameter' });
export type ParameterView = z.infer<typeof parameterViewSchema>;

export const parameterListSchema = z.object({ items: z.array(parameterViewSchema.extend({ description: z.string() }).strict()) }).strict();
export type ParameterList = z.infer<typeof parameterListSchema>;

export const parameterHistorySchema = z
  .object({
    items: z.array(z.object({ version: z.number().int().min(1), changedAt: z.iso.datetime({ offset: true }), changedBy: z.string(), changedRole: z.string() }).strict()),
  })
  .strict();
export type ParameterHistory = z.infer<typeof parameterHistorySchema>;
