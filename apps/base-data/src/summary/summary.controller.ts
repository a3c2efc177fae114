import { Controller, Get, Param } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { orgUnitCodeSchema, unitSummarySchema, type Principal, type Role, type UnitSummary } from '@gm/contracts';
import { CurrentPrincipal, Roles, ScopedBy } from '@gm/auth';
import { ApiErrorResponses, ApiJsonResponse } from '@gm/platform';
import { SummaryService } from './summary.service';

const READERS: Role[] = ['grid-worker', 'grid-leader', 'community-staff', 'street-staff', 'district-staff'];

@ApiTags('summary 概况')
@Controller('api/v1')
export class SummaryController {
  constructor(private readonly summaries: SummaryService) {}

  @Get('my-grid')
  @Roles(...READERS)
  @ApiOperation({ summary: '我的网格 Your unit at a glance: buildings, households, residents by category, organisations, objects, open cases' })
  @ApiJsonResponse(200, 'Your unit', unitSummarySchema)
  mine(@CurrentPrincipal() p: Principal): Promise<UnitSummary> {
    return this.summaries.summary(p.orgUnit);
  }

  @Get('units/:code/summary')
  @Roles(...READERS)
  @ScopedBy({ in: 'params', name: 'code' })
  @ApiOperation({ summary: '单元概况 Any unit in your subtree at a glance' })
  @ApiJsonResponse(200, 'The unit', unitSummarySchema)
  @ApiErrorResponses({ 403: 'The unit lies outside yours' })
  unit(@Param('code', { schema: orgUnitCodeSchema }) code: string): Promise<UnitSummary> {
    return this.summaries.summary(code);
  }

  @Get('buildings/:code/households')
  @Roles(...READERS)
  @ApiOperation({ summary: '楼栋住户 Households of a building, floor by floor (404 outside your unit)' })
  households(@Param('code', { schema: z.string().min(1).max(80) }) code: string, @CurrentPrincipal() p: Principal) {
    return this.summaries.households(p.orgUnit, code);
  }
}
