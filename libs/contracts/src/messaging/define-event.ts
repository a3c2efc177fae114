import type { z } from 'zod';

/**
 * A versioned event type: its CloudEvents `type` (never changed once shipped) and the schema of
 * its `data`, checked when published and again when consumed.
 */
export interface EventDefinition<S extends z.ZodType = z.ZodType> {
  readonly type: string;
  readonly aggregate: string;
  readonly schema: S;
  readonly description: string;
}

export function defineEvent<const T extends string, S extends z.ZodType>(def: {
  type: T;
  aggregate: string;
  schema: S;
  description: string;
}): EventDefinition<S> & { readonly type: T } {
  return def;
}
