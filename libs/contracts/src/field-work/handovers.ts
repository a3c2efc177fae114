import { z } from 'zod';
import { orgUnitCodeSchema } from '../cases/case-values';

/**
 * A/B posts (AB岗): while worker A is off duty or on leave, A's A/B partner B covers A's grid: B's
 * handheld lists A's tasks and B may act on them. Each hand-over is recorded (who, whom, from when,
 * until when, why, who recorded it) by the tier's mobile-gateway.
 */
const iso = z.iso.datetime({ offset: true, message: 'expected an ISO 8601 date-time with offset, e.g. 2026-12-06T09:30:00+08:00' });
const username = z.string().trim().regex(/^[A-Za-z0-9._-]{1,64}$/, 'a staff account name (letters, digits, ".", "_" or "-")');

/** off-duty: the worker went off duty on the handheld; leave: a leave scheduled by the grid leader or community staff. */
export const HANDOVER_REASONS = ['off-duty', 'leave'] as const;

/** `POST /api/v1/duty` at mobile-gateway: the caller goes on or off duty (off duty hands the grid over to the A/B partner). */
export const dutyBodySchema = z
  .object({
    onDuty: z.boolean(),
    until: iso.optional().describe('Off duty until (the hand-over ends by itself then); open-ended without it'),
  })
  .strict();
export type DutyBody = z.infer<typeof dutyBodySchema>;

/** `POST /api/v1/handovers`: a leave scheduled for a worker of the caller's unit. */
export const handoverBodySchema = z
  .object({
    worker: username.describe('The worker on leave (A)'),
    from: iso,
    until: iso,
    coveredBy: username.optional().describe("Who covers (B); default: the worker's A/B partner"),
    note: z.string().trim().max(500, 'note may hold at most 500 characters').optional(),
  })
  .strict()
  .refine((b) => Date.parse(b.until) > Date.parse(b.from), { path: ['until'], message: 'until must be after from' });
export type HandoverBody = z.infer<typeof handoverBodySchema>;

export const handoverViewSchema = z
  .object({
    id: z.uuid(),
    worker: z.string().describe('A: the worker off duty or on leave (account name)'),
    gridCode: orgUnitCodeSchema.describe("A's grid"),
    coveredBy: z.string().describe('B: who covers (account name)'),
    reason: z.enum(HANDOVER_REASONS),
    from: iso,
    until: iso.nullable(),
    endedAt: iso.nullable().describe('Ended early (back on duty, or ended by staff)'),
    note: z.string().nullable(),
    recordedBy: z.string(),
    recordedAt: iso,
    active: z.boolean().describe('B covers A now'),
  })
  .strict()
  .meta({ id: 'Handover' });
export type HandoverView = z.infer<typeof handoverViewSchema>;

export const handoverPageSchema = z.object({ items: z.array(handoverViewSchema) }).strict().meta({ id: 'HandoverPage' });

/** `GET /api/v1/duty`: the caller's duty: on duty or not, who covers the caller, whom the caller covers. */
export const dutyViewSchema = z
  .object({
    onDuty: z.boolean(),
    coveredBy: handoverViewSchema.nullable(),
    covering: z.array(handoverViewSchema),
  })
  .strict()
  .meta({ id: 'Duty' });
export type DutyView = z.infer<typeof dutyViewSchema>;

/** What a gateway tells public-sentiment about a worker the caller covers now (A's account subject and grid). */
export const coveredWorkerSchema = z.object({ subject: z.string().min(1).max(64), gridCode: orgUnitCodeSchema }).strict();
export type CoveredWorker = z.infer<typeof coveredWorkerSchema>;
