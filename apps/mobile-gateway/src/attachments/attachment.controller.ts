import { Body, Controller, Get, HttpCode, Post, Query, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { attachmentKeySchema, orgUnitCodeSchema, type Principal } from '@gm/contracts';
import { CurrentPrincipal, Roles } from '@gm/auth';
import { ATTACHMENT_TYPES, AttachmentService, type AttachmentType } from './attachment.service';

const TYPES = Object.keys(ATTACHMENT_TYPES) as [AttachmentType, ...AttachmentType[]];
const announceBody = z
  .object({
    contentType: z.enum(TYPES, `contentType must be one of: ${TYPES.join(', ')}`),
    sizeBytes: z.number().int('sizeBytes must be a whole number').positive('sizeBytes must be positive'),
  })
  .strict();

const contentQuery = z
  .object({
    key: attachmentKeySchema,
    tier: orgUnitCodeSchema.optional().describe('The tier that holds the attachment (default: this tier)'),
  })
  .strict();

const STAFF = ['grid-worker', 'grid-leader', 'community-staff', 'street-staff', 'district-staff', 'department'] as const;

@ApiTags('attachments 附件')
@Controller('api/v1/attachments')
export class AttachmentController {
  constructor(private readonly attachments: AttachmentService) {}

  @Post()
  @HttpCode(201)
  @Roles(...STAFF)
  @ApiOperation({
    summary: '上传附件 Announce a photo (or video, audio, PDF) and get a link to upload it',
    description: 'PUT the file to upload.url with the given headers within 15 minutes, then name the key in a report\'s evidence.',
  })
  announce(@Body({ schema: announceBody }) body: z.infer<typeof announceBody>, @CurrentPrincipal() principal: Principal) {
    return this.attachments.announce(principal, body.contentType, body.sizeBytes);
  }

  @Get('content')
  @Roles(...STAFF, 'admin', 'auditor')
  @ApiOperation({
    summary: '查看附件 Redirect to a short-lived link to an attachment',
    description:
      'Without `tier`, or with this tier\'s code: an attachment uploaded here. With the code of a tier above or below this one ' +
      '(a case\'s timeline names the tier of each entry): that tier\'s attachment, fetched from it on the first read and kept here. ' +
      '404 when the holder has no such attachment; 503 when the holder cannot be reached now and no copy is kept here yet.',
  })
  async content(@Query({ schema: contentQuery }) q: z.infer<typeof contentQuery>, @Res() reply: FastifyReply) {
    return reply.redirect(await this.attachments.readUrl(q.key, q.tier), 302);
  }
}
