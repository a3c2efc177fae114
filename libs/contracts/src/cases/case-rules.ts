import { z } from 'zod';
import { clockStepSchema, urgencySchema } from './case-values';

/**
 * The case rules of a tier as system-admin holds them (parameter `case-rules`) and
 * public-sentiment applies them: time limits per step × category × urgency, escalation of overdue
 * cases, the working calendar, the reopening window and the duplicate search. Shapes only; the
 * rules that need more than a shape (a catch-all per step, a valid calendar) are checked by
 * `validateCaseRules` in libs/domain.
 */
const categoryPrefixSchema = z.string().regex(/^(?:BJ|SJ)\d{2}(?:\d{2})?$/, 'category is a code (SJ0101) or a major class (SJ01)');

export const deadlineRuleSchema = z
  .object({
    step: clockStepSchema,
    category: categoryPrefixSchema.optional(),
    urgency: urgencySchema.optional(),
    minutes: z.number().positive('minutes must be positive').max(60 * 24 * 365, 'minutes must be at most a year'),
    clock: z.enum(['working', 'natural']),
  })
  .strict();

export const escalationRuleSchema = z
  .object({
    category: categoryPrefixSchema.optional(),
    overdueMinutes: z.number().min(0).max(60 * 24 * 365),
  })
  .strict();

export const workingCalendarSchema = z
  .object({
    timeZone: z.string().min(1),
    workingHours: z.array(z.object({ start: z.string(), end: z.string() }).strict()).min(1).max(6),
    weekendDays: z.array(z.number().int().min(0).max(6)).max(7).default([0, 6]),
    holidays: z.array(z.string()).max(1000).default([]),
    makeUpWorkdays: z.array(z.string()).max(1000).default([]),
  })
  .strict();

export const caseRulesSchema = z
  .object({
    deadlines: z.array(deadlineRuleSchema).min(1).max(1000),
    escalation: z.array(escalationRuleSchema).max(1000),
    calendar: workingCalendarSchema,
    reopenWindowMinutes: z.number().int().min(0).max(60 * 24 * 365),
    duplicateRadiusM: z.number().min(0).max(5000),
    duplicateWindowHours: z.number().min(0).max(24 * 365),
  })
  .strict();
export type CaseRulesDocument = z.infer<typeof caseRulesSchema>;
