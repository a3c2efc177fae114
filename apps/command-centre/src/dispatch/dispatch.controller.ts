import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { dispatchSuggestionsSchema, orgUnitCodeSchema } from '@gm/contracts';
import { RequestScope, Roles, ScopedBy } from '@gm/auth';
import { ApiErrorResponses, ApiJsonResponse } from '@gm/platform';
import { DispatchService } from './dispatch.service';

const unitQuery = z.object({ unit: orgUnitCodeSchema.optional() }).strict();

@ApiTags('dispatch 派遣')
@Controller('api/v1/dispatch')
export class DispatchController {
  constructor(private readonly dispatch: DispatchService) {}

  @Get('suggestions/:caseId')
  @Roles('community-staff', 'street-staff', 'district-staff')
  @ScopedBy({ in: 'query', name: 'unit' })
  @ApiQuery({ name: 'unit', required: false, description: 'Look for workers in this unit of your subtree (default: your whole subtree)' })
  @ApiOperation({
    summary: '派遣建议 Whom to dispatch a case to: on-duty workers nearest first (its grid, then its community), and the departments of its category',
    description: 'A worker is on duty while their handheld\'s last position is younger than DISPATCH_POSITION_MAX_AGE_MS. Each suggestion carries the `assignee` to send with the dispatch action.',
  })
  @ApiErrorResponses({ 403: 'The unit lies outside yours', 404: 'No such case in your subtree' })
  @ApiJsonResponse(200, 'Suggestions', dispatchSuggestionsSchema)
  suggestions(
    @Param('caseId', { schema: z.uuid('caseId must be a UUID') }) caseId: string,
    @RequestScope() scope: string,
    @Query({ schema: unitQuery }) _q: z.infer<typeof unitQuery>,
  ) {
    return this.dispatch.suggest(scope, caseId);
  }
}
