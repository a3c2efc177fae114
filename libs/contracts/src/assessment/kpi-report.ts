import { z } from 'zod';
import { orgUnitCodeSchema } from '../cases/case-values';
import { ASSESSMENT_SUBJECT_KINDS, KPI_INDICATORS, assessmentGradeSchema, kpiIndicatorSchema } from './assessment-scheme';

/**
 * The KPIs and grades (考核评价) of a period, as the command centre answers them: per unit (grid,
 * community, street), person or department of the caller's subtree, the additive counters, the
 * indicators computed from them (libs/domain `kpiFigures`) and the assessment under the tier's
 * scheme (`assess`).
 */

const iso = z.iso.datetime({ offset: true });
const count = z.number().int().min(0);

export const KPI_UNIT_LEVELS = ['grid', 'community', 'street'] as const;

export const kpiQuerySchema = z
  .object({
    unit: orgUnitCodeSchema.optional(),
    kind: z.enum(ASSESSMENT_SUBJECT_KINDS, `kind must be one of: ${ASSESSMENT_SUBJECT_KINDS.join(', ')}`).default('unit'),
    /** For units: the level they are grouped by (default: the level below the unit, grids under a community). */
    level: z.enum(KPI_UNIT_LEVELS, `level must be one of: ${KPI_UNIT_LEVELS.join(', ')}`).optional(),
    /** Local days (the tier's assessment time zone), both included; default: this month so far. */
    from: z.iso.date('from must be a date such as 2026-12-01').optional(),
    to: z.iso.date('to must be a date such as 2026-12-31').optional(),
  })
  .strict()
  .refine((q) => !q.from || !q.to || q.from <= q.to, { path: ['to'], message: 'to must not be before from' });
export type KpiQuery = z.infer<typeof kpiQuerySchema>;

export const kpiCountersSchema = z
  .object({
    reported: count,
    registered: count,
    closed: count,
    closedOnTime: count,
    dispatched: count,
    dispatchedOnTime: count,
    reworked: count,
    overdue: count,
    urged: count,
    ratingSum: count,
    ratingCount: count,
    handlingMinutesSum: count,
    handlingCount: count,
    patrols: count,
    visits: count,
    dataUpdates: count,
  })
  .strict();

/** Every indicator's figure: counts, rates as fractions, the mean rating and hours; null where there is nothing to measure. */
export const kpiFiguresSchema = z.object(Object.fromEntries(KPI_INDICATORS.map((k) => [k, z.number().nullable()])) as Record<(typeof KPI_INDICATORS)[number], z.ZodNullable<z.ZodNumber>>).strict();

export const kpiAssessmentSchema = z
  .object({
    index: z.number().min(0).max(100).nullable(),
    grade: assessmentGradeSchema.nullable(),
    scores: z.array(z.object({ indicator: kpiIndicatorSchema, weight: z.number(), share: z.number(), score: z.number().nullable() }).strict()),
    vetoes: z.array(z.object({ code: z.string(), nameZh: z.string(), nameEn: z.string(), indicator: kpiIndicatorSchema, value: z.number() }).strict()),
  })
  .strict();

export const kpiRowSchema = z
  .object({
    /** A unit's code, a person's pseudonymous subject, or a department's code. */
    subject: z.string(),
    /** Its name where one is known here (a unit's or a department's; for a person the staff account). */
    name: z.object({ zh: z.string(), en: z.string() }).strict().nullable(),
    counters: kpiCountersSchema,
    figures: kpiFiguresSchema,
    assessment: kpiAssessmentSchema,
  })
  .strict();
export type KpiRow = z.infer<typeof kpiRowSchema>;

export const kpiReportSchema = z
  .object({
    unit: orgUnitCodeSchema,
    kind: z.enum(ASSESSMENT_SUBJECT_KINDS),
    level: z.enum(KPI_UNIT_LEVELS).nullable(),
    from: z.iso.date(),
    to: z.iso.date(),
    periodDays: z.number().int().min(1),
    /** The version of the scheme applied (0: the default shipped with the code). */
    schemeVersion: z.number().int().min(0),
    /** Highest index first; those without an index last. */
    rows: z.array(kpiRowSchema),
    /** In a federation: the tiers below whose counted figures came up and are included here (their own steps counted there). */
    includes: z.array(orgUnitCodeSchema),
    /** The whole of `unit`'s subtree. */
    total: z.object({ counters: kpiCountersSchema, figures: kpiFiguresSchema }).strict(),
    at: iso,
  })
  .strict();
export type KpiReport = z.infer<typeof kpiReportSchema>;
