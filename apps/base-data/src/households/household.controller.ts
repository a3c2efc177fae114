import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { householdPageSchema, householdViewSchema, type HouseholdPage, type HouseholdView, type Principal } from '@gm/contracts';
import { CurrentPrincipal, RequestScope, Roles, ScopedBy } from '@gm/auth';
import { ApiErrorResponses, ApiJsonResponse } from '@gm/platform';
import { actorOf, code, date, limit, READERS, WRITERS } from '../records/http';
import { HouseholdService } from './household.service';

const listQuery = z.object({ unit: z.string().optional(), houseCode: code.optional(), cursor: z.string().max(500).optional(), limit }).strict();
const createBody = z.object({ houseCode: code }).strict();
const moveBody = z.object({ houseCode: code }).strict();
const splitBody = z
  .object({
    residentIds: z.array(z.uuid('each residentId must be a UUID')).min(1, 'name at least one member').max(50),
    houseCode: code.optional(),
  })
  .strict();
const leaveBody = z.object({ date, reason: z.string().trim().max(500).optional() }).strict();
const splitResult = z.object({ from: householdViewSchema, to: householdViewSchema }).strict();

@ApiTags('households 户')
@Controller('api/v1/households')
export class HouseholdController {
  constructor(private readonly households: HouseholdService) {}

  @Get()
  @Roles(...READERS)
  @ScopedBy({ in: 'query', name: 'unit' })
  @ApiQuery({ name: 'unit', required: false, description: 'Org unit (default: yours); must lie in your subtree' })
  @ApiOperation({ summary: '户 Households of your unit by code, with their number of active members; by house; cursor pages' })
  @ApiJsonResponse(200, 'One page of households', householdPageSchema)
  @ApiErrorResponses({ 400: 'A filter or the cursor is invalid', 403: 'The unit lies outside yours' })
  list(@RequestScope() scope: string, @Query({ schema: listQuery }) q: z.infer<typeof listQuery>): Promise<HouseholdPage> {
    return this.households.list({ scope, houseCode: q.houseCode, cursor: q.cursor, limit: q.limit });
  }

  @Get(':code')
  @Roles(...READERS)
  @ApiOperation({ summary: '户详情 One household with its active members; 404 outside your unit' })
  @ApiJsonResponse(200, 'The household', householdViewSchema)
  @ApiErrorResponses({ 404: 'No such household in your unit' })
  get(@Param('code', { schema: code }) householdCode: string, @CurrentPrincipal() p: Principal): Promise<HouseholdView> {
    return this.households.get(p.orgUnit, householdCode);
  }

  @Get(':code/history')
  @Roles(...READERS)
  @ApiOperation({ summary: '变更记录 Who changed what, and when (imports and hand-made changes)' })
  @ApiErrorResponses({ 404: 'No such record in your unit' })
  history(@Param('code', { schema: code }) householdCode: string, @CurrentPrincipal() p: Principal) {
    return this.households.history(p.orgUnit, householdCode);
  }

  @Post()
  @HttpCode(201)
  @Roles(...WRITERS)
  @ApiOperation({ summary: '立户 A new, empty household in a house of your unit (code: the house code and -H<n>)' })
  @ApiJsonResponse(201, 'The household', householdViewSchema)
  @ApiErrorResponses({ 400: 'No such house in your unit' })
  create(@Body({ schema: createBody }) body: z.infer<typeof createBody>, @CurrentPrincipal() p: Principal): Promise<HouseholdView> {
    return this.households.create(actorOf(p), body.houseCode);
  }

  @Post(':code/move')
  @HttpCode(200)
  @Roles(...WRITERS)
  @ApiOperation({ summary: '整户迁移 The household moves to another house of your unit; its active members go with it' })
  @ApiJsonResponse(200, 'The household after the move', householdViewSchema)
  @ApiErrorResponses({ 400: 'No such house in your unit, or the one it lives in', 404: 'No such household in your unit' })
  move(@Param('code', { schema: code }) householdCode: string, @Body({ schema: moveBody }) body: z.infer<typeof moveBody>, @CurrentPrincipal() p: Principal): Promise<HouseholdView> {
    return this.households.move(actorOf(p), householdCode, body.houseCode);
  }

  @Post(':code/split')
  @HttpCode(200)
  @Roles(...WRITERS)
  @ApiOperation({ summary: '分户 Some members form a household of their own, in the same house or another of your unit' })
  @ApiJsonResponse(200, 'Both households after the split', splitResult)
  @ApiErrorResponses({ 400: 'A named resident is not an active member, nobody would stay, or no such house', 404: 'No such household in your unit' })
  split(@Param('code', { schema: code }) householdCode: string, @Body({ schema: splitBody }) body: z.infer<typeof splitBody>, @CurrentPrincipal() p: Principal) {
    return this.households.split(actorOf(p), householdCode, body.residentIds, body.houseCode);
  }

  @Post(':code/leave')
  @HttpCode(200)
  @Roles(...WRITERS)
  @ApiOperation({ summary: '整户迁出 The whole household leaves the area on a date: each active member is recorded as left' })
  @ApiJsonResponse(200, 'The household, now without active members', householdViewSchema)
  @ApiErrorResponses({ 400: 'The date is missing or in the future, or nobody is left to leave', 404: 'No such household in your unit' })
  leave(@Param('code', { schema: code }) householdCode: string, @Body({ schema: leaveBody }) body: z.infer<typeof leaveBody>, @CurrentPrincipal() p: Principal): Promise<HouseholdView> {
    return this.households.leave(actorOf(p), householdCode, body.date, body.reason);
  }
}
