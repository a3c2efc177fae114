import { context, isSpanContextValid, trace, SpanKind, SpanStatusCode, type Context, type Span } from '@opentelemetry/api';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { contextFromHeaders, type JsonLogger } from '@gm/telemetry';

/** Probes and scrapes (Prometheus every 15 s): logged at debug only. */
const QUIET_ROUTES = new Set(['/healthz', '/readyz', '/metrics']);

/**
 * A SERVER span per HTTP request, continuing the caller's W3C trace context, active for the
 * route handler and everything it awaits (so NATS requests and outbox rows carry it). The
 * span and the access log use the route pattern, never the raw URL: query strings may carry
 * tokens.
 */
export function registerHttpTracing(fastify: FastifyInstance, service: string, logger: JsonLogger): void {
  const tracer = trace.getTracer(service);
  const spans = new WeakMap<FastifyRequest, { span: Span; ctx: Context; started: number }>();

  fastify.addHook('onRequest', (req, reply, done) => {
    const parent = contextFromHeaders((name) => {
      const v = req.headers[name];
      return Array.isArray(v) ? v[0] : v;
    });
    const route = req.routeOptions.url ?? 'unmatched';
    const span = tracer.startSpan(
      `${req.method} ${route}`,
      { kind: SpanKind.SERVER, attributes: { 'gm.service': service, 'http.request.method': req.method, 'http.route': route } },
      parent,
    );
    const ctx = trace.setSpan(parent, span);
    spans.set(req, { span, ctx, started: performance.now() });
    // W3C Trace Context's traceresponse, written from the span's own ids (no propagator round trip).
    const sc = span.spanContext();
    if (isSpanContextValid(sc)) void reply.header('traceresponse', `00-${sc.traceId}-${sc.spanId}-${(sc.traceFlags & 0xff).toString(16).padStart(2, '0')}`);
    context.with(ctx, done);
  });

  // Re-enter the span's context right before the handler: body parsing may have left it.
  fastify.addHook('preHandler', (req, _reply, done) => {
    const s = spans.get(req);
    if (s) context.with(s.ctx, done);
    else done();
  });

  fastify.addHook('onResponse', (req, reply, done) => {
    const s = spans.get(req);
    if (s) {
      s.span.setAttribute('http.response.status_code', reply.statusCode);
      if (reply.statusCode >= 500) s.span.setStatus({ code: SpanStatusCode.ERROR });
      s.span.end();
      const route = req.routeOptions.url ?? 'unmatched';
      const level = QUIET_ROUTES.has(route) ? 'debug' : 'info';
      if (logger.enabled(level)) {
        context.with(s.ctx, () =>
          logger.event(level, 'http.request', {
            method: req.method,
            route,
            status: reply.statusCode,
            ms: Math.round((performance.now() - s.started) * 10) / 10,
          }, 'Http'),
        );
      }
    }
    done();
  });
}
