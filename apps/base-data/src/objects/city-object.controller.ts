import { Body, Controller, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { cityObjectPageSchema, cityObjectViewSchema, OBJECT_STATES, type CityObjectPage, type CityObjectView, type Principal } from '@gm/contracts';
import { CurrentPrincipal, RequestScope, Roles, ScopedBy } from '@gm/auth';
import { ApiErrorResponses, ApiJsonResponse } from '@gm/platform';
import { actorOf, code, limit, location, READERS, text, WRITERS } from '../records/http';
import { CityObjectService } from './city-object.service';

const classCode = z.string().regex(/^\d{4}$/, 'classCode is the four-digit object class (e.g. 0302)');

const listQuery = z
  .object({
    unit: z.string().optional(),
    state: z.enum(OBJECT_STATES).optional(),
    classCode: classCode.optional(),
    cursor: z.string().max(500).optional(),
    limit,
  })
  .strict();

const createBody = z
  .object({
    code: code.optional(),
    classCode,
    name: text(60),
    ownerDepartment: text(60),
    maintainer: text(60),
    state: z.enum(OBJECT_STATES).default('normal'),
    location,
  })
  .strict();

const patchBody = z
  .object({ name: text(60).optional(), state: z.enum(OBJECT_STATES).optional(), ownerDepartment: text(60).optional(), maintainer: text(60).optional() })
  .strict()
  .refine((b) => Object.keys(b).length > 0, 'name at least one of name, state, ownerDepartment, maintainer');

@ApiTags('objects 部件')
@Controller('api/v1/objects')
export class CityObjectController {
  constructor(private readonly objects: CityObjectService) {}

  @Get()
  @Roles(...READERS)
  @ScopedBy({ in: 'query', name: 'unit' })
  @ApiQuery({ name: 'unit', required: false, description: 'Org unit (default: yours); must lie in your subtree' })
  @ApiOperation({ summary: '部件 City objects of your unit by code; by state or class; cursor pages' })
  @ApiJsonResponse(200, 'One page of objects', cityObjectPageSchema)
  @ApiErrorResponses({ 400: 'A filter or the cursor is invalid', 403: 'The unit lies outside yours' })
  list(@RequestScope() scope: string, @Query({ schema: listQuery }) q: z.infer<typeof listQuery>): Promise<CityObjectPage> {
    return this.objects.list({ scope, state: q.state, classCode: q.classCode, cursor: q.cursor, limit: q.limit });
  }

  @Get(':code')
  @Roles(...READERS)
  @ApiOperation({ summary: '部件详情 One object; 404 outside your unit' })
  @ApiJsonResponse(200, 'The object', cityObjectViewSchema)
  @ApiErrorResponses({ 404: 'No such object in your unit' })
  get(@Param('code', { schema: code }) objectCode: string, @CurrentPrincipal() p: Principal): Promise<CityObjectView> {
    return this.objects.get(p.orgUnit, objectCode);
  }

  @Get(':code/history')
  @Roles(...READERS)
  @ApiOperation({ summary: '变更记录 Who changed what, and when (imports and hand-made changes)' })
  @ApiErrorResponses({ 404: 'No such record in your unit' })
  history(@Param('code', { schema: code }) objectCode: string, @CurrentPrincipal() p: Principal) {
    return this.objects.history(p.orgUnit, objectCode);
  }

  @Post()
  @HttpCode(201)
  @Roles(...WRITERS)
  @ApiOperation({
    summary: '部件登记 Register an object at a point of your unit',
    description: 'gis places the point in its grid. The code is `<grid code>-<class>-<4-digit serial>`; given, it must name that grid and class; omitted, the next serial is taken.',
  })
  @ApiJsonResponse(201, 'The object', cityObjectViewSchema)
  @ApiErrorResponses({ 400: 'A field is invalid, the point lies outside your unit, or the code names another grid or class or is taken' })
  create(@Body({ schema: createBody }) body: z.infer<typeof createBody>, @CurrentPrincipal() p: Principal): Promise<CityObjectView> {
    return this.objects.create(actorOf(p), body);
  }

  @Patch(':code')
  @Roles(...WRITERS)
  @ApiOperation({ summary: '部件变更 State (normal, damaged, lost, removed), owner department, maintainer or name; history kept, event published' })
  @ApiJsonResponse(200, 'The object after the change', cityObjectViewSchema)
  @ApiErrorResponses({ 400: 'A field is invalid', 404: 'No such object in your unit' })
  update(@Param('code', { schema: code }) objectCode: string, @Body({ schema: patchBody }) body: z.infer<typeof patchBody>, @CurrentPrincipal() p: Principal): Promise<CityObjectView> {
    return this.objects.update(actorOf(p), objectCode, body);
  }
}
