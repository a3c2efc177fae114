import { Body, Controller, HttpCode, Post, Req } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { syncBodySchema, syncResultSchema, type Principal, type SyncBody, type SyncResult } from '@gm/contracts';
import { BearerHeader, CurrentPrincipal, Roles } from '@gm/auth';
import { ApiErrorResponses, ApiJsonResponse } from '@gm/platform';
import { SyncService } from './sync.service';

@ApiTags('sync 离线同步')
@Controller('api/v1/sync')
export class SyncController {
  constructor(private readonly sync: SyncService) {}

  @Post()
  @HttpCode(200)
  @Roles('grid-worker', 'grid-leader')
  @ApiOperation({
    summary: '离线队列同步 Send what the handheld queued offline: up to 100 items, each answered on its own',
    description:
      'Items (reports, position batches) are handled in the order sent, each as its own endpoint would handle it, and answered one by one with that endpoint\'s status and body: ' +
      'a refused item (400 naming the field within its body, 403 another grid, 409) does not hold back the others. An item sent again with the same clientId is answered as the first ' +
      'time (`replayed`: true) and changes nothing; a report answered 202 (queued while the case service is away) is sent again later to learn its case.',
  })
  @ApiJsonResponse(200, 'One answer per item, in order', syncResultSchema)
  @ApiErrorResponses({ 400: 'The batch itself is malformed (not its items: those are answered one by one)', 403: 'A role without a handheld' })
  post(@Body({ schema: syncBodySchema }) body: SyncBody, @CurrentPrincipal() principal: Principal, @BearerHeader() authorization: string, @Req() request: FastifyRequest): Promise<SyncResult> {
    return this.sync.sync(principal, authorization, body, /^en\b/i.test(String(request.headers['accept-language'] ?? '')));
  }
}
