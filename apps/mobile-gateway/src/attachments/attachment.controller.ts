import { Body, Controller, Get, HttpCode, Post, Query, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { attachmentKeySchema, attachmentLinkSchema, attachmentUploadSchema, orgUnitCodeSchema, type AttachmentLink, type AttachmentUpload, type Principal } from '@gm/contracts';
import { CurrentPrincipal, Roles } from '@gm/auth';
import { ApiErrorResponses, ApiJsonResponse } from '@gm/platform';
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
  @ApiJsonResponse(201, 'Upload within 15 minutes', attachmentUploadSchema)
  @ApiErrorResponses({ 400: 'A type that may not be uploaded, or larger than this tier allows', 503: 'This tier has no attachment storage, or it does not answer' })
  announce(@Body({ schema: announceBody }) body: z.infer<typeof announceBody>, @CurrentPrincipal() principal: Principal): Promise<AttachmentUpload> {
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

  @Get('link')
  @Roles(...STAFF, 'admin', 'auditor')
  @ApiOperation({
    summary: '附件链接 A short-lived link to an attachment, as JSON (for pages: an <img> cannot send a token)',
    description: 'The same attachment and the same rules as GET /api/v1/attachments/content, answered with the link instead of a redirect.',
  })
  @ApiJsonResponse(200, 'Valid for 5 minutes', attachmentLinkSchema)
  @ApiErrorResponses({ 404: 'No such attachment (at the tier named)', 503: 'The tier holding it cannot be reached now and no copy is kept here' })
  link(@Query({ schema: contentQuery }) q: z.infer<typeof contentQuery>): Promise<AttachmentLink> {
    return this.attachments.readLink(q.key, q.tier);
  }
}
