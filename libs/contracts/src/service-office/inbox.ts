import { z } from 'zod';
import { defineEvent } from '../messaging/define-event';

/**
 * The in-app inbox (站内消息) of staff, grid workers and departments, and the notifications behind
 * it: a reporter hears of each status change of their case and its closing note; a department hears
 * of the work orders whistled to it and urged; a whistler hears the department's answers.
 */
export const INBOX_KINDS = ['case-status', 'work-order'] as const;
export const inboxKindSchema = z.enum(INBOX_KINDS);

const iso = z.iso.datetime({ offset: true });
export const inboxMessageSchema = z
  .object({
    id: z.string().regex(/^\d+$/),
    kind: inboxKindSchema,
    title: z.object({ zh: z.string(), en: z.string() }).strict(),
    body: z.object({ zh: z.string(), en: z.string() }).strict(),
    /** What it is about: a case (its number) or a work order (its id). */
    ref: z.object({ type: z.enum(['case', 'work-order']), id: z.string(), no: z.string().nullable() }).strict(),
    createdAt: iso,
    readAt: iso.nullable(),
  })
  .strict();
export type InboxMessage = z.infer<typeof inboxMessageSchema>;
export const inboxPageSchema = z.object({ items: z.array(inboxMessageSchema), total: z.number().int(), unread: z.number().int(), limit: z.number().int(), offset: z.number().int() }).strict();
export const inboxQuerySchema = z
  .object({
    unread: z.enum(['true', 'false']).transform((v) => v === 'true').optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
    offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
  })
  .strict();
export const inboxReadAllSchema = z.object({ marked: z.number().int() }).strict();

/**
 * `gm.notification.case-status.v1`: what the tier's SMS or WeChat gateway is asked to tell a
 * reporter, delivered to the gateway's webhook like a department's (signed, retried, logged). The
 * recipient is the reporter's pseudonymous subject id: the gateway resolves it to a number; no phone
 * number or name travels.
 */
export const notificationCaseStatusV1 = defineEvent({
  type: 'gm.notification.case-status.v1',
  aggregate: 'notification',
  description: "A reporter is told of a status change of their case (the gateway's delivery)",
  schema: z.object({
    recipient: z.string().min(1),
    channel: z.enum(['sms', 'wechat']),
    caseId: z.uuid(),
    caseNo: z.string(),
    action: z.string(),
    state: z.string(),
    template: z.string(),
    text: z.object({ zh: z.string(), en: z.string() }),
    at: iso,
  }),
});
