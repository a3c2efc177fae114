import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { noticeCreateSchema, noticePageSchema, noticeQuerySchema, noticeReceiptsSchema, noticeReturnSchema, noticeViewSchema, type NoticeView, type Principal } from '@gm/contracts';
import { CurrentPrincipal, Roles } from '@gm/auth';
import { ApiErrorResponses, ApiJsonResponse } from '@gm/platform';
import { NoticeService, PUBLISHERS } from './notice.service';

const idParam = z.uuid('id must be a notice id (UUID)');

@ApiTags('notices 通知公告')
@Controller('api/v1/notices')
@Roles('grid-worker', 'grid-leader', 'community-staff', 'street-staff', 'district-staff', 'admin', 'auditor')
export class NoticeController {
  constructor(private readonly notices: NoticeService) {}

  @Get()
  @ApiOperation({ summary: '通知公告 Notices addressed to you (box=received, with unread counts), or published in your area (box=published)' })
  @ApiJsonResponse(200, 'One page', noticePageSchema)
  list(@Query({ schema: noticeQuerySchema }) q: z.output<typeof noticeQuerySchema>, @CurrentPrincipal() principal: Principal) {
    return this.notices.list(principal, q);
  }

  @Post()
  @HttpCode(201)
  @Roles(...PUBLISHERS)
  @ApiOperation({ summary: '发布通知 Publish a notice to units of your area (all by default) and optionally some roles; it may ask each unit for a return by a deadline' })
  @ApiJsonResponse(201, 'The notice', noticeViewSchema)
  @ApiErrorResponses({ 400: 'A unit outside your area or unknown, a deadline in the past, a field too long' })
  publish(@Body({ schema: noticeCreateSchema }) body: z.output<typeof noticeCreateSchema>, @CurrentPrincipal() principal: Principal): Promise<NoticeView> {
    return this.notices.publish(principal, body);
  }

  @Get(':id')
  @ApiOperation({ summary: '通知详情 One notice (reading it does not mark it read: POST …/read does)' })
  @ApiJsonResponse(200, 'The notice', noticeViewSchema)
  @ApiErrorResponses({ 404: 'No such notice for you' })
  get(@Param('id', { schema: idParam }) id: string, @CurrentPrincipal() principal: Principal) {
    return this.notices.get(principal, id);
  }

  @Post(':id/read')
  @HttpCode(200)
  @ApiOperation({ summary: '已读回执 Mark the notice read (the first read counts)' })
  @ApiJsonResponse(200, 'The notice', noticeViewSchema)
  @ApiErrorResponses({ 404: 'No such notice for you' })
  read(@Param('id', { schema: idParam }) id: string, @CurrentPrincipal() principal: Principal) {
    return this.notices.read(principal, id);
  }

  @Post(':id/return')
  @HttpCode(200)
  @ApiOperation({ summary: '上报材料 Submit your unit\'s return (a later one replaces it; after the deadline it is marked late)' })
  @ApiJsonResponse(200, 'The notice', noticeViewSchema)
  @ApiErrorResponses({ 400: 'A field is invalid', 404: 'No such notice for you', 409: 'The notice asks for no return' })
  submitReturn(@Param('id', { schema: idParam }) id: string, @Body({ schema: noticeReturnSchema }) body: z.output<typeof noticeReturnSchema>, @CurrentPrincipal() principal: Principal) {
    return this.notices.submitReturn(principal, id, body);
  }

  @Get(':id/receipts')
  @ApiOperation({ summary: '回执与上报 Who read it, per unit and per person, and each unit\'s return (for the publishing unit and above)' })
  @ApiJsonResponse(200, 'Receipts', noticeReceiptsSchema)
  @ApiErrorResponses({ 404: 'No such notice published in your area' })
  receipts(@Param('id', { schema: idParam }) id: string, @CurrentPrincipal() principal: Principal) {
    return this.notices.receipts(principal, id);
  }
}
