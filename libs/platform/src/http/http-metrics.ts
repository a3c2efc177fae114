import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ServiceMetrics } from '@gm/telemetry';

/** The buckets the HTTP semantic conventions advise, in seconds. */
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];

/**
 * `http_server_request_duration_seconds` by method, route pattern (never the raw URL) and status:
 * its `_count` is the request rate, its 5xx share the error rate, its buckets the latency.
 * The scrape itself is left out.
 */
export function registerHttpMetrics(fastify: FastifyInstance, metrics: ServiceMetrics): void {
  const duration = metrics.meter.createHistogram('http.server.request.duration_seconds', {
    description: 'Duration of HTTP requests, by route pattern and status',
    unit: 's',
    advice: { explicitBucketBoundaries: DURATION_BUCKETS },
  });
  const started = new WeakMap<FastifyRequest, number>();
  fastify.addHook('onRequest', (req, _reply, done) => {
    started.set(req, performance.now());
    done();
  });
  fastify.addHook('onResponse', (req, reply, done) => {
    const t0 = started.get(req);
    const route = req.routeOptions.url ?? 'unmatched';
    if (t0 !== undefined && route !== '/metrics') {
      duration.record((performance.now() - t0) / 1000, metrics.labels({ 'http.request.method': req.method, 'http.route': route, 'http.response.status_code': reply.statusCode }));
    }
    done();
  });
}
