import { z } from 'zod';

/**
 * The assessment scheme (考核方案) of a tier as system-admin holds it (parameter
 * `assessment-scheme`) and the command centre applies it to the KPIs of a period: per subject kind
 * the weighted indicators and how each is scored out of 100, the grade thresholds and the
 * one-vote vetoes (一票否决). Shapes only; what a shape cannot say (weights adding up to more than
 * 0, thresholds strictly decreasing, an indicator listed once, a scoring that fits its indicator)
 * is checked by `validateAssessmentScheme` in libs/domain, where the formulas are.
 */

/** The KPI figures a scheme can weigh or veto on (their formulas: `kpiFigures` in libs/domain). Names never change once shipped. */
export const KPI_INDICATORS = [
  'reported',
  'registered',
  'closed',
  'dispatched',
  'closureRate',
  'onTimeClosureRate',
  'onTimeDispatchRate',
  'reworked',
  'reworkRate',
  'overdue',
  'urged',
  'satisfaction',
  'ratings',
  'meanHandlingHours',
  'patrols',
  'visits',
  'dataUpdates',
] as const;
export const kpiIndicatorSchema = z.enum(KPI_INDICATORS, `indicator must be one of: ${KPI_INDICATORS.join(', ')}`);
export type KpiIndicator = z.infer<typeof kpiIndicatorSchema>;

/** Who is assessed: an org unit (grid, community, street), a person (pseudonymous subject), a department. */
export const ASSESSMENT_SUBJECT_KINDS = ['unit', 'person', 'department'] as const;
export const assessmentSubjectKindSchema = z.enum(ASSESSMENT_SUBJECT_KINDS);
export type AssessmentSubjectKind = z.infer<typeof assessmentSubjectKindSchema>;

/** 优秀、良好、合格、不合格. */
export const ASSESSMENT_GRADES = ['excellent', 'good', 'pass', 'fail'] as const;
export const assessmentGradeSchema = z.enum(ASSESSMENT_GRADES);
export type AssessmentGrade = z.infer<typeof assessmentGradeSchema>;

const nameZh = z.string().trim().min(1).max(100);
const nameEn = z.string().trim().min(1).max(200);
const points = z.number().positive('must be more than 0').max(100, 'must be at most 100');

/** How an indicator's figure becomes a score from 0 to 100 (the formulas: `scoreIndicator` in libs/domain). */
export const indicatorScoringSchema = z.discriminatedUnion('kind', [
  /** A rate where more is better: rate × 100. */
  z.object({ kind: z.literal('rate') }).strict(),
  /** A rate where less is better: 100 − pointsPerPercent × (rate × 100), at least 0. */
  z.object({ kind: z.literal('rate-penalty'), pointsPerPercent: points }).strict(),
  /** The mean rating 1–5: (mean − 1) / 4 × 100. */
  z.object({ kind: z.literal('rating') }).strict(),
  /** A count of bad things: 100 − pointsEach × count (or × count per 100 of the `per100` count), at least 0. */
  z.object({ kind: z.literal('count-penalty'), pointsEach: points, per100: kpiIndicatorSchema.optional() }).strict(),
  /** A count of work done against a target per `perDays` days (pro rata to the period): count / target × 100, at most 100. */
  z
    .object({
      kind: z.literal('count-target'),
      target: z.number().positive('must be more than 0').max(100_000),
      perDays: z.number().int().min(1).max(366),
    })
    .strict(),
  /** Mean hours against a target: 100 × target / mean, at most 100. */
  z.object({ kind: z.literal('hours-target'), targetHours: z.number().positive('must be more than 0').max(24 * 366) }).strict(),
]);
export type IndicatorScoring = z.infer<typeof indicatorScoringSchema>;

export const weightedIndicatorSchema = z
  .object({
    indicator: kpiIndicatorSchema,
    weight: z.number().min(0, 'weight must be 0 or more').max(1000, 'weight must be at most 1000'),
    score: indicatorScoringSchema,
  })
  .strict();
export type WeightedIndicator = z.infer<typeof weightedIndicatorSchema>;

export const VETO_COMPARISONS = ['>', '>=', '<', '<='] as const;
export type VetoComparison = (typeof VETO_COMPARISONS)[number];

/** A one-vote veto (一票否决): when `indicator comparison limit` holds, the subject fails whatever its index. */
export const assessmentVetoSchema = z
  .object({
    code: z.string().regex(/^[a-z][a-z0-9-]{1,39}$/, 'veto codes are lower-case letters, digits and "-"'),
    nameZh,
    nameEn,
    kinds: z.array(assessmentSubjectKindSchema).min(1).max(ASSESSMENT_SUBJECT_KINDS.length),
    indicator: kpiIndicatorSchema,
    comparison: z.enum(VETO_COMPARISONS),
    limit: z.number().min(0).max(1_000_000),
  })
  .strict();
export type AssessmentVeto = z.infer<typeof assessmentVetoSchema>;

const threshold = z.number().min(0, 'thresholds are from 0 to 100').max(100, 'thresholds are from 0 to 100');

export const assessmentSchemeSchema = z
  .object({
    indicators: z
      .object({
        unit: z.array(weightedIndicatorSchema).min(1).max(50),
        person: z.array(weightedIndicatorSchema).min(1).max(50),
        department: z.array(weightedIndicatorSchema).min(1).max(50),
      })
      .strict(),
    /** The lowest index of each grade; below `pass` is `fail` (不合格). */
    grades: z.object({ excellent: threshold, good: threshold, pass: threshold }).strict(),
    vetoes: z.array(assessmentVetoSchema).max(50),
  })
  .strict();
export type AssessmentSchemeDocument = z.infer<typeof assessmentSchemeSchema>;
