import { z } from 'zod';
import { orgUnitCodeSchema } from '../cases/case-values';

/**
 * Visits (走访) to a household or a resident of the worker's grid, and the worker's daily log
 * (民情日记), drafted from the day's patrols, visits and reports.
 */
const iso = z.iso.datetime({ offset: true, message: 'expected an ISO 8601 date-time with offset, e.g. 2026-12-06T09:30:00+08:00' });

/** 需求 (a need), 矛盾纠纷 (a dispute), 安全隐患 (a hazard), 困难帮扶 (hardship to help with). */
export const VISIT_TAGS = ['need', 'dispute', 'hazard', 'hardship'] as const;

export const visitBodySchema = z
  .object({
    visitId: z.uuid('visitId must be a UUID made on the device'),
    at: iso,
    householdCode: z.string().trim().min(1).max(40).optional(),
    residentId: z.uuid('residentId must be a UUID').optional(),
    notes: z.string().trim().min(1, 'notes must say what was found').max(2000, 'notes may hold at most 2000 characters'),
    tags: z.array(z.enum(VISIT_TAGS)).max(VISIT_TAGS.length).default([]),
    caseClientId: z
      .string()
      .regex(/^[A-Za-z0-9_-]{8,64}$/, 'caseClientId must be the clientId of a report item')
      .optional()
      .describe('The clientId of a report raised from this visit (synced before or after it)'),
  })
  .strict()
  .refine((v) => (v.householdCode === undefined) !== (v.residentId === undefined), { message: 'name either the household (householdCode) or the resident (residentId) visited', path: ['householdCode'] });
export type VisitBody = z.input<typeof visitBodySchema>;

export const visitViewSchema = z
  .object({
    id: z.uuid(),
    worker: z.string(),
    gridCode: orgUnitCodeSchema,
    at: iso,
    householdCode: z.string().nullable(),
    residentId: z.uuid().nullable(),
    notes: z.string(),
    tags: z.array(z.enum(VISIT_TAGS)),
    caseId: z.string().nullable().describe('The case raised from the visit, once its report is stored'),
  })
  .strict()
  .meta({ id: 'Visit' });
export type VisitView = z.infer<typeof visitViewSchema>;

export const visitPageSchema = z.object({ items: z.array(visitViewSchema), nextCursor: z.string().nullable() }).strict().meta({ id: 'VisitPage' });

export const diaryDateSchema = z.iso.date('date must be a date, YYYY-MM-DD');

export const diaryViewSchema = z
  .object({
    date: diaryDateSchema,
    worker: z.string(),
    gridCode: orgUnitCodeSchema,
    status: z.enum(['draft', 'submitted']),
    text: z.string(),
    facts: z
      .object({ patrols: z.number().int(), distanceM: z.number(), visits: z.number().int(), reports: z.number().int() })
      .strict()
      .describe("The day's field work the draft was made from"),
    submittedAt: iso.nullable(),
  })
  .strict()
  .meta({ id: 'Diary' });
export type DiaryView = z.infer<typeof diaryViewSchema>;

export const diaryPageSchema = z.object({ items: z.array(diaryViewSchema) }).strict().meta({ id: 'DiaryPage' });
