import { z } from 'zod';
import { roleSchema } from '../auth/roles';
import { orgUnitCodeSchema } from '../cases/case-values';
import { attachmentKeySchema } from '../cases/report-case';

/**
 * Notices (通知公告) and returns (上报材料): a tier publishes a notice to units of its subtree (all, or
 * some) and optionally to some roles only; each recipient unit and person gets a read receipt; a
 * notice may ask every recipient unit for a return by a deadline.
 */
const iso = z.iso.datetime({ offset: true, message: 'an ISO 8601 time with its offset, e.g. 2026-12-20T18:00:00+08:00' });

export const noticeCreateSchema = z
  .object({
    title: z.string().trim().min(1, 'title is required').max(100, 'title: at most 100 characters'),
    body: z.string().trim().min(1, 'body is required').max(5000, 'body: at most 5000 characters'),
    audience: z
      .object({
        units: z.array(orgUnitCodeSchema).max(500).default([]).describe('Units of your subtree that receive it (their staff and everyone below); empty: every unit below yours'),
        roles: z.array(roleSchema).max(8).default([]).describe('Only people with one of these roles; empty: everyone'),
      })
      .strict()
      .default({ units: [], roles: [] }),
    returnRequest: z
      .object({
        instructions: z.string().trim().min(1, 'returnRequest.instructions is required').max(1000),
        deadline: iso.describe('By when each recipient unit returns what is asked'),
      })
      .strict()
      .optional()
      .describe('Ask each recipient unit for a return (上报材料)'),
  })
  .strict();
export type NoticeCreateBody = z.input<typeof noticeCreateSchema>;

export const noticeReturnSchema = z
  .object({
    text: z.string().trim().min(1, 'text is required').max(5000),
    attachments: z.array(attachmentKeySchema).max(20, 'at most 20 attachments').default([]),
  })
  .strict();

export const noticeQuerySchema = z
  .object({
    box: z.enum(['received', 'published']).default('received').describe('received: notices addressed to you; published: those published in your area'),
    unread: z.enum(['true', 'false']).transform((v) => v === 'true').optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
    offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
  })
  .strict();

export const noticeViewSchema = z
  .object({
    id: z.uuid(),
    title: z.string(),
    body: z.string(),
    publisherUnit: z.string(),
    publishedBy: z.string(),
    publishedAt: iso,
    audience: z.object({ units: z.array(z.string()), roles: z.array(z.string()) }).strict(),
    returnRequest: z.object({ instructions: z.string(), deadline: iso }).strict().nullable(),
    /** For a recipient: when you read it (null: unread), your receipt unit and its return. */
    readAt: iso.nullable(),
    receiptUnit: z.string().nullable(),
    unitReturn: z.object({ submittedAt: iso, submittedBy: z.string(), late: z.boolean() }).strict().nullable(),
  })
  .strict();
export type NoticeView = z.infer<typeof noticeViewSchema>;
export const noticePageSchema = z.object({ items: z.array(noticeViewSchema), total: z.number().int(), unread: z.number().int(), limit: z.number().int(), offset: z.number().int() }).strict();

export const noticeReceiptsSchema = z
  .object({
    noticeId: z.uuid(),
    units: z.array(
      z
        .object({
          unit: z.string(),
          name: z.string().nullable(),
          firstReadAt: iso.nullable(),
          readers: z.number().int(),
          return: z.object({ text: z.string(), attachments: z.array(z.string()), submittedBy: z.string(), submittedAt: iso, late: z.boolean() }).strict().nullable(),
        })
        .strict(),
    ),
    readers: z.array(z.object({ username: z.string(), unit: z.string(), receiptUnit: z.string(), readAt: iso }).strict()),
    counts: z.object({ units: z.number().int(), unitsRead: z.number().int(), returned: z.number().int(), late: z.number().int(), missing: z.number().int() }).strict(),
  })
  .strict();
export type NoticeReceipts = z.infer<typeof noticeReceiptsSchema>;
