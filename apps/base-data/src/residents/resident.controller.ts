import { Body, Controller, Get, Header, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { FOCUS_CLASSES, RESIDENCE_TYPES, RESIDENT_STATUSES, RESIDENT_TAGS, residentPageSchema, residentViewSchema, type Principal, type ResidentPage, type ResidentView } from '@gm/contracts';
import { CurrentPrincipal, RequestScope, Roles, ScopedBy } from '@gm/auth';
import { ApiErrorResponses, ApiJsonResponse } from '@gm/platform';
import { actorOf, READERS, WRITERS } from '../records/http';
import { addBody, endBody, moveBody } from './resident-bodies';
import { ResidentService } from './resident.service';

const tag = z.enum(RESIDENT_TAGS);

const filters = {
  name: z.string().trim().min(1).max(50).optional(),
  address: z.string().trim().min(2, 'address needs at least 2 characters').max(100).optional(),
  tags: z
    .string()
    .transform((v) => v.split(',').map((s) => s.trim()).filter(Boolean))
    .pipe(z.array(tag))
    .optional(),
  focusClass: z.enum(FOCUS_CLASSES).optional(),
  residenceType: z.enum(RESIDENCE_TYPES).optional(),
  status: z.enum(RESIDENT_STATUSES).default('active'),
  cursor: z.string().max(500).optional(),
  limit: z.coerce.number().int().min(1, 'limit must be 1–200').max(200, 'limit must be 1–200').default(50),
};

// Identifiers never travel in a URL (proxies and browsers log URLs): they are searched by POST.
const listQuery = z
  .object({ unit: z.string().optional(), ...filters })
  .catchall(z.unknown())
  .superRefine((q, ctx) => {
    for (const key of ['idNumber', 'phone']) {
      if (key in q) ctx.addIssue({ code: 'custom', path: [key], message: 'send ID and phone numbers in the body of POST /api/v1/residents/search, never in a URL' });
    }
  });

const searchBody = z
  .object({
    ...filters,
    tags: z.array(tag).optional(),
    limit: z.number().int().min(1, 'limit must be 1–200').max(200, 'limit must be 1–200').default(50),
    idNumber: z.string().trim().regex(/^\d{17}[\dXx]$/, 'idNumber must be a whole 18-character ID number (exact match)').optional(),
    phone: z.string().trim().regex(/^[\d+ -]{7,20}$/, 'phone must be a whole phone number (exact match)').optional(),
  })
  .strict();

const clearReadBody = z
  .object({
    fields: z.array(z.enum(['idNumber', 'phone'])).min(1).max(2),
    reason: z.string().trim().min(5, 'reason must say why, in at least 5 characters').max(500),
  })
  .strict();

const patchBody = z
  .object({
    phone: z.string().trim().max(20).nullable().optional(),
    tags: z.array(tag).max(RESIDENT_TAGS.length).optional(),
    focusClass: z.enum(FOCUS_CLASSES).optional(),
    residenceType: z.enum(RESIDENCE_TYPES).optional(),
    partyMember: z.boolean().optional(),
  })
  .strict();

@ApiTags('residents 人口')
@Controller('api/v1/residents')
export class ResidentController {
  constructor(private readonly residents: ResidentService) {}

  @Get()
  @Roles(...READERS)
  @ScopedBy({ in: 'query', name: 'unit' })
  @ApiQuery({ name: 'unit', required: false, description: 'Org unit (default: yours); must lie in your subtree' })
  @ApiOperation({
    summary: '人口查询 Residents in your org unit: by name (prefix), exact ID or phone number, address, focus tags',
    description: 'ID and phone numbers are masked in every response. Cursor pagination: pass nextCursor back as cursor.',
  })
  @ApiJsonResponse(200, 'One page of residents, by name', residentPageSchema)
  @ApiErrorResponses({ 400: 'A filter or the cursor is invalid, or an identifier was sent in the URL', 403: 'The unit lies outside yours' })
  list(@RequestScope() scope: string, @Query({ schema: listQuery }) q: z.infer<typeof listQuery>): Promise<ResidentPage> {
    return this.residents.list({
      scope,
      name: q.name,
      address: q.address,
      tags: q.tags,
      focusClass: q.focusClass,
      residenceType: q.residenceType,
      status: q.status,
      cursor: q.cursor,
      limit: q.limit,
    });
  }

  @Post('search')
  @HttpCode(200)
  @Roles(...READERS)
  @ScopedBy({ in: 'query', name: 'unit' })
  @ApiQuery({ name: 'unit', required: false, description: 'Org unit (default: yours); must lie in your subtree' })
  @ApiOperation({
    summary: '按证件号/电话精确查找 Search by exact ID or phone number (and the list filters), in the body',
    description: 'Identifiers are matched through keyed hashes and never appear in URLs or logs; results are masked.',
  })
  @ApiJsonResponse(200, 'One page of residents, by name', residentPageSchema)
  search(@RequestScope() scope: string, @Body({ schema: searchBody }) body: z.infer<typeof searchBody>): Promise<ResidentPage> {
    return this.residents.list({ ...body, scope });
  }

  @Post()
  @HttpCode(201)
  @Roles(...WRITERS)
  @ApiOperation({
    summary: '新增人口 Register a resident in a household of your unit (a birth, someone moving in)',
    description:
      'Sex and birth date come from the ID number (checked: format, date, check digit). A person already registered answers 409 RESIDENT.ALREADY_REGISTERED; ' +
      'someone recorded as having left who comes back gets their old record again. History kept, `gm.resident.changed.v1` published (fields named, no values).',
  })
  @ApiJsonResponse(201, 'The resident as registered (masked)', residentViewSchema)
  @ApiErrorResponses({ 400: 'A field is invalid, or the household is not one of your unit', 409: 'The person is already registered, or recorded as deceased' })
  add(@Body({ schema: addBody }) body: z.infer<typeof addBody>, @CurrentPrincipal() p: Principal): Promise<ResidentView> {
    return this.residents.add(actorOf(p), body);
  }

  @Post(':id/move')
  @HttpCode(200)
  @Roles(...WRITERS)
  @ApiOperation({ summary: '人户迁移 Move a resident to another household of your unit (the grid follows the household)' })
  @ApiJsonResponse(200, 'The resident after the move (masked)', residentViewSchema)
  @ApiErrorResponses({ 400: 'Unknown household, or the one the resident lives in', 404: 'No such resident in your unit', 409: 'The resident has left or died' })
  move(@Param('id', { schema: z.uuid('id must be a UUID') }) id: string, @Body({ schema: moveBody }) body: z.infer<typeof moveBody>, @CurrentPrincipal() p: Principal): Promise<ResidentView> {
    return this.residents.move(actorOf(p), id, body.householdCode, body.relation);
  }

  @Post(':id/leave')
  @HttpCode(200)
  @Roles(...WRITERS)
  @ApiOperation({ summary: '迁出 The resident left the area on a date; the record stays (status left), out of the lists' })
  @ApiJsonResponse(200, 'The resident, now left (masked)', residentViewSchema)
  @ApiErrorResponses({ 400: 'The date is missing, in the future or before the birth date', 404: 'No such resident in your unit', 409: 'The resident has already left or died' })
  leave(@Param('id', { schema: z.uuid('id must be a UUID') }) id: string, @Body({ schema: endBody }) body: z.infer<typeof endBody>, @CurrentPrincipal() p: Principal): Promise<ResidentView> {
    return this.residents.end(actorOf(p), id, 'left', body.date, body.reason);
  }

  @Post(':id/deceased')
  @HttpCode(200)
  @Roles(...WRITERS)
  @ApiOperation({ summary: '死亡注销 The resident died on a date; the record stays (status deceased), out of the lists' })
  @ApiJsonResponse(200, 'The resident, now deceased (masked)', residentViewSchema)
  @ApiErrorResponses({ 400: 'The date is missing, in the future or before the birth date', 404: 'No such resident in your unit', 409: 'The resident has already left or died' })
  deceased(@Param('id', { schema: z.uuid('id must be a UUID') }) id: string, @Body({ schema: endBody }) body: z.infer<typeof endBody>, @CurrentPrincipal() p: Principal): Promise<ResidentView> {
    return this.residents.end(actorOf(p), id, 'deceased', body.date, body.reason);
  }

  @Get(':id')
  @Roles(...READERS)
  @ApiOperation({ summary: '人口详情 One resident (masked); 404 outside your org unit' })
  @ApiJsonResponse(200, 'The resident (masked)', residentViewSchema)
  @ApiErrorResponses({ 404: 'No such resident in your org unit' })
  get(@Param('id', { schema: z.uuid('id must be a UUID') }) id: string, @CurrentPrincipal() p: Principal): Promise<ResidentView> {
    return this.residents.get(p.orgUnit, id);
  }

  @Get(':id/history')
  @Roles(...READERS)
  @ApiOperation({ summary: '变更记录 Who changed what, and when' })
  history(@Param('id', { schema: z.uuid('id must be a UUID') }) id: string, @CurrentPrincipal() p: Principal) {
    return this.residents.history(p.orgUnit, id);
  }

  @Post(':id/clear-read')
  @HttpCode(200)
  @Roles('community-staff', 'street-staff', 'district-staff')
  @Header('cache-control', 'no-store')
  @ApiOperation({ summary: '查看完整证件号/电话 Read the clear ID or phone number, with a reason; audited (who, whom, when, why)' })
  clearRead(@Param('id', { schema: z.uuid('id must be a UUID') }) id: string, @Body({ schema: clearReadBody }) body: z.infer<typeof clearReadBody>, @CurrentPrincipal() p: Principal) {
    return this.residents.clearRead(p, actorOf(p, ['community-staff', 'street-staff', 'district-staff']).role, id, body.fields, body.reason);
  }

  @Patch(':id')
  @Roles(...WRITERS)
  @ApiOperation({ summary: '更新人口信息 Update phone, tags, focus class, residence type or party membership (history kept, event published)' })
  @ApiJsonResponse(200, 'The resident after the change (masked)', residentViewSchema)
  update(@Param('id', { schema: z.uuid('id must be a UUID') }) id: string, @Body({ schema: patchBody }) body: z.infer<typeof patchBody>, @CurrentPrincipal() p: Principal): Promise<ResidentView> {
    return this.residents.update(actorOf(p), id, body);
  }
}
