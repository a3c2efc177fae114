import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import { SERVICE_NAMES, type ServiceName } from '@gm/contracts';
import { SERVICE_CONFIG } from '@gm/platform';
import { JsonLogger } from '@gm/telemetry';
import { webRootOf, type AppConfig } from '../config/config';
import { PROXY_PREFIX, proxyTo } from './console-proxy';

/** Paths of the console's pages (client-side routes): each answers the app's index.html. */
export const CONSOLE_PAGES = ['/', '/map', '/cases', '/cases/*', '/kpis', '/dashboard', '/wall', '/admin', '/admin/*', '/callback', '/signed-out'] as const;

/** What the console needs to know at run time (one build serves every tier). */
export interface ConsoleRuntimeConfig {
  readonly tier: string;
  readonly oidc: { readonly authority: string; readonly clientId: string };
  /** Services the console can reach through `/svc/<service>/…` on this tier. */
  readonly services: readonly ServiceName[];
}

/**
 * The staff console from this tier's origin: the built app (apps/web/dist) at `/`, its run-time
 * configuration at `/config.json`, and the browser's API calls to the tier's services under
 * `/svc/<service>/…`. command-centre's own API stays where it is (`/api/v1/…`). On Kubernetes an
 * ingress maps the same paths (README).
 */
@Injectable()
export class ConsoleServer implements OnModuleInit {
  constructor(
    private readonly adapter: HttpAdapterHost,
    private readonly logger: JsonLogger,
    @Inject(SERVICE_CONFIG) private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    const fastify = this.adapter.httpAdapter.getInstance<FastifyInstance>();
    const upstreams = this.config.own.CONSOLE_UPSTREAMS ?? {};
    const runtime: ConsoleRuntimeConfig = {
      tier: this.config.tier,
      oidc: { authority: this.config.own.CONSOLE_OIDC_AUTHORITY ?? this.config.oidc.issuer, clientId: this.config.own.CONSOLE_OIDC_CLIENT_ID },
      services: ['command-centre', ...SERVICE_NAMES.filter((s) => s !== 'command-centre' && upstreams[s])],
    };
    fastify.get('/config.json', (_req, reply) => {
      void reply.header('cache-control', 'no-store').send(runtime);
    });

    void fastify.register(async (scope) => {
      // Bodies pass through unread: the service behind checks them.
      scope.removeAllContentTypeParsers();
      scope.addContentTypeParser('*', (_req, _payload, done) => done(null));
      scope.all(`${PROXY_PREFIX}:service/*`, (req, reply) => {
        const service = (req.params as { service: string }).service as ServiceName;
        const upstream = upstreams[service];
        if (!upstream) {
          void reply.code(404).send({ statusCode: 404, code: 'REQUEST.ROUTE_NOT_FOUND', message: `接口不存在: ${service}`, detail: `${service} is not reachable from this tier's console` });
          return;
        }
        proxyTo(service, upstream, req, reply);
      });
    });

    const root = webRootOf(this.config);
    if (!root) {
      this.logger.event('warn', 'console.not_built', { hint: 'npm run build -w apps/web, or set WEB_ROOT' }, 'ConsoleServer');
      return;
    }
    const index = readFileSync(join(root, 'index.html'));
    void fastify.register(fastifyStatic, {
      root,
      prefix: '/',
      index: false,
      wildcard: false,
      decorateReply: false,
      // Hashed file names never change: cache them for a year; everything else revalidates.
      setHeaders: (reply, path) => void reply.header('cache-control', path.includes(`${join(root, 'assets')}`) ? 'public, max-age=31536000, immutable' : 'no-cache'),
    });
    for (const page of CONSOLE_PAGES) {
      fastify.get(page, (_req, reply) => {
        void reply.header('content-type', 'text/html; charset=utf-8').header('cache-control', 'no-cache').send(index);
      });
    }
    this.logger.event('info', 'console.served', { root, services: runtime.services }, 'ConsoleServer');
  }
}
