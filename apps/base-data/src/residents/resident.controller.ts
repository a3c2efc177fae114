import { Body, Controller, Get, Header, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { FOCUS_CLASSES, RESIDENCE_TYPES, RESIDENT_TAGS, residentPageSchema, residentViewSchema, type Principal, type ResidentPage, type ResidentView, type Role } from '@gm/contracts';
import { CurrentPrincipal, RequestScope, Roles, ScopedBy } from '@gm/auth';
import { ApiErrorResponses, ApiJsonResponse } from '@gm/platform';
import { ResidentService } from './resident.service';

const READERS: Role[] = ['grid-worker', 'grid-leader', 'community-staff', 'street-staff', 'district-staff'];
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

const roleOf = (p: Principal, allowed: readonly Role[]) => p.roles.find((r) => allowed.includes(r)) ?? p.roles[0] ?? 'unknown';

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
    return this.residents.clearRead(p, roleOf(p, ['community-staff', 'street-staff', 'district-staff']), id, body.fields, body.reason);
  }

  @Patch(':id')
  @Roles('grid-worker', 'grid-leader', 'community-staff')
  @ApiOperation({ summary: '更新人口信息 Update phone, tags, focus class, residence type or party membership (history kept, event published)' })
  @ApiJsonResponse(200, 'The resident after the change (masked)', residentViewSchema)
  update(@Param('id', { schema: z.uuid('id must be a UUID') }) id: string, @Body({ schema: patchBody }) body: z.infer<typeof patchBody>, @CurrentPrincipal() p: Principal): Promise<ResidentView> {
    return this.residents.update(p, roleOf(p, ['grid-worker', 'grid-leader', 'community-staff']), id, body);
  }
}
