import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { DomainError, orgUnitCodeSchema, workerPositionsSchema, workerTrackSchema } from '@gm/contracts';
import { RequestScope, Roles, ScopedBy } from '@gm/auth';
import { ApiErrorResponses, ApiJsonResponse } from '@gm/platform';
import { WorkerRepository } from './worker.repository';

const STAFF = ['grid-leader', 'community-staff', 'street-staff', 'district-staff', 'admin'] as const;
const HOUR = 3_600_000;

const unitQuery = z.object({ unit: orgUnitCodeSchema.optional() }).strict();
const trackQuery = z
  .object({
    unit: orgUnitCodeSchema.optional(),
    from: z.iso.datetime({ offset: true, message: 'from must be an ISO 8601 date-time with offset' }).transform((v) => new Date(v)).optional(),
    to: z.iso.datetime({ offset: true, message: 'to must be an ISO 8601 date-time with offset' }).transform((v) => new Date(v)).optional(),
  })
  .strict()
  .refine((q) => !q.from || !q.to || q.from < q.to, { path: ['to'], message: 'to must be after from' });

@ApiTags('workers 网格员位置')
@Controller('api/v1/workers')
export class WorkerController {
  constructor(private readonly workers: WorkerRepository) {}

  @Get('positions')
  @Roles(...STAFF)
  @ScopedBy({ in: 'query', name: 'unit' })
  @ApiQuery({ name: 'unit', required: false, description: 'Org unit (default: yours); must lie in your subtree' })
  @ApiOperation({ summary: '网格员位置 Last known position of each grid worker of your subtree, with its age' })
  @ApiJsonResponse(200, 'Newest first', workerPositionsSchema)
  async positions(@RequestScope() scope: string, @Query({ schema: unitQuery }) _q: z.infer<typeof unitQuery>) {
    const now = new Date();
    return { items: await this.workers.lastPositions(scope, now), at: now.toISOString() };
  }

  @Get(':subject/track')
  @Roles(...STAFF)
  @ScopedBy({ in: 'query', name: 'unit' })
  @ApiQuery({ name: 'unit', required: false, description: 'Org unit (default: yours); must lie in your subtree' })
  @ApiOperation({ summary: '巡查轨迹 One worker\'s track (default: the last 12 hours), with its length' })
  @ApiJsonResponse(200, 'Oldest point first', workerTrackSchema)
  @ApiErrorResponses({ 404: 'No such grid worker in your subtree' })
  async track(
    @RequestScope() scope: string,
    @Param('subject', { schema: z.string().regex(/^[A-Za-z0-9-]{8,64}$/, 'subject: 8–64 letters, digits or "-"') }) subject: string,
    @Query({ schema: trackQuery }) q: z.infer<typeof trackQuery>,
  ) {
    const to = q.to ?? new Date();
    const from = q.from ?? new Date(to.getTime() - 12 * HOUR);
    const track = await this.workers.track(scope, subject, from, to);
    if (!track) throw new DomainError('WORKER.NOT_FOUND', 'no such grid worker in your org unit');
    return track;
  }
}
