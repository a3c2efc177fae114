import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import { SERVICE_NAMES } from '@gm/contracts';
import { SERVICE_CONFIG, serveWebApp } from '@gm/platform';
import { JsonLogger } from '@gm/telemetry';
import { webRootOf, type AppConfig } from '../config/config';

/** Paths of the console's pages (client-side routes): each answers the app's index.html. */
export const CONSOLE_PAGES = ['/', '/map', '/cases', '/cases/*', '/field', '/kpis', '/dashboard', '/wall', '/admin', '/admin/*', '/office', '/office/*', '/callback', '/signed-out'] as const;

/** The staff console from this tier's origin (ADR 0011), with `/svc/<service>/…` to the tier's services. */
@Injectable()
export class ConsoleServer implements OnModuleInit {
  constructor(
    private readonly adapter: HttpAdapterHost,
    private readonly logger: JsonLogger,
    @Inject(SERVICE_CONFIG) private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    const upstreams = this.config.own.CONSOLE_UPSTREAMS ?? {};
    serveWebApp(this.adapter.httpAdapter.getInstance<FastifyInstance>(), {
      name: 'console',
      root: webRootOf(this.config),
      page: 'index.html',
      routes: CONSOLE_PAGES,
      upstreams,
      logger: this.logger,
      runtime: {
        tier: this.config.tier,
        oidc: { authority: this.config.own.CONSOLE_OIDC_AUTHORITY ?? this.config.oidc.issuer, clientId: this.config.own.CONSOLE_OIDC_CLIENT_ID },
        services: ['command-centre', ...SERVICE_NAMES.filter((s) => s !== 'command-centre' && upstreams[s])],
      },
    });
  }
}
