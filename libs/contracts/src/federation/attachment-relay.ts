import { z } from 'zod';
import { orgUnitCodeSchema } from '../cases/case-values';
import { attachmentKeySchema } from '../cases/report-case';

/**
 * Reading an attachment held by another tier of the federation (request/reply over the leafnode
 * links, one link per hop). A photo stays in the bucket of the tier where it was uploaded; a tier
 * that shows the case elsewhere fetches the bytes on first read, chunk by chunk, and keeps its own
 * copy. A link carries the child's subject space and, up, one subject of the parent's per child
 * (ADR 0006, `leafPermissions`):
 *
 * - down (a parent asks a child): `gm.<child>.attachment.read.v1`;
 * - up (a child asks its parent): `gm.<parent>.attachment.up.<child>.v1`, which only that child's
 *   leaf user may publish;
 * - the answer to either: `gm.<child>.attachment.reply.<id>`, in the space of the child of the
 *   link the request came over (this tier for its parent's requests, the asking child for a
 *   child's). A request naming any other reply subject is dropped, so no request can make a tier
 *   publish anywhere else.
 *
 * A request names the tier that holds the object, the key, and the offset of the chunk wanted; a
 * tier that is not the holder passes it one hop further, down towards a descendant or up towards an
 * ancestor, never sideways into another branch. The reply carries the chunk as its payload and the
 * outcome in headers.
 */
export const AttachmentRelay = {
  downSubject: (child: string) => `gm.${child}.attachment.read.v1`,
  upSubject: (parent: string, child: string) => `gm.${parent}.attachment.up.${child}.v1`,
  /** What a parent listens on: the up requests of all of its children, in one subscription. */
  upFromChildren: (parent: string) => `gm.${parent}.attachment.up.*.v1`,
  /** The child that sent an up request, from its subject. */
  upAsker: (subject: string): string | undefined => /^gm\.[0-9-]+\.attachment\.up\.([0-9-]+)\.v1$/.exec(subject)?.[1],
  replySubject: (child: string, id: string) => `gm.${child}.attachment.reply.${id}`,
  /** The child whose space a reply subject is in, or undefined when it is not a reply subject. */
  replyChild: (subject: string): string | undefined => /^gm\.([0-9-]+)\.attachment\.reply\.[A-Za-z0-9]+$/.exec(subject)?.[1],
  /** Bytes per chunk: well under NATS's default max_payload (1 MiB). */
  chunkBytes: 512 * 1024,
  headers: {
    status: 'Gm-Attachment-Status',
    size: 'Gm-Attachment-Size',
    contentType: 'Gm-Attachment-Type',
    /** The holder's ETag of the object: every chunk of one read must carry the same. */
    etag: 'Gm-Attachment-Etag',
  },
  /** The longest a chunk request may wait, whatever the asker says. */
  maxBudgetMs: 10_000,
} as const;

export const attachmentReadRequestSchema = z
  .object({
    /** The tier whose bucket holds the object. */
    tier: orgUnitCodeSchema,
    key: attachmentKeySchema,
    offset: z.number().int().min(0),
    /** How long the asker waits for the answer (ms); each hop keeps some back for its own answer. Relative, so the tiers' clocks need not agree. */
    budgetMs: z.number().int().positive().max(60_000),
  })
  .strict();
export type AttachmentReadRequest = z.infer<typeof attachmentReadRequestSchema>;

/**
 * - `ok`: the payload is the chunk at the requested offset; size and type are in the headers;
 * - `not_found`: the holder has no such attachment (or the tier is not reachable this way at all);
 * - `unreachable`: a link or a service on the way does not answer now (try again later);
 * - `failed`: the holder could not read its storage.
 */
export const ATTACHMENT_READ_STATUSES = ['ok', 'not_found', 'unreachable', 'failed'] as const;
export type AttachmentReadStatus = (typeof ATTACHMENT_READ_STATUSES)[number];
