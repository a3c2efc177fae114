import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { patrolPageSchema, patrolViewSchema, type PatrolPage, type PatrolView, type Principal } from '@gm/contracts';
import { CurrentPrincipal, Roles } from '@gm/auth';
import { ApiErrorResponses, ApiJsonResponse } from '@gm/platform';
import { PatrolService } from './patrol.service';

const listQuery = z
  .object({
    limit: z.coerce.number().int().min(1, 'limit must be 1–100').max(100, 'limit must be 1–100').default(20),
    before: z.iso.datetime({ offset: true, message: 'before must be the nextCursor of the previous page' }).optional(),
  })
  .strict();

@ApiTags('patrols 巡查')
@Controller('api/v1/patrols')
export class PatrolController {
  constructor(private readonly patrols: PatrolService) {}

  @Get()
  @Roles('grid-worker', 'grid-leader', 'community-staff', 'street-staff', 'district-staff')
  @ApiOperation({
    summary: '巡查记录 Patrols, newest first: a worker\'s own; a grid leader and staff see those of the grids in their unit',
    description: 'Patrols are started, fed and stopped from the handheld through POST /api/v1/sync (types patrol-start, patrol-points, patrol-stop).',
  })
  @ApiJsonResponse(200, 'A page of patrols', patrolPageSchema)
  list(@Query({ schema: listQuery }) q: z.infer<typeof listQuery>, @CurrentPrincipal() principal: Principal): Promise<PatrolPage> {
    return this.patrols.list(principal, q.limit, q.before);
  }

  @Get(':id')
  @Roles('grid-worker', 'grid-leader', 'community-staff', 'street-staff', 'district-staff')
  @ApiOperation({ summary: '巡查详情 One patrol: its track\'s length, duration and how much of the grid it covered' })
  @ApiJsonResponse(200, 'The patrol', patrolViewSchema)
  @ApiErrorResponses({ 404: 'No such patrol in your unit' })
  get(@Param('id', { schema: z.uuid('id must be a UUID') }) id: string, @CurrentPrincipal() principal: Principal): Promise<PatrolView> {
    return this.patrols.get(principal, id);
  }
}
