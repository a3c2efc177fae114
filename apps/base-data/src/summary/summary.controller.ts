import { Controller, Get, Param } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { orgUnitCodeSchema, type Principal, type Role } from '@gm/contracts';
import { CurrentPrincipal, Roles, ScopedBy } from '@gm/auth';
import { SummaryService } from './summary.service';

const READERS: Role[] = ['grid-worker', 'grid-leader', 'community-staff', 'street-staff', 'district-staff'];

@ApiTags('summary 概况')
@Controller('api/v1')
export class SummaryController {
  constructor(private readonly summaries: SummaryService) {}

  @Get('my-grid')
  @Roles(...READERS)
  @ApiOperation({ summary: '我的网格 Your unit at a glance: buildings, households, residents by category, organisations, objects, open cases' })
  mine(@CurrentPrincipal() p: Principal) {
    return this.summaries.summary(p.orgUnit);
  }

  @Get('units/:code/summary')
  @Roles(...READERS)
  @ScopedBy({ in: 'params', name: 'code' })
  @ApiOperation({ summary: '单元概况 Any unit in your subtree at a glance' })
  unit(@Param('code', { schema: orgUnitCodeSchema }) code: string) {
    return this.summaries.summary(code);
  }

  @Get('buildings/:code/households')
  @Roles(...READERS)
  @ApiOperation({ summary: '楼栋住户 Households of a building, floor by floor (404 outside your unit)' })
  households(@Param('code', { schema: z.string().min(1).max(80) }) code: string, @CurrentPrincipal() p: Principal) {
    return this.summaries.households(p.orgUnit, code);
  }
}
