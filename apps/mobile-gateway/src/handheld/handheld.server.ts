import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import { SERVICE_NAMES } from '@gm/contracts';
import { SERVICE_CONFIG, serveWebApp } from '@gm/platform';
import { JsonLogger } from '@gm/telemetry';
import { webRootOf, type AppConfig } from '../config/config';

/** The handheld's pages (client-side routes): each answers handheld.html. */
export const HANDHELD_PAGES = ['/', '/tasks', '/tasks/*', '/report', '/on-the-spot', '/patrol', '/visit', '/must-report', '/cases', '/cases/*', '/queue', '/diary', '/notices', '/notices/*', '/callback', '/signed-out'] as const;

/**
 * The grid worker's handheld app (a PWA) from this tier's gateway (ADR 0013): its page, its service
 * worker at `/handheld-sw.js` (controlling the whole origin, so that the app opens offline), the
 * gateway's own API at `/api/v1/…`, and the tier's other services under `/svc/<service>/…`.
 */
@Injectable()
export class HandheldServer implements OnModuleInit {
  constructor(
    private readonly adapter: HttpAdapterHost,
    private readonly logger: JsonLogger,
    @Inject(SERVICE_CONFIG) private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    const upstreams = this.config.own.HANDHELD_UPSTREAMS ?? {};
    serveWebApp(this.adapter.httpAdapter.getInstance<FastifyInstance>(), {
      name: 'handheld',
      root: webRootOf(this.config),
      page: 'handheld.html',
      routes: HANDHELD_PAGES,
      rootScripts: ['handheld-sw.js'],
      upstreams,
      logger: this.logger,
      runtime: {
        tier: this.config.tier,
        oidc: { authority: this.config.own.HANDHELD_OIDC_AUTHORITY ?? this.config.oidc.issuer, clientId: this.config.own.HANDHELD_OIDC_CLIENT_ID },
        services: ['mobile-gateway', ...SERVICE_NAMES.filter((s) => s !== 'mobile-gateway' && upstreams[s])],
        reportMaxAccuracyM: this.config.own.HANDHELD_REPORT_MAX_ACCURACY_M,
      },
    });
  }
}
