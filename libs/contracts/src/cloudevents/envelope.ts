import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import type { EventDefinition } from '../messaging/define-event';
import { eventDefinition } from '../messaging/event-catalogue';
import { DomainError, toFieldErrors } from '../errors/error-codes';
import { cloudEventSchema, type CloudEvent } from './cloud-event';

export interface EnvelopeOptions {
  /** `<tier code>/<service>`, e.g. `350206/public-sentiment`. */
  readonly source: string;
  readonly tier: string;
  /** What the event is about, e.g. the case id. */
  readonly subject?: string;
  readonly traceparent?: string;
  readonly tracestate?: string;
  readonly id?: string;
  readonly time?: Date;
}

/** Wraps validated data in a CloudEvents envelope. Invalid data is a bug of the publisher: it throws. */
export function createCloudEvent<S extends z.ZodType>(
  def: EventDefinition<S>,
  data: z.input<S>,
  opts: EnvelopeOptions,
): CloudEvent<z.infer<S>> {
  const parsed = def.schema.safeParse(data);
  if (!parsed.success) {
    throw DomainError.validation(toFieldErrors(parsed.error.issues, 'data'));
  }
  const event: CloudEvent<z.infer<S>> = {
    specversion: '1.0',
    id: opts.id ?? randomUUID(),
    source: opts.source,
    type: def.type,
    time: (opts.time ?? new Date()).toISOString(),
    ...(opts.subject !== undefined && { subject: opts.subject }),
    datacontenttype: 'application/json',
    ...(opts.traceparent !== undefined && { traceparent: opts.traceparent }),
    ...(opts.tracestate !== undefined && { tracestate: opts.tracestate }),
    gmtier: opts.tier,
    data: parsed.data,
  };
  // The envelope is checked too, so that a publisher never emits what consumers would reject.
  const envelope = cloudEventSchema.safeParse(event);
  if (!envelope.success) throw DomainError.validation(toFieldErrors(envelope.error.issues));
  return event;
}

export type ParsedEvent =
  | { ok: true; event: CloudEvent; definition: EventDefinition }
  | { ok: false; reason: string; id?: string };

/**
 * Checks an incoming message: a well-formed envelope, a known type, data valid for that type.
 * Returns a reason instead of throwing, because a consumer must ack a poison message and record
 * why rather than crash-loop on it.
 */
export function parseCloudEvent(payload: Uint8Array | string): ParsedEvent {
  let json: unknown;
  try {
    json = JSON.parse(typeof payload === 'string' ? payload : new TextDecoder().decode(payload));
  } catch {
    return { ok: false, reason: 'payload is not JSON' };
  }
  const envelope = cloudEventSchema.safeParse(json);
  if (!envelope.success) {
    const first = envelope.error.issues[0];
    return { ok: false, reason: `invalid envelope: ${first ? `${first.path.join('.')}: ${first.message}` : 'unknown'}` };
  }
  const definition = eventDefinition(envelope.data.type);
  if (!definition) {
    return { ok: false, reason: `unknown event type ${envelope.data.type}`, id: envelope.data.id };
  }
  const data = definition.schema.safeParse(envelope.data.data);
  if (!data.success) {
    const first = data.error.issues[0];
    return {
      ok: false,
      reason: `invalid data for ${definition.type}: ${first ? `${first.path.join('.')}: ${first.message}` : 'unknown'}`,
      id: envelope.data.id,
    };
  }
  return { ok: true, event: { ...envelope.data, data: data.data }, definition };
}
