import { Controller, Get, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { casePageSchema, Rpc, type CasePage, type Principal } from '@gm/contracts';
import { BearerHeader, CurrentPrincipal, Roles } from '@gm/auth';
import { RpcClient } from '@gm/messaging';
import { ApiErrorResponses, ApiJsonResponse } from '@gm/platform';
import { HandoverService } from '../handovers/handover.service';

const listQuery = z.object({ limit: z.coerce.number().int().min(1, 'limit must be 1–200').max(200, 'limit must be 1–200').default(50) }).strict();

@ApiTags('tasks 我的任务')
@Controller('api/v1/tasks')
export class TaskController {
  constructor(
    private readonly rpc: RpcClient,
    private readonly handovers: HandoverService,
  ) {}

  @Get()
  @Roles('grid-worker', 'grid-leader')
  @ApiOperation({
    summary: "我的任务 The open cases dispatched to you (dispatched, in progress), and to the workers you cover now (A/B posts: their grid's cases, gridCode tells them apart), emergencies and the nearest deadlines first, with their lights",
    description: 'Act on one through POST /api/v1/sync, type case-action {caseId, action, body}: start, handle (note and photos), return, request_extension, as the workflow allows.',
  })
  @ApiJsonResponse(200, 'Your tasks', casePageSchema)
  @ApiErrorResponses({ 503: 'The case service does not answer (the handheld shows its cached list)' })
  async list(@Query({ schema: listQuery }) q: z.infer<typeof listQuery>, @CurrentPrincipal() principal: Principal, @BearerHeader() authorization: string): Promise<CasePage> {
    await this.handovers.seen(principal);
    const covering = await this.handovers.covering(principal);
    return this.rpc.request(Rpc.myTasks, { limit: q.limit, covering }, { authorization, timeoutMs: 5000 });
  }
}
