import { Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { inboxPageSchema, inboxQuerySchema, inboxReadAllSchema, ROLES, type Principal } from '@gm/contracts';
import { CurrentPrincipal, Roles } from '@gm/auth';
import { ApiErrorResponses, ApiJsonResponse } from '@gm/platform';
import { InboxService } from './inbox.service';

const idParam = z.string().regex(/^\d{1,18}$/, 'id must be a message id (digits)');

@ApiTags('inbox 站内消息')
@Controller('api/v1/inbox')
@Roles(...ROLES)
export class InboxController {
  constructor(private readonly inbox: InboxService) {}

  @Get()
  @ApiOperation({ summary: '我的消息 Your messages, newest first: status changes of the cases you reported, work orders (a department user also sees its department\'s)' })
  @ApiJsonResponse(200, 'One page, with the unread count', inboxPageSchema)
  list(@Query({ schema: inboxQuerySchema }) q: z.output<typeof inboxQuerySchema>, @CurrentPrincipal() principal: Principal) {
    return this.inbox.list(principal, q);
  }

  @Post('read-all')
  @HttpCode(200)
  @ApiOperation({ summary: '全部已读 Mark every message read' })
  @ApiJsonResponse(200, 'How many were marked', inboxReadAllSchema)
  readAll(@CurrentPrincipal() principal: Principal) {
    return this.inbox.readAll(principal);
  }

  @Post(':id/read')
  @HttpCode(204)
  @ApiOperation({ summary: '标为已读 Mark one message read' })
  @ApiErrorResponses({ 404: 'No such message in your inbox' })
  async read(@Param('id', { schema: idParam }) id: string, @CurrentPrincipal() principal: Principal): Promise<void> {
    await this.inbox.read(principal, id);
  }
}
