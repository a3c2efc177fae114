import { Body, Controller, Get, HttpCode, Param, Post, Put, Query } from '@nestjs/common';
import { ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { dutyBodySchema, dutyViewSchema, handoverBodySchema, handoverPageSchema, handoverViewSchema, type DutyBody, type DutyView, type HandoverBody, type HandoverView, type Principal } from '@gm/contracts';
import { CurrentPrincipal, RequestScope, Roles, ScopedBy } from '@gm/auth';
import { ApiErrorResponses, ApiJsonResponse } from '@gm/platform';
import { HandoverService } from './handover.service';

const listQuery = z
  .object({
    unit: z.string().optional(),
    active: z.enum(['true', 'false'], 'active must be true or false').transform((v) => v === 'true').optional(),
    limit: z.coerce.number().int().min(1, 'limit must be 1–200').max(200, 'limit must be 1–200').default(50),
  })
  .strict();

@ApiTags('A/B posts AB岗')
@Controller('api/v1')
export class HandoverController {
  constructor(private readonly handovers: HandoverService) {}

  @Get('duty')
  @Roles('grid-worker')
  @ApiOperation({ summary: '在岗状态 Your duty: on duty or not, who covers you, whom you cover now' })
  @ApiJsonResponse(200, 'Your duty', dutyViewSchema)
  duty(@CurrentPrincipal() principal: Principal): Promise<DutyView> {
    return this.handovers.duty(principal);
  }

  @Put('duty')
  @Roles('grid-worker')
  @ApiOperation({
    summary: '上岗 / 离岗 Go on or off duty',
    description: 'Off duty hands your grid over to your A/B partner (system-admin\'s roster) until you come back on duty, or until `until`: your partner\'s handheld lists your tasks meanwhile. The hand-over is recorded.',
  })
  @ApiJsonResponse(200, 'Your duty now', dutyViewSchema)
  @ApiErrorResponses({ 400: 'until is not in the future', 409: 'No A/B partner on the roster (HANDOVER.NO_PARTNER)' })
  setDuty(@Body({ schema: dutyBodySchema }) body: DutyBody, @CurrentPrincipal() principal: Principal): Promise<DutyView> {
    return this.handovers.setDuty(principal, body.onDuty, body.until ? new Date(body.until) : undefined);
  }

  @Get('handovers')
  @Roles('grid-leader', 'community-staff', 'street-staff', 'district-staff', 'admin')
  @ScopedBy({ in: 'query', name: 'unit' })
  @ApiQuery({ name: 'unit', required: false, description: 'Org unit (default: yours); must lie in your subtree' })
  @ApiOperation({ summary: 'AB岗交接 Who covers whom: the hand-overs of the grids in your unit, active and scheduled first' })
  @ApiJsonResponse(200, 'Hand-overs', handoverPageSchema)
  async list(@RequestScope() scope: string, @Query({ schema: listQuery }) q: z.infer<typeof listQuery>): Promise<{ items: HandoverView[] }> {
    return { items: await this.handovers.list(scope, q.active ?? false, q.limit) };
  }

  @Post('handovers')
  @HttpCode(201)
  @Roles('grid-leader', 'community-staff', 'admin')
  @ApiOperation({
    summary: '安排请假交接 Schedule a leave: a worker of your unit is covered by their A/B partner (or a named colleague of the same community) from `from` until `until`',
  })
  @ApiJsonResponse(201, 'The hand-over, recorded', handoverViewSchema)
  @ApiErrorResponses({ 400: 'A field is invalid: an unknown worker or colleague, one of another community, until before from', 403: 'The worker is outside your unit', 409: 'No A/B partner on the roster and none named' })
  schedule(@Body({ schema: handoverBodySchema }) body: HandoverBody, @CurrentPrincipal() principal: Principal): Promise<HandoverView> {
    return this.handovers.schedule(principal, body);
  }

  @Post('handovers/:id/end')
  @HttpCode(200)
  @Roles('grid-leader', 'community-staff', 'admin')
  @ApiOperation({ summary: '结束交接 End a hand-over now (the worker is back)' })
  @ApiJsonResponse(200, 'The hand-over, ended', handoverViewSchema)
  @ApiErrorResponses({ 404: 'No such hand-over in your unit', 409: 'It has already ended' })
  end(@Param('id', { schema: z.uuid('id must be a UUID') }) id: string, @CurrentPrincipal() principal: Principal): Promise<HandoverView> {
    return this.handovers.end(principal, id);
  }
}
