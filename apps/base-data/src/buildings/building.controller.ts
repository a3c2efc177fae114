import { Body, Controller, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { buildingPageSchema, buildingViewSchema, type BuildingPage, type BuildingView, type Principal } from '@gm/contracts';
import { CurrentPrincipal, RequestScope, Roles, ScopedBy } from '@gm/auth';
import { ApiErrorResponses, ApiJsonResponse } from '@gm/platform';
import { actorOf, code, limit, location, READERS, text, WRITERS } from '../records/http';
import { BuildingService } from './building.service';

const listQuery = z
  .object({
    unit: z.string().optional(),
    address: z.string().trim().min(2, 'address needs at least 2 characters').max(100).optional(),
    cursor: z.string().max(500).optional(),
    limit,
  })
  .strict();
const floors = z.number().int('floors is a whole number').min(1).max(200);
const createBody = z.object({ code: code.optional(), name: text(100), address: text(200), floors, location }).strict();
const patchBody = z
  .object({ name: text(100).optional(), address: text(200).optional(), floors: floors.optional() })
  .strict()
  .refine((b) => Object.keys(b).length > 0, 'name at least one of name, address, floors');

@ApiTags('buildings 楼栋')
@Controller('api/v1/buildings')
export class BuildingController {
  constructor(private readonly buildings: BuildingService) {}

  @Get()
  @Roles(...READERS)
  @ScopedBy({ in: 'query', name: 'unit' })
  @ApiQuery({ name: 'unit', required: false, description: 'Org unit (default: yours); must lie in your subtree' })
  @ApiOperation({ summary: '楼栋 Buildings of your unit by code, with their number of houses; by address; cursor pages' })
  @ApiJsonResponse(200, 'One page of buildings', buildingPageSchema)
  @ApiErrorResponses({ 400: 'A filter or the cursor is invalid', 403: 'The unit lies outside yours' })
  list(@RequestScope() scope: string, @Query({ schema: listQuery }) q: z.infer<typeof listQuery>): Promise<BuildingPage> {
    return this.buildings.list({ scope, address: q.address, cursor: q.cursor, limit: q.limit });
  }

  @Get(':code')
  @Roles(...READERS)
  @ApiOperation({ summary: '楼栋详情 One building; 404 outside your unit' })
  @ApiJsonResponse(200, 'The building', buildingViewSchema)
  @ApiErrorResponses({ 404: 'No such building in your unit' })
  get(@Param('code', { schema: code }) buildingCode: string, @CurrentPrincipal() p: Principal): Promise<BuildingView> {
    return this.buildings.get(p.orgUnit, buildingCode);
  }

  @Get(':code/history')
  @Roles(...READERS)
  @ApiOperation({ summary: '变更记录 Who changed what, and when (imports and hand-made changes)' })
  @ApiErrorResponses({ 404: 'No such record in your unit' })
  history(@Param('code', { schema: code }) buildingCode: string, @CurrentPrincipal() p: Principal) {
    return this.buildings.history(p.orgUnit, buildingCode);
  }

  @Post()
  @HttpCode(201)
  @Roles(...WRITERS)
  @ApiOperation({ summary: '楼栋登记 Register a building at a point of your unit (code `<grid code>-B<serial>`, the next serial when omitted)' })
  @ApiJsonResponse(201, 'The building', buildingViewSchema)
  @ApiErrorResponses({ 400: 'A field is invalid, the point lies outside your unit, or the code names another grid or is taken' })
  create(@Body({ schema: createBody }) body: z.infer<typeof createBody>, @CurrentPrincipal() p: Principal): Promise<BuildingView> {
    return this.buildings.create(actorOf(p), body);
  }

  @Patch(':code')
  @Roles(...WRITERS)
  @ApiOperation({ summary: '楼栋变更 Name, address, number of floors (not below its highest house); history kept, event published' })
  @ApiJsonResponse(200, 'The building after the change', buildingViewSchema)
  @ApiErrorResponses({ 400: 'A field is invalid', 404: 'No such building in your unit' })
  update(@Param('code', { schema: code }) buildingCode: string, @Body({ schema: patchBody }) body: z.infer<typeof patchBody>, @CurrentPrincipal() p: Principal): Promise<BuildingView> {
    return this.buildings.update(actorOf(p), buildingCode, body);
  }
}
