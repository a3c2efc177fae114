import { z } from 'zod';

/**
 * Checks an answer against the schema that documents it (libs/contracts, hence the OpenAPI
 * documents and the console's types) and returns it typed. Fails naming every path that differs;
 * with a strict schema, an undocumented field fails too.
 */
export function expectShape<S extends z.ZodType>(schema: S, body: unknown): z.infer<S> {
  const result = schema.safeParse(body);
  if (!result.success) throw new Error(`the answer does not match its documented schema:\n${z.prettifyError(result.error)}\n${JSON.stringify(body, null, 2).slice(0, 4000)}`);
  return result.data;
}
