import {
  ASSESSMENT_SUBJECT_KINDS,
  DomainError,
  assessmentSchemeSchema,
  validate,
  type AssessmentGrade,
  type AssessmentSchemeDocument,
  type AssessmentSubjectKind,
  type FieldError,
  type IndicatorScoring,
  type KpiIndicator,
  type VetoComparison,
  type WeightedIndicator,
} from '@gm/contracts';
import { KPI_INDICATOR_INFO, hasKpiData, type KpiFigureType, type KpiFigures } from './kpi';

/**
 * The assessment (考核): a subject's KPI figures of a period, scored per indicator out of 100,
 * weighted into an index (综合指数) and graded, with one-vote vetoes (一票否决). The scheme is a
 * run-time parameter (`assessment-scheme`, held by system-admin); the default below ships with
 * the code. Pure: the command centre sums the counters and asks `assess`.
 */
export type AssessmentScheme = AssessmentSchemeDocument;

export const GRADE_NAMES: Readonly<Record<AssessmentGrade, { readonly zh: string; readonly en: string }>> = {
  excellent: { zh: '优秀', en: 'Excellent' },
  good: { zh: '良好', en: 'Good' },
  pass: { zh: '合格', en: 'Pass' },
  fail: { zh: '不合格', en: 'Fail' },
};

/**
 * The default scheme: each kind on the 100-point scale split 10/20/50/20 that districts use —
 * 10 for supervision or base data, 20 for timeliness or discovery, 50 for the handling itself (or,
 * for a grid worker, the field work), 20 for residents' satisfaction. Units (grid, community,
 * street) are judged on rates and counts per 100 cases only, so that the same scheme is fair to a
 * grid and to a street ten times its size; count targets are for persons.
 */
export const DEFAULT_ASSESSMENT_SCHEME: AssessmentScheme = {
  indicators: {
    unit: [
      // 10 督办: each urging per 100 cases registered costs 5 points (20 per 100 → 0).
      { indicator: 'urged', weight: 10, score: { kind: 'count-penalty', pointsEach: 5, per100: 'registered' } },
      // 20 时效: dispatch on time; each overdue step per 100 cases costs 2 points (50 per 100 → 0).
      { indicator: 'onTimeDispatchRate', weight: 10, score: { kind: 'rate' } },
      { indicator: 'overdue', weight: 10, score: { kind: 'count-penalty', pointsEach: 2, per100: 'registered' } },
      // 50 处置: closed, closed on time, not sent back (each percentage point of rework costs 2 points).
      { indicator: 'closureRate', weight: 20, score: { kind: 'rate' } },
      { indicator: 'onTimeClosureRate', weight: 20, score: { kind: 'rate' } },
      { indicator: 'reworkRate', weight: 10, score: { kind: 'rate-penalty', pointsPerPercent: 2 } },
      // 20 满意度
      { indicator: 'satisfaction', weight: 20, score: { kind: 'rating' } },
    ],
    person: [
      // 10 数据: base-data records kept current, 20 a month.
      { indicator: 'dataUpdates', weight: 10, score: { kind: 'count-target', target: 20, perDays: 30 } },
      // 20 发现: 20 reports a month.
      { indicator: 'reported', weight: 20, score: { kind: 'count-target', target: 20, perDays: 30 } },
      // 50 走访巡查: a patrol every working day (22 a month), 40 household visits a month, own cases closed on time.
      { indicator: 'patrols', weight: 20, score: { kind: 'count-target', target: 22, perDays: 30 } },
      { indicator: 'visits', weight: 20, score: { kind: 'count-target', target: 40, perDays: 30 } },
      { indicator: 'onTimeClosureRate', weight: 10, score: { kind: 'rate' } },
      // 20 满意度
      { indicator: 'satisfaction', weight: 20, score: { kind: 'rating' } },
    ],
    department: [
      // 10 督办: as for units, per 100 dispatches.
      { indicator: 'urged', weight: 10, score: { kind: 'count-penalty', pointsEach: 5, per100: 'dispatched' } },
      // 20 时效: overdue steps per 100 dispatches; mean report-to-close time against 72 hours (3 days).
      { indicator: 'overdue', weight: 10, score: { kind: 'count-penalty', pointsEach: 2, per100: 'dispatched' } },
      { indicator: 'meanHandlingHours', weight: 10, score: { kind: 'hours-target', targetHours: 72 } },
      // 50 处置
      { indicator: 'onTimeClosureRate', weight: 30, score: { kind: 'rate' } },
      { indicator: 'reworkRate', weight: 20, score: { kind: 'rate-penalty', pointsPerPercent: 2 } },
      // 20 满意度
      { indicator: 'satisfaction', weight: 20, score: { kind: 'rating' } },
    ],
  },
  grades: { excellent: 90, good: 80, pass: 60 },
  // Indicator floors that end the discussion whatever the rest: a unit or department that closes
  // fewer than half of its cases on time, or a department that has more than 30 % of its
  // dispatches sent back.
  vetoes: [
    {
      code: 'on-time-closure-below-half',
      nameZh: '按期结案率低于 50%',
      nameEn: 'Fewer than half of the cases closed on time',
      kinds: ['unit', 'department'],
      indicator: 'onTimeClosureRate',
      comparison: '<',
      limit: 0.5,
    },
    {
      code: 'rework-above-30',
      nameZh: '返工率超过 30%',
      nameEn: 'More than 30 % of the dispatches sent back for rework',
      kinds: ['department'],
      indicator: 'reworkRate',
      comparison: '>',
      limit: 0.3,
    },
  ],
};

/** The figure type each scoring fits. */
const SCORING_FITS: Readonly<Record<IndicatorScoring['kind'], KpiFigureType>> = {
  rate: 'rate',
  'rate-penalty': 'rate',
  rating: 'rating',
  'count-penalty': 'count',
  'count-target': 'count',
  'hours-target': 'hours',
};

/** The range a veto limit must lie in for each figure type (counts and hours are bounded by the shape only). */
const LIMIT_RANGE: Readonly<Partial<Record<KpiFigureType, readonly [number, number, string]>>> = {
  rate: [0, 1, 'is a fraction from 0 to 1 (0.5 for 50 %)'],
  rating: [1, 5, 'is a mean rating from 1 to 5'],
};

function clampScore(x: number): number {
  return Math.min(100, Math.max(0, x));
}

export interface ScoreOptions {
  /**
   * Length of the assessed period in days: count targets (`perDays`) are pro rata to it (a target
   * of 22 per 30 days is 66 over a 90-day quarter). Absent: the targets apply as written.
   */
  readonly periodDays?: number;
}

/**
 * An indicator's score from 0 to 100, or null when the figure has nothing to measure (a rate or a
 * mean without denominator, a count per 100 of nothing):
 * - `rate`: rate × 100 (capped at 100: a closure rate above 1 scores 100);
 * - `rate-penalty`: 100 − pointsPerPercent × rate × 100, at least 0;
 * - `rating`: (mean − 1) / 4 × 100 (1 → 0, 3 → 50, 5 → 100);
 * - `count-penalty`: 100 − pointsEach × count, or × count per 100 of `per100`, at least 0;
 * - `count-target`: count / target × 100, at most 100, the target pro rata to the period;
 * - `hours-target`: 100 at or under the target, else 100 × target / mean.
 */
export function scoreIndicator(figures: KpiFigures, item: Pick<WeightedIndicator, 'indicator' | 'score'>, options: ScoreOptions = {}): number | null {
  const value = figures[item.indicator];
  if (value === null) return null;
  const s = item.score;
  switch (s.kind) {
    case 'rate':
      return clampScore(value * 100);
    case 'rate-penalty':
      return clampScore(100 - s.pointsPerPercent * value * 100);
    case 'rating':
      return clampScore(((value - 1) / 4) * 100);
    case 'count-penalty': {
      if (s.per100 === undefined) return clampScore(100 - s.pointsEach * value);
      const base = figures[s.per100];
      if (base === null || base <= 0) return null;
      return clampScore(100 - (s.pointsEach * value * 100) / base);
    }
    case 'count-target': {
      const target = (s.target * (options.periodDays ?? s.perDays)) / s.perDays;
      return clampScore((value / target) * 100);
    }
    case 'hours-target':
      return value <= s.targetHours ? 100 : clampScore((100 * s.targetHours) / value);
  }
}

export interface IndicatorScore {
  readonly indicator: KpiIndicator;
  /** The weight in the scheme. */
  readonly weight: number;
  /** The weight re-normalised over the indicators that have data (0..1, they add up to 1); 0 without data. */
  readonly share: number;
  /** 0..100, or null when the figure has nothing to measure. */
  readonly score: number | null;
}

export interface AppliedVeto {
  readonly code: string;
  readonly nameZh: string;
  readonly nameEn: string;
  readonly indicator: KpiIndicator;
  readonly comparison: VetoComparison;
  readonly limit: number;
  /** The subject's figure that met the condition. */
  readonly value: number;
}

export interface Assessment {
  readonly kind: AssessmentSubjectKind;
  /**
   * 综合指数, 0..100: the weighted mean of the scores of the indicators that have data, the weights
   * re-normalised over those (an indicator without data neither helps nor hurts); null when none
   * of them has data.
   */
  readonly index: number | null;
  /** Null when the subject is not assessable (no data at all, or none for the scheme's indicators); `fail` when vetoed. */
  readonly grade: AssessmentGrade | null;
  /** In the order of the scheme. */
  readonly scores: readonly IndicatorScore[];
  /** The vetoes that applied (empty when none did). */
  readonly vetoes: readonly AppliedVeto[];
}

/**
 * Tolerance of the grade thresholds: an index that is 90 on paper may come out of the weighted
 * mean as 89.99999999999999 (0.29 × 100 is 28.999999999999996 in binary floating point).
 */
const GRADE_TOLERANCE = 1e-9;

/** The grade of an index: the first threshold it reaches (优秀 ≥ excellent, 良好 ≥ good, 合格 ≥ pass), else fail. */
export function gradeOf(index: number, grades: AssessmentScheme['grades']): AssessmentGrade {
  const reaches = (from: number) => index + GRADE_TOLERANCE >= from;
  if (reaches(grades.excellent)) return 'excellent';
  if (reaches(grades.good)) return 'good';
  if (reaches(grades.pass)) return 'pass';
  return 'fail';
}

function holds(value: number, comparison: VetoComparison, limit: number): boolean {
  switch (comparison) {
    case '>':
      return value > limit;
    case '>=':
      return value >= limit;
    case '<':
      return value < limit;
    case '<=':
      return value <= limit;
  }
}

/** The scheme's vetoes for `kind` whose condition the figures meet; a figure without data (null) meets none. */
export function vetoesOf(figures: KpiFigures, scheme: AssessmentScheme, kind: AssessmentSubjectKind): AppliedVeto[] {
  const applied: AppliedVeto[] = [];
  for (const v of scheme.vetoes) {
    const value = figures[v.indicator];
    if (!v.kinds.includes(kind) || value === null || !holds(value, v.comparison, v.limit)) continue;
    applied.push({ code: v.code, nameZh: v.nameZh, nameEn: v.nameEn, indicator: v.indicator, comparison: v.comparison, limit: v.limit, value });
  }
  return applied;
}

/**
 * Assesses one subject of `kind` on its figures of a period. A subject with no data at all (no
 * count above 0, no rate or mean) is not assessable: index and grade null, no vetoes — it is not a
 * fail. Otherwise any applying veto grades it `fail` whatever its index.
 */
export function assess(figures: KpiFigures, scheme: AssessmentScheme, kind: AssessmentSubjectKind, options: ScoreOptions = {}): Assessment {
  const items = scheme.indicators[kind];
  if (!hasKpiData(figures)) {
    return { kind, index: null, grade: null, scores: items.map((i) => ({ indicator: i.indicator, weight: i.weight, share: 0, score: null })), vetoes: [] };
  }
  const raw = items.map((i) => ({ indicator: i.indicator, weight: i.weight, score: scoreIndicator(figures, i, options) }));
  const weightWithData = raw.reduce((sum, r) => sum + (r.score === null ? 0 : r.weight), 0);
  const scores: IndicatorScore[] = raw.map((r) => ({ ...r, share: r.score === null || weightWithData === 0 ? 0 : r.weight / weightWithData }));
  const index = weightWithData === 0 ? null : scores.reduce((sum, s) => sum + (s.score === null ? 0 : s.share * s.score), 0);
  const vetoes = vetoesOf(figures, scheme, kind);
  const grade = vetoes.length > 0 ? 'fail' : index === null ? null : gradeOf(index, scheme.grades);
  return { kind, index, grade, scores, vetoes };
}

/**
 * Checks a scheme's shape (`assessmentSchemeSchema` in libs/contracts: known indicators and kinds,
 * weights ≥ 0, thresholds in 0..100) and what a shape cannot say: per kind the weights add up to
 * more than 0 and no indicator is listed twice, each scoring fits its indicator (a rate scoring
 * for a rate, a count scoring for a count…), `per100` names a count other than the indicator, the
 * thresholds strictly decrease, veto codes are unique, a veto's limit is in the range of its
 * figure. Throws REQUEST.VALIDATION_FAILED naming each bad field by its path.
 */
export function validateAssessmentScheme(value: unknown): AssessmentScheme {
  const doc = validate(assessmentSchemeSchema, value);
  const errors: FieldError[] = [];
  for (const kind of ASSESSMENT_SUBJECT_KINDS) {
    const items = doc.indicators[kind];
    const seen = new Map<KpiIndicator, number>();
    items.forEach((item, i) => {
      const path = `indicators.${kind}.${i}`;
      const first = seen.get(item.indicator);
      if (first !== undefined) errors.push({ field: `${path}.indicator`, message: `${item.indicator} repeats indicators.${kind}.${first}` });
      else seen.set(item.indicator, i);
      const type = KPI_INDICATOR_INFO[item.indicator].type;
      if (SCORING_FITS[item.score.kind] !== type) {
        errors.push({ field: `${path}.score.kind`, message: `"${item.score.kind}" scores a ${SCORING_FITS[item.score.kind]}; ${item.indicator} is a ${type}` });
      }
      if (item.score.kind === 'count-penalty' && item.score.per100 !== undefined) {
        const base = item.score.per100;
        if (base === item.indicator || KPI_INDICATOR_INFO[base].type !== 'count') {
          errors.push({ field: `${path}.score.per100`, message: `per100 must name another count (registered, dispatched…), not ${base}` });
        }
      }
    });
    if (!(items.reduce((sum, item) => sum + item.weight, 0) > 0)) {
      errors.push({ field: `indicators.${kind}`, message: `the weights of ${kind} must add up to more than 0` });
    }
  }
  const { excellent, good, pass } = doc.grades;
  if (!(good < excellent)) errors.push({ field: 'grades.good', message: `must be below grades.excellent (${excellent})` });
  if (!(pass < good)) errors.push({ field: 'grades.pass', message: `must be below grades.good (${good})` });
  const codes = new Map<string, number>();
  doc.vetoes.forEach((v, i) => {
    const first = codes.get(v.code);
    if (first !== undefined) errors.push({ field: `vetoes.${i}.code`, message: `${v.code} repeats vetoes.${first}` });
    else codes.set(v.code, i);
    if (new Set(v.kinds).size !== v.kinds.length) errors.push({ field: `vetoes.${i}.kinds`, message: 'a kind is listed twice' });
    const range = LIMIT_RANGE[KPI_INDICATOR_INFO[v.indicator].type];
    if (range && (v.limit < range[0] || v.limit > range[1])) {
      errors.push({ field: `vetoes.${i}.limit`, message: `the limit of ${v.indicator} ${range[2]}` });
    }
  });
  if (errors.length > 0) throw DomainError.validation(errors);
  return doc;
}
