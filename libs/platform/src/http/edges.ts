import type { IncomingMessage, ServerResponse } from 'node:http';
import helmet, { type HelmetOptions } from 'helmet';
import rateLimit from '@fastify/rate-limit';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DomainError } from '@gm/contracts';
import type { ServiceConfig } from '../config/service-config';

/** Paths anyone may call without a token (Open311 GeoReport v2): limited per client address. */
export const PUBLIC_PATH = /^\/open311\//;

/**
 * The Content-Security-Policy of every answer. The API answers JSON, which needs nothing; the
 * pages served here (the console, the handheld, /docs) load their scripts from this origin only,
 * and may show and upload photos through presigned links and fetch tokens from the issuer, which
 * live on other origins that a service does not know in advance (hence http:/https: for images
 * and connections). Ant Design writes its styles at run time (style-src 'unsafe-inline').
 */
export const CONTENT_SECURITY_POLICY = {
  defaultSrc: ["'self'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'", "'unsafe-inline'"],
  imgSrc: ["'self'", 'data:', 'blob:', 'http:', 'https:'],
  connectSrc: ["'self'", 'http:', 'https:', 'ws:', 'wss:'],
  workerSrc: ["'self'", 'blob:'],
  fontSrc: ["'self'", 'data:'],
  objectSrc: ["'none'"],
  baseUri: ["'self'"],
  formAction: ["'self'"],
  frameAncestors: ["'none'"],
  // Deployments behind TLS set HSTS too (helmet's default); a plain-HTTP local run is not upgraded.
  upgradeInsecureRequests: null,
};

/** Helmet's options: its defaults, with the CSP above and the two cross-origin policies below. */
const HELMET_OPTIONS: HelmetOptions = {
  contentSecurityPolicy: { useDefaults: false, directives: CONTENT_SECURITY_POLICY },
  // Photos and map tiles of this origin may be shown by the tier's other origins (same site).
  crossOriginResourcePolicy: { policy: 'same-site' },
  crossOriginOpenerPolicy: { policy: 'same-origin' },
};

/**
 * The headers helmet sets for these options, computed once. Every answer gets the same set (no
 * per-request nonces), and building them per request, as the Fastify plugin does (it calls
 * `helmet(options)` for each request, parsing the CSP directives again), halved the requests per
 * second of a cheap endpoint (docs/benchmarks.md, B2).
 */
export function securityHeaders(options: HelmetOptions = HELMET_OPTIONS): Record<string, string> {
  const headers: Record<string, string> = {};
  const res = {
    setHeader: (name: string, value: unknown) => void (headers[name.toLowerCase()] = String(value)),
    removeHeader: (name: string) => void delete headers[name.toLowerCase()],
  };
  helmet(options)({} as IncomingMessage, res as unknown as ServerResponse, () => undefined);
  return headers;
}

/**
 * The edges of the HTTP surface, in front of every route: security headers (helmet's, computed
 * once), a CORS allow-list (off unless HTTP_CORS_ORIGINS is set) and a rate limit of the public
 * endpoints per client address (@fastify/rate-limit; 429 with Retry-After). Behind a proxy the
 * client address comes from X-Forwarded-For (the adapter trusts the proxy).
 */
export async function registerHttpEdges(app: NestFastifyApplication, config: ServiceConfig): Promise<void> {
  const fastify = app.getHttpAdapter().getInstance();
  const headers = securityHeaders();
  fastify.addHook('onRequest', (_req, reply, done) => {
    void reply.headers(headers);
    done();
  });

  const origins = config.http.corsOrigins;
  if (origins && origins.length > 0) {
    app.enableCors({
      origin: [...origins],
      methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
      allowedHeaders: ['authorization', 'content-type', 'accept-language', 'idempotency-key', 'if-none-match', 'last-event-id', 'traceparent'],
      exposedHeaders: ['etag', 'location', 'retry-after', 'x-total-count'],
      credentials: false,
      maxAge: 600,
    });
  }

  const { max, windowSec } = config.http.publicRateLimit;
  if (max > 0) {
    await app.register(rateLimit, { global: false });
    const limited = fastify.rateLimit({
      max,
      timeWindow: windowSec * 1000,
      errorResponseBuilder: (_req, context) => new DomainError('REQUEST.RATE_LIMITED', `Too many requests from this address: at most ${context.max} in ${windowSec} s; retry in ${Math.ceil(context.ttl / 1000)} s`),
    });
    fastify.addHook('onRequest', (req, reply, done) => {
      if (!PUBLIC_PATH.test(req.url)) return done();
      limited.call(fastify, req, reply).then(() => done(), done);
    });
  }
}
