import { z } from 'zod';
import { attachmentKeySchema } from '../cases/report-case';

/** `POST /api/v1/attachments`: where and how to upload the announced file, and until when. */
export const attachmentUploadSchema = z
  .object({
    key: attachmentKeySchema.describe("Name it in a report's evidence once uploaded"),
    upload: z
      .object({ method: z.literal('PUT'), url: z.url(), headers: z.object({ 'content-type': z.string() }).strict().describe('Send exactly these') })
      .strict(),
    expiresAt: z.iso.datetime({ offset: true }),
  })
  .strict();
export type AttachmentUpload = z.infer<typeof attachmentUploadSchema>;

/** `GET /api/v1/attachments/link`: a short-lived link to read an attachment (for an `<img>`, which cannot send a token). */
export const attachmentLinkSchema = z.object({ url: z.url(), expiresAt: z.iso.datetime({ offset: true }) }).strict();
export type AttachmentLink = z.infer<typeof attachmentLinkSchema>;
