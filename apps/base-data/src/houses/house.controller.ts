import { Body, Controller, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { HOUSE_ROOM, HOUSE_USES, housePageSchema, houseViewSchema, type HousePage, type HouseView, type Principal } from '@gm/contracts';
import { CurrentPrincipal, RequestScope, Roles, ScopedBy } from '@gm/auth';
import { ApiErrorResponses, ApiJsonResponse } from '@gm/platform';
import { actorOf, code, limit, READERS, WRITERS } from '../records/http';
import { HouseService } from './house.service';

const listQuery = z
  .object({
    unit: z.string().optional(),
    use: z.enum(HOUSE_USES).optional(),
    buildingCode: code.optional(),
    cursor: z.string().max(500).optional(),
    limit,
  })
  .strict();

const patchBody = z.object({ use: z.enum(HOUSE_USES) }).strict();
const createBody = z
  .object({
    buildingCode: code,
    floor: z.number().int('floor is a whole number').min(-5).max(200),
    room: z.string().trim().regex(HOUSE_ROOM, 'room is 1–10 letters, digits or dashes, e.g. 1203'),
    areaM2: z.number().positive('areaM2 must be more than 0').max(100_000),
    use: z.enum(HOUSE_USES),
  })
  .strict();

@ApiTags('houses 房屋')
@Controller('api/v1/houses')
export class HouseController {
  constructor(private readonly houses: HouseService) {}

  @Get()
  @Roles(...READERS)
  @ScopedBy({ in: 'query', name: 'unit' })
  @ApiQuery({ name: 'unit', required: false, description: 'Org unit (default: yours); must lie in your subtree' })
  @ApiOperation({ summary: '房屋 Houses of your unit with their households and active residents, by code; by use or building; cursor pages' })
  @ApiJsonResponse(200, 'One page of houses', housePageSchema)
  @ApiErrorResponses({ 400: 'A filter or the cursor is invalid', 403: 'The unit lies outside yours' })
  list(@RequestScope() scope: string, @Query({ schema: listQuery }) q: z.infer<typeof listQuery>): Promise<HousePage> {
    return this.houses.list({ scope, use: q.use, buildingCode: q.buildingCode, cursor: q.cursor, limit: q.limit });
  }

  @Get(':code')
  @Roles(...READERS)
  @ApiOperation({ summary: '房屋详情 One house; 404 outside your unit' })
  @ApiJsonResponse(200, 'The house', houseViewSchema)
  @ApiErrorResponses({ 404: 'No such house in your unit' })
  get(@Param('code', { schema: code }) houseCode: string, @CurrentPrincipal() p: Principal): Promise<HouseView> {
    return this.houses.get(p.orgUnit, houseCode);
  }

  @Get(':code/history')
  @Roles(...READERS)
  @ApiOperation({ summary: '变更记录 Who changed what, and when (imports and hand-made changes)' })
  @ApiErrorResponses({ 404: 'No such record in your unit' })
  history(@Param('code', { schema: code }) houseCode: string, @CurrentPrincipal() p: Principal) {
    return this.houses.history(p.orgUnit, houseCode);
  }

  @Post()
  @HttpCode(201)
  @Roles(...WRITERS)
  @ApiOperation({ summary: '房屋登记 Register a house in a building of your unit (code `<building code>-<room>`)' })
  @ApiJsonResponse(201, 'The house', houseViewSchema)
  @ApiErrorResponses({ 400: 'A field is invalid, no such building in your unit, a floor above its top, or the room exists' })
  create(@Body({ schema: createBody }) body: z.infer<typeof createBody>, @CurrentPrincipal() p: Principal): Promise<HouseView> {
    return this.houses.create(actorOf(p), body);
  }

  @Patch(':code')
  @Roles(...WRITERS)
  @ApiOperation({ summary: '房屋用途 Set the use of a house (owner-occupied, rented, vacant, commercial); history kept, event published' })
  @ApiJsonResponse(200, 'The house after the change', houseViewSchema)
  @ApiErrorResponses({ 400: 'Not a use', 404: 'No such house in your unit' })
  update(@Param('code', { schema: code }) houseCode: string, @Body({ schema: patchBody }) body: z.infer<typeof patchBody>, @CurrentPrincipal() p: Principal): Promise<HouseView> {
    return this.houses.setUse(actorOf(p), houseCode, body.use);
  }
}
