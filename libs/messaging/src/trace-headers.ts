import { headers as natsHeaders, type MsgHdrs } from '@nats-io/transport-node';
import type { Context } from '@opentelemetry/api';
import { contextFromHeaders, currentTraceHeaders } from '@gm/telemetry';

/** Adds the active W3C trace context to NATS headers (creating them if needed). */
export function injectTrace(h: MsgHdrs = natsHeaders(), ctx?: Context): MsgHdrs {
  for (const [k, v] of Object.entries(currentTraceHeaders(ctx))) h.set(k, v);
  return h;
}

/** The remote parent context carried by NATS headers. */
export function extractTrace(h: MsgHdrs | undefined): Context {
  return contextFromHeaders((name) => {
    if (!h?.has(name)) return undefined;
    return h.get(name);
  });
}

export { natsHeaders };
