import { Controller, Get, Headers as Header, Inject, Req, Res } from '@nestjs/common';
import { ApiOperation, ApiProduces, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { MikroORM } from '@mikro-orm/postgresql';
import { AllowQueryToken, RequestScope, Roles, ScopedBy } from '@gm/auth';
import { OrgUnitCode } from '@gm/domain';
import { SERVICE_CONFIG } from '@gm/platform';
import type { AppConfig } from '../config/config';
import { LiveEventRepository } from './live-event.repository';
import { LiveHub, sseFrame } from './live-hub.service';

@ApiTags('live 实时监控')
@Controller('api/v1/live')
export class LiveController {
  constructor(
    private readonly hub: LiveHub,
    private readonly events: LiveEventRepository,
    private readonly orm: MikroORM,
    @Inject(SERVICE_CONFIG) private readonly config: AppConfig,
  ) {}

  @Get()
  @Roles('grid-leader', 'community-staff', 'street-staff', 'district-staff', 'admin')
  @AllowQueryToken()
  @ScopedBy({ in: 'query', name: 'unit' })
  @ApiProduces('text/event-stream')
  @ApiQuery({ name: 'unit', required: false, description: 'Org unit to watch (default: yours); must lie in your subtree' })
  @ApiQuery({ name: 'access_token', required: false, description: 'For EventSource clients that cannot send headers' })
  @ApiOperation({
    summary: '实时案件事件流 Live case events (Server-Sent Events)',
    description: 'Each event is a CloudEvent (`event:` = its type, `id:` = its id). Reconnect with `Last-Event-ID` to receive what you missed.',
  })
  async live(
    @RequestScope() scope: string,
    @Header('last-event-id') lastEventId: string | undefined,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    reply.hijack();
    const raw = reply.raw;
    raw.writeHead(200, {
      ...(reply.getHeaders() as Record<string, string>),
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    raw.write(`retry: 3000\n: watching ${scope}\n\n`);

    const unsubscribe = this.hub.subscribe({ scope: OrgUnitCode.parse(scope), send: (frames) => raw.write(frames), end: () => raw.end() });
    const heartbeat = setInterval(() => raw.write(': ping\n\n'), this.config.own.LIVE_HEARTBEAT_MS);
    req.raw.once('close', () => {
      clearInterval(heartbeat);
      unsubscribe();
    });

    if (lastEventId && /^[0-9a-f-]{36}$/i.test(lastEventId)) {
      const missed = await this.events.after(this.orm.em.fork(), lastEventId, scope, this.config.own.LIVE_REPLAY_LIMIT);
      for (const e of missed) raw.write(sseFrame({ eventId: e.eventId, type: e.type, unitCode: e.unitCode, envelope: e.envelope }));
    }
  }
}
