import {
  context,
  propagation,
  trace,
  SpanKind,
  SpanStatusCode,
  type Attributes,
  type Context,
  type Span,
} from '@opentelemetry/api';

/** The active trace context as W3C headers (`traceparent`, maybe `tracestate`). */
export function currentTraceHeaders(ctx: Context = context.active()): Record<string, string> {
  const carrier: Record<string, string> = {};
  propagation.inject(ctx, carrier);
  return carrier;
}

/** A context whose parent is the one carried by these headers (or the active one if none). */
export function contextFromHeaders(get: (name: string) => string | undefined): Context {
  const carrier: Record<string, string> = {};
  for (const key of ['traceparent', 'tracestate', 'baggage']) {
    const value = get(key);
    if (value) carrier[key] = value;
  }
  return propagation.extract(context.active(), carrier);
}

export function activeTraceIds(): { traceId: string; spanId: string } | undefined {
  const span = trace.getActiveSpan();
  if (!span) return undefined;
  const ctx = span.spanContext();
  if (!trace.isSpanContextValid(ctx)) return undefined;
  return { traceId: ctx.traceId, spanId: ctx.spanId };
}

export interface SpanOptions {
  readonly kind?: SpanKind;
  readonly attributes?: Attributes;
  /** Parent context (e.g. extracted from message headers); defaults to the active one. */
  readonly parent?: Context;
}

/**
 * Runs `fn` inside a new span made active for everything `fn` awaits. Records an exception and
 * error status when `fn` throws. `tracerName` is the service, so spans say who made them.
 */
export async function withSpan<T>(tracerName: string, name: string, opts: SpanOptions, fn: (span: Span) => Promise<T>): Promise<T> {
  const tracer = trace.getTracer(tracerName);
  const parent = opts.parent ?? context.active();
  const span = tracer.startSpan(name, { kind: opts.kind ?? SpanKind.INTERNAL, attributes: { 'gm.service': tracerName, ...opts.attributes } }, parent);
  try {
    return await context.with(trace.setSpan(parent, span), () => fn(span));
  } catch (err) {
    // Only the error's name and code: messages of foreign errors (a driver's, say) may quote input data.
    const code = typeof err === 'object' && err !== null && 'code' in err ? String((err as { code: unknown }).code) : undefined;
    span.recordException({ name: err instanceof Error ? err.name : 'Error', message: code ?? 'see logs' });
    span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.name : 'error' });
    throw err;
  } finally {
    span.end();
  }
}

export { SpanKind, SpanStatusCode };
