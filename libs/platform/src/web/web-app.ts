import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import type { ServiceName } from '@gm/contracts';
import type { JsonLogger } from '@gm/telemetry';
import { PROXY_PREFIX, proxyTo } from './service-proxy';

/** What a tier's web app is told at run time (`/config.json`): one build serves every tier. */
export interface WebRuntimeConfig {
  readonly tier: string;
  readonly oidc: { readonly authority: string; readonly clientId: string };
  /** Services the app can reach through `/svc/<service>/…` on this tier. */
  readonly services: readonly ServiceName[];
  /** Settings of this app (the handheld's GPS accuracy threshold, …). */
  readonly [setting: string]: unknown;
}

export interface WebAppOptions {
  /** The built apps/web, or undefined when there is none (the API is still served; a warning is logged). */
  readonly root: string | undefined;
  /** The app's HTML page in the build (`index.html` for the console, `handheld.html` for the handheld). */
  readonly page: string;
  /** Client-side routes: each answers the page. */
  readonly routes: readonly string[];
  readonly runtime: WebRuntimeConfig;
  /** Where `/svc/<service>/…` goes. */
  readonly upstreams: Partial<Record<ServiceName, string>>;
  /** Files at the root that must always revalidate and may control the whole origin (a service worker). */
  readonly rootScripts?: readonly string[];
  readonly logger: JsonLogger;
  /** Logged with the events (`console`, `handheld`). */
  readonly name: string;
}

/**
 * A web app from this service's origin (ADR 0011): the built files at `/`, the page at its routes,
 * its run-time configuration at `/config.json`, and the browser's calls to the tier's other
 * services under `/svc/<service>/…` (bodies streamed through unread: each service checks its own
 * input and token). The service's own API stays where it is (`/api/v1/…`). On Kubernetes an
 * ingress maps the same paths.
 */
export function serveWebApp(fastify: FastifyInstance, o: WebAppOptions): void {
  fastify.get('/config.json', (_req, reply) => {
    void reply.header('cache-control', 'no-store').send(o.runtime);
  });

  void fastify.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', (_req, _payload, done) => done(null));
    scope.all(`${PROXY_PREFIX}:service/*`, (req, reply) => {
      const service = (req.params as { service: string }).service as ServiceName;
      const upstream = o.upstreams[service];
      if (!upstream) {
        void reply.code(404).send({ statusCode: 404, code: 'REQUEST.ROUTE_NOT_FOUND', message: `接口不存在: ${service}`, detail: `${service} is not reachable from this tier's ${o.name}` });
        return;
      }
      proxyTo(service, upstream, req, reply);
    });
  });

  if (!o.root) {
    o.logger.event('warn', `${o.name}.not_built`, { hint: 'npm run build -w apps/web, or set WEB_ROOT' }, 'WebApp');
    return;
  }
  const root = o.root;
  const page = readFileSync(join(root, o.page));
  const alwaysFresh = new Set((o.rootScripts ?? []).map((f) => join(root, f)));
  void fastify.register(fastifyStatic, {
    root,
    prefix: '/',
    index: false,
    wildcard: false,
    decorateReply: false,
    // Hashed file names never change: cached for a year; everything else revalidates. A service
    // worker may control the whole origin (it is served from a sub-folder of nothing).
    setHeaders: (reply, path) => {
      if (alwaysFresh.has(path)) void reply.header('cache-control', 'no-cache').header('service-worker-allowed', '/');
      else void reply.header('cache-control', path.includes(join(root, 'assets')) ? 'public, max-age=31536000, immutable' : 'no-cache');
    },
  });
  for (const route of o.routes) {
    fastify.get(route, (_req, reply) => {
      void reply.header('content-type', 'text/html; charset=utf-8').header('cache-control', 'no-cache').send(page);
    });
  }
  o.logger.event('info', `${o.name}.served`, { root, services: o.runtime.services }, 'WebApp');
}
