import { Body, Controller, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { ORGANISATION_TYPES, organisationPageSchema, organisationViewSchema, type OrganisationPage, type OrganisationView, type Principal } from '@gm/contracts';
import { CurrentPrincipal, RequestScope, Roles, ScopedBy } from '@gm/auth';
import { ApiErrorResponses, ApiJsonResponse } from '@gm/platform';
import { actorOf, code, limit, location, READERS, text, WRITERS } from '../records/http';
import { OrganisationService } from './organisation.service';

const listQuery = z
  .object({
    unit: z.string().optional(),
    type: z.enum(ORGANISATION_TYPES).optional(),
    name: z.string().trim().min(1).max(50).optional(),
    cursor: z.string().max(500).optional(),
    limit,
  })
  .strict();

const fields = {
  name: text(100),
  type: z.enum(ORGANISATION_TYPES),
  address: text(200),
  contactName: z.string().trim().max(50).nullable().optional(),
  contactPhone: z.string().trim().max(20).nullable().optional(),
};
const createBody = z.object({ code: code.optional(), ...fields, location }).strict();
const patchBody = z
  .object({ name: fields.name.optional(), type: fields.type.optional(), address: fields.address.optional(), contactName: fields.contactName, contactPhone: fields.contactPhone })
  .strict()
  .refine((b) => Object.keys(b).length > 0, 'name at least one field to change');

@ApiTags('organisations 单位组织')
@Controller('api/v1/organisations')
export class OrganisationController {
  constructor(private readonly organisations: OrganisationService) {}

  @Get()
  @Roles(...READERS)
  @ScopedBy({ in: 'query', name: 'unit' })
  @ApiQuery({ name: 'unit', required: false, description: 'Org unit (default: yours); must lie in your subtree' })
  @ApiOperation({ summary: '单位组织 Organisations of your unit by code; by type or name; cursor pages; contact phones masked' })
  @ApiJsonResponse(200, 'One page of organisations', organisationPageSchema)
  @ApiErrorResponses({ 400: 'A filter or the cursor is invalid', 403: 'The unit lies outside yours' })
  list(@RequestScope() scope: string, @Query({ schema: listQuery }) q: z.infer<typeof listQuery>): Promise<OrganisationPage> {
    return this.organisations.list({ scope, type: q.type, name: q.name, cursor: q.cursor, limit: q.limit });
  }

  @Get(':code')
  @Roles(...READERS)
  @ApiOperation({ summary: '单位详情 One organisation; 404 outside your unit' })
  @ApiJsonResponse(200, 'The organisation', organisationViewSchema)
  @ApiErrorResponses({ 404: 'No such organisation in your unit' })
  get(@Param('code', { schema: code }) orgCode: string, @CurrentPrincipal() p: Principal): Promise<OrganisationView> {
    return this.organisations.get(p.orgUnit, orgCode);
  }

  @Get(':code/history')
  @Roles(...READERS)
  @ApiOperation({ summary: '变更记录 Who changed what, and when (imports and hand-made changes)' })
  @ApiErrorResponses({ 404: 'No such record in your unit' })
  history(@Param('code', { schema: code }) orgCode: string, @CurrentPrincipal() p: Principal) {
    return this.organisations.history(p.orgUnit, orgCode);
  }

  @Post()
  @HttpCode(201)
  @Roles(...WRITERS)
  @ApiOperation({ summary: '单位登记 Register an organisation at a point of your unit (code `<grid code>-ORG<serial>`, the next serial when omitted)' })
  @ApiJsonResponse(201, 'The organisation', organisationViewSchema)
  @ApiErrorResponses({ 400: 'A field is invalid, the point lies outside your unit, or the code names another grid or is taken' })
  create(@Body({ schema: createBody }) body: z.infer<typeof createBody>, @CurrentPrincipal() p: Principal): Promise<OrganisationView> {
    return this.organisations.create(actorOf(p), body);
  }

  @Patch(':code')
  @Roles(...WRITERS)
  @ApiOperation({ summary: '单位变更 Name, type, address, contact (null clears it); history kept, event published' })
  @ApiJsonResponse(200, 'The organisation after the change', organisationViewSchema)
  @ApiErrorResponses({ 400: 'A field is invalid', 404: 'No such organisation in your unit' })
  update(@Param('code', { schema: code }) orgCode: string, @Body({ schema: patchBody }) body: z.infer<typeof patchBody>, @CurrentPrincipal() p: Principal): Promise<OrganisationView> {
    return this.organisations.update(actorOf(p), orgCode, body);
  }
}
