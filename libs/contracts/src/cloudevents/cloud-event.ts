import { z } from 'zod';

/**
 * CloudEvents 1.0 structured-mode envelope, as published on JetStream.
 * `traceparent` is the Distributed Tracing extension; `gmtier` names the tier instance that
 * emitted the event (extension attribute names are lower-case alphanumerics only).
 */
export const cloudEventSchema = z.object({
  specversion: z.literal('1.0'),
  id: z.uuid(),
  source: z.string().min(1),
  type: z.string().regex(/^gm\.[a-z][a-z-]*\.[a-z][a-z-]*\.v[0-9]+$/, 'expected gm.<aggregate>.<event>.v<N>'),
  time: z.iso.datetime({ offset: true }),
  subject: z.string().min(1).optional(),
  datacontenttype: z.literal('application/json'),
  dataschema: z.string().optional(),
  traceparent: z.string().regex(/^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/).optional(),
  tracestate: z.string().optional(),
  gmtier: z.string().min(1),
  data: z.unknown(),
});

export type CloudEvent<T = unknown> = Omit<z.infer<typeof cloudEventSchema>, 'data'> & { data: T };
