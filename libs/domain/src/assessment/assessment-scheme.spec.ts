import { DomainError, PARAMETERS, type WeightedIndicator } from '@gm/contracts';
import {
  DEFAULT_ASSESSMENT_SCHEME,
  GRADE_NAMES,
  assess,
  gradeOf,
  scoreIndicator,
  validateAssessmentScheme,
  vetoesOf,
  type AssessmentScheme,
} from './assessment-scheme';
import { emptyKpiCounters, kpiFigures, type KpiCounters, type KpiFigures } from './kpi';

function figures(overrides: Partial<KpiCounters>): KpiFigures {
  return kpiFigures({ ...emptyKpiCounters(), ...overrides });
}

/** The month of kpi.spec.ts: closure 96/120, on time 84/96, dispatch 95/100, rework 6/100, satisfaction 171/40, 48 h. */
const MONTH = figures({
  reported: 130,
  registered: 120,
  closed: 96,
  closedOnTime: 84,
  dispatched: 100,
  dispatchedOnTime: 95,
  reworked: 6,
  overdue: 15,
  urged: 4,
  ratingSum: 171,
  ratingCount: 40,
  handlingMinutesSum: 276_480,
  handlingCount: 96,
  patrols: 22,
  visits: 35,
  dataUpdates: 12,
});

/** A scheme with the given unit indicators, default grades and no vetoes. */
function unitScheme(unit: WeightedIndicator[], vetoes: AssessmentScheme['vetoes'] = []): AssessmentScheme {
  return { ...DEFAULT_ASSESSMENT_SCHEME, indicators: { ...DEFAULT_ASSESSMENT_SCHEME.indicators, unit }, vetoes };
}

function errorOf(fn: () => unknown): DomainError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(DomainError);
    return err as DomainError;
  }
  throw new Error('expected a DomainError, but nothing was thrown');
}

function fieldsOf(value: unknown): string[] {
  const err = errorOf(() => validateAssessmentScheme(value));
  expect(err.code).toBe('REQUEST.VALIDATION_FAILED');
  return err.fieldErrors.map((f) => f.field);
}

function clone(): AssessmentScheme {
  return structuredClone(DEFAULT_ASSESSMENT_SCHEME);
}

describe('scores per indicator kind', () => {
  it('rate: rate × 100, capped at 100; null without data', () => {
    expect(scoreIndicator(MONTH, { indicator: 'onTimeClosureRate', score: { kind: 'rate' } })).toBeCloseTo(87.5, 9); // 0.875 × 100
    expect(scoreIndicator(MONTH, { indicator: 'closureRate', score: { kind: 'rate' } })).toBeCloseTo(80, 9); // 96 / 120 × 100
    expect(scoreIndicator(figures({ registered: 4, closed: 6 }), { indicator: 'closureRate', score: { kind: 'rate' } })).toBe(100); // 1.5 × 100 → capped
    expect(scoreIndicator(figures({ reported: 1 }), { indicator: 'closureRate', score: { kind: 'rate' } })).toBeNull(); // 0 registered
  });

  it('rate-penalty: 100 − points per percentage point, at least 0', () => {
    const rework = { indicator: 'reworkRate', score: { kind: 'rate-penalty', pointsPerPercent: 2 } } as const;
    expect(scoreIndicator(MONTH, rework)).toBeCloseTo(88, 9); // 6 % → 100 − 2 × 6
    expect(scoreIndicator(figures({ dispatched: 10, reworked: 6 }), rework)).toBe(0); // 60 % → 100 − 120 → 0
    expect(scoreIndicator(figures({ dispatched: 10 }), rework)).toBe(100); // 0 % → 100
    expect(scoreIndicator(figures({ reworked: 2 }), rework)).toBeNull(); // no dispatches
  });

  it('rating: (mean − 1) / 4 × 100', () => {
    const sat = { indicator: 'satisfaction', score: { kind: 'rating' } } as const;
    expect(scoreIndicator(MONTH, sat)).toBeCloseTo(81.875, 9); // (4.275 − 1) / 4 × 100 = 3.275 × 25
    expect(scoreIndicator(figures({ ratingSum: 1, ratingCount: 1 }), sat)).toBe(0); // (1 − 1) / 4
    expect(scoreIndicator(figures({ ratingSum: 6, ratingCount: 2 }), sat)).toBe(50); // mean 3 → 2 / 4 × 100
    expect(scoreIndicator(figures({ ratingSum: 10, ratingCount: 2 }), sat)).toBe(100); // mean 5
    expect(scoreIndicator(figures({ closed: 1 }), sat)).toBeNull(); // no ratings
  });

  it('count-penalty: 100 − points × count, at least 0', () => {
    const overdue = { indicator: 'overdue', score: { kind: 'count-penalty', pointsEach: 10 } } as const;
    expect(scoreIndicator(figures({ overdue: 3 }), overdue)).toBe(70); // 100 − 10 × 3
    expect(scoreIndicator(MONTH, overdue)).toBe(0); // 100 − 10 × 15 → 0
    expect(scoreIndicator(figures({ reported: 1 }), overdue)).toBe(100); // 0 overdue
  });

  it('count-penalty per 100 cases: 100 − points × count per 100 of the base; null when the base is 0', () => {
    const overdue = { indicator: 'overdue', score: { kind: 'count-penalty', pointsEach: 2, per100: 'registered' } } as const;
    expect(scoreIndicator(MONTH, overdue)).toBeCloseTo(75, 9); // 15 / 120 × 100 = 12.5 per 100 → 100 − 2 × 12.5
    const urged = { indicator: 'urged', score: { kind: 'count-penalty', pointsEach: 5, per100: 'registered' } } as const;
    expect(scoreIndicator(MONTH, urged)).toBeCloseTo(83.333333333, 6); // 4 / 120 × 100 = 3.333… per 100 → 100 − 16.667
    expect(scoreIndicator(figures({ overdue: 2 }), overdue)).toBeNull(); // 0 registered: nothing to measure per
  });

  it('count-target: count / target × 100, at most 100, the target pro rata to the period', () => {
    const patrols = { indicator: 'patrols', score: { kind: 'count-target', target: 22, perDays: 30 } } as const;
    expect(scoreIndicator(figures({ patrols: 11 }), patrols)).toBe(50); // 11 / 22
    expect(scoreIndicator(figures({ patrols: 30 }), patrols)).toBe(100); // 30 / 22 → capped
    expect(scoreIndicator(figures({ reported: 1 }), patrols)).toBe(0); // 0 / 22
    expect(scoreIndicator(figures({ patrols: 33 }), patrols, { periodDays: 90 })).toBe(50); // target 22 × 90 / 30 = 66; 33 / 66
    expect(scoreIndicator(figures({ patrols: 11 }), patrols, { periodDays: 15 })).toBe(100); // target 22 × 15 / 30 = 11; 11 / 11
  });

  it('hours-target: 100 up to the target, then target / mean × 100', () => {
    const hours = { indicator: 'meanHandlingHours', score: { kind: 'hours-target', targetHours: 72 } } as const;
    expect(scoreIndicator(MONTH, hours)).toBe(100); // 48 h ≤ 72 h
    expect(scoreIndicator(figures({ handlingMinutesSum: 72 * 60, handlingCount: 1 }), hours)).toBe(100); // exactly 72 h
    expect(scoreIndicator(figures({ handlingMinutesSum: 2 * 96 * 60, handlingCount: 2 }), hours)).toBe(75); // 96 h: 72 / 96 × 100
    expect(scoreIndicator(figures({ closed: 1 }), hours)).toBeNull(); // no close measured
  });
});

describe('the weighted index', () => {
  const scheme = unitScheme([
    { indicator: 'closureRate', weight: 20, score: { kind: 'rate' } },
    { indicator: 'onTimeClosureRate', weight: 30, score: { kind: 'rate' } },
    { indicator: 'satisfaction', weight: 50, score: { kind: 'rating' } },
  ]);

  it('is the weighted mean of the scores when every indicator has data', () => {
    // closure 8 / 10 → 80; on time 4 / 8 → 50; satisfaction 4 → 75. (20 × 80 + 30 × 50 + 50 × 75) / 100 = 68.5
    const r = assess(figures({ registered: 10, closed: 8, closedOnTime: 4, ratingSum: 8, ratingCount: 2 }), scheme, 'unit');
    expect(r.index).toBeCloseTo(68.5, 9);
    expect(r.scores.map((s) => s.share)).toEqual([0.2, 0.3, 0.5]);
    expect(r.grade).toBe('pass'); // 60 ≤ 68.5 < 80
  });

  it('re-normalises the weights over the indicators that have data', () => {
    // No ratings: satisfaction has no data. (20 × 80 + 30 × 50) / (20 + 30) = 3100 / 50 = 62; shares 0.4, 0.6, 0.
    const r = assess(figures({ registered: 10, closed: 8, closedOnTime: 4 }), scheme, 'unit');
    expect(r.index).toBeCloseTo(62, 9);
    expect(r.scores).toEqual([
      { indicator: 'closureRate', weight: 20, share: 0.4, score: 80 },
      { indicator: 'onTimeClosureRate', weight: 30, share: 0.6, score: 50 },
      { indicator: 'satisfaction', weight: 50, share: 0, score: null },
    ]);
    expect(r.grade).toBe('pass');
  });

  it('does not count an indicator of weight 0, though it shows its score', () => {
    const withZero = unitScheme([
      { indicator: 'closureRate', weight: 1, score: { kind: 'rate' } },
      { indicator: 'onTimeClosureRate', weight: 0, score: { kind: 'rate' } },
    ]);
    // closure 8 / 10 → 80 with all the weight; on time 0 / 8 → 0 with none. Index 80.
    const r = assess(figures({ registered: 10, closed: 8 }), withZero, 'unit');
    expect(r.index).toBeCloseTo(80, 9);
    expect(r.scores[1]).toEqual({ indicator: 'onTimeClosureRate', weight: 0, share: 0, score: 0 });
  });

  it('is null, and the subject not assessable, when none of the indicators has data', () => {
    // Reports only: no registrations, closes or ratings; the scheme measures none of these.
    const r = assess(figures({ reported: 5 }), scheme, 'unit');
    expect(r.index).toBeNull();
    expect(r.grade).toBeNull();
  });

  it('assesses the default scheme on a month of a unit, a person and a department', () => {
    // Unit: urged 4/120 → 83.333; dispatch 95; overdue 12.5/100 → 75; closure 80; on time 87.5; rework 88; satisfaction 81.875.
    // (10 × 83.333 + 10 × 95 + 10 × 75 + 20 × 80 + 20 × 87.5 + 10 × 88 + 20 × 81.875) / 100 = 8400.833 / 100 = 84.00833
    const unit = assess(MONTH, DEFAULT_ASSESSMENT_SCHEME, 'unit');
    expect(unit.index).toBeCloseTo(84.008333, 5);
    expect(unit.grade).toBe('good');
    expect(unit.vetoes).toEqual([]);

    // Person: data 12/20 → 60; reports 130/20 → 100; patrols 22/22 → 100; visits 35/40 → 87.5; on time 87.5; satisfaction 81.875.
    // (10 × 60 + 20 × 100 + 20 × 100 + 20 × 87.5 + 10 × 87.5 + 20 × 81.875) / 100 = 8862.5 / 100 = 88.625
    const person = assess(MONTH, DEFAULT_ASSESSMENT_SCHEME, 'person');
    expect(person.index).toBeCloseTo(88.625, 9);
    expect(person.grade).toBe('good');
    expect(person.vetoes).toEqual([]);

    // Department: urged 4/100 → 80; overdue 15/100 → 70; 48 h vs 72 h → 100; on time 87.5; rework 88; satisfaction 81.875.
    // (10 × 80 + 10 × 70 + 10 × 100 + 30 × 87.5 + 20 × 88 + 20 × 81.875) / 100 = 8522.5 / 100 = 85.225
    const department = assess(MONTH, DEFAULT_ASSESSMENT_SCHEME, 'department');
    expect(department.index).toBeCloseTo(85.225, 9);
    expect(department.grade).toBe('good');
    expect(department.vetoes).toEqual([]); // on time 0.875 ≥ 0.5, rework 0.06 ≤ 0.3
  });

  it('pro-rates count targets to the period', () => {
    // A quarter (90 days) of the same person: targets 60 data, 60 reports, 66 patrols, 120 visits.
    // data 12/60 → 20; reports 130/60 → 100; patrols 22/66 → 33.333; visits 35/120 → 29.167; on time 87.5; satisfaction 81.875.
    // (10 × 20 + 20 × 100 + 20 × 33.333 + 20 × 29.167 + 10 × 87.5 + 20 × 81.875) / 100
    //   = (200 + 2000 + 666.667 + 583.333 + 875 + 1637.5) / 100 = 5962.5 / 100 = 59.625: a month's work in a quarter fails.
    const r = assess(MONTH, DEFAULT_ASSESSMENT_SCHEME, 'person', { periodDays: 90 });
    expect(r.index).toBeCloseTo(59.625, 9);
    expect(r.grade).toBe('fail');
  });
});

describe('grades', () => {
  const grades = DEFAULT_ASSESSMENT_SCHEME.grades;

  it.each([
    [100, 'excellent'],
    [90, 'excellent'],
    [89.99, 'good'],
    [80, 'good'],
    [79.99, 'pass'],
    [60, 'pass'],
    [59.99, 'fail'],
    [0, 'fail'],
  ] as const)('index %s → %s', (index, grade) => {
    expect(gradeOf(index, grades)).toBe(grade);
  });

  it('follows the thresholds of the scheme', () => {
    const strict = { excellent: 95, good: 85, pass: 70 };
    expect(gradeOf(94.9, strict)).toBe('good');
    expect(gradeOf(84.9, strict)).toBe('pass');
    expect(gradeOf(69.9, strict)).toBe('fail');
  });

  it('grades the index that assess computes, at the boundary', () => {
    const scheme = unitScheme([{ indicator: 'onTimeClosureRate', weight: 1, score: { kind: 'rate' } }]);
    // 8999 / 10000 × 100 = 89.99 → good; 9 / 10 × 100 = 90 → excellent
    expect(assess(figures({ closed: 10_000, closedOnTime: 8_999 }), scheme, 'unit').grade).toBe('good');
    expect(assess(figures({ closed: 10, closedOnTime: 9 }), scheme, 'unit').grade).toBe('excellent');
  });

  it('grades an index that is 90 on paper as excellent, though floating point makes it 89.99999999999999', () => {
    const scheme = unitScheme([
      { indicator: 'closureRate', weight: 1, score: { kind: 'rate' } },
      { indicator: 'onTimeClosureRate', weight: 2, score: { kind: 'rate' } },
    ]);
    // closure 7 / 10 → 70 (share 1/3); on time 7 / 7 → 100 (share 2/3): 70 / 3 + 200 / 3 = 90
    const r = assess(figures({ registered: 10, closed: 7, closedOnTime: 7 }), scheme, 'unit');
    expect(r.index).toBeCloseTo(90, 9);
    expect(r.grade).toBe('excellent');
  });

  it('has Chinese and English names', () => {
    expect(GRADE_NAMES).toEqual({
      excellent: { zh: '优秀', en: 'Excellent' },
      good: { zh: '良好', en: 'Good' },
      pass: { zh: '合格', en: 'Pass' },
      fail: { zh: '不合格', en: 'Fail' },
    });
  });
});

describe('one-vote vetoes', () => {
  it('fail a subject whatever its index, and say which veto applied', () => {
    // A unit: urged 0 → 100, dispatch 10/10 → 100, overdue 0 → 100, closure 10/10 → 100, on time 4/10 → 40,
    // rework 0/10 → 100, satisfaction 5 → 100. (10 + 10 + 10 + 20) × 100 + 20 × 40 + (10 + 20) × 100 = 8800 / 100 = 88 (good),
    // but on time 0.4 < 0.5.
    const f = figures({ registered: 10, closed: 10, closedOnTime: 4, dispatched: 10, dispatchedOnTime: 10, ratingSum: 15, ratingCount: 3 });
    const r = assess(f, DEFAULT_ASSESSMENT_SCHEME, 'unit');
    expect(r.index).toBeCloseTo(88, 9);
    expect(r.grade).toBe('fail');
    expect(r.vetoes).toEqual([
      {
        code: 'on-time-closure-below-half',
        nameZh: '按期结案率低于 50%',
        nameEn: 'Fewer than half of the cases closed on time',
        indicator: 'onTimeClosureRate',
        comparison: '<',
        limit: 0.5,
        value: 0.4,
      },
    ]);
  });

  it('fail an excellent index too', () => {
    const scheme = unitScheme(
      [{ indicator: 'onTimeClosureRate', weight: 1, score: { kind: 'rate' } }],
      [{ code: 'any-overdue', nameZh: '出现超期', nameEn: 'A step went overdue', kinds: ['unit'], indicator: 'overdue', comparison: '>=', limit: 1 }],
    );
    const r = assess(figures({ closed: 10, closedOnTime: 10, overdue: 1 }), scheme, 'unit'); // index 100, 1 ≥ 1
    expect(r.index).toBe(100);
    expect(r.grade).toBe('fail');
    expect(r.vetoes.map((v) => v.code)).toEqual(['any-overdue']);
  });

  it('list every veto that applied', () => {
    // A department: on time 2 / 5 = 0.4 < 0.5, and rework 2 / 5 = 0.4 > 0.3.
    const r = assess(figures({ dispatched: 5, reworked: 2, closed: 5, closedOnTime: 2 }), DEFAULT_ASSESSMENT_SCHEME, 'department');
    expect(r.vetoes.map((v) => [v.code, v.value])).toEqual([
      ['on-time-closure-below-half', 0.4],
      ['rework-above-30', 0.4],
    ]);
    expect(r.grade).toBe('fail');
  });

  it.each([
    ['>', 3, 3, false],
    ['>', 3, 4, true],
    ['>=', 3, 2, false],
    ['>=', 3, 3, true],
    ['<', 3, 3, false],
    ['<', 3, 2, true],
    ['<=', 3, 4, false],
    ['<=', 3, 3, true],
  ] as const)('overdue %s %s with overdue = %s applies: %s', (comparison, limit, overdue, applies) => {
    const scheme = unitScheme([], [{ code: 'v', nameZh: '否决', nameEn: 'Veto', kinds: ['unit'], indicator: 'overdue', comparison, limit }]);
    expect(vetoesOf(figures({ overdue, reported: 1 }), scheme, 'unit').length).toBe(applies ? 1 : 0);
  });

  it('apply only to their kinds, and not to a figure without data', () => {
    // A department with no closes: on-time closure is null, so "below 50 %" does not apply (rework 0 / 3 = 0 ≤ 0.3).
    expect(vetoesOf(figures({ dispatched: 3 }), DEFAULT_ASSESSMENT_SCHEME, 'department')).toEqual([]);
    // A person with on time 1 / 5 = 0.2: that veto is for units and departments.
    expect(vetoesOf(figures({ closed: 5, closedOnTime: 1 }), DEFAULT_ASSESSMENT_SCHEME, 'person')).toEqual([]);
    // A unit with rework 5 / 10 = 0.5: the rework veto is for departments.
    expect(vetoesOf(figures({ dispatched: 10, reworked: 5 }), DEFAULT_ASSESSMENT_SCHEME, 'unit')).toEqual([]);
  });

  it('fail a subject whose scheme indicators have no data, when a veto applies', () => {
    // Closes without ratings: satisfaction, the only indicator, has no data, so no index; on time 1 / 5 = 0.2 < 0.5 still fails it.
    const scheme = unitScheme([{ indicator: 'satisfaction', weight: 1, score: { kind: 'rating' } }], DEFAULT_ASSESSMENT_SCHEME.vetoes);
    const r = assess(figures({ closed: 5, closedOnTime: 1 }), scheme, 'unit');
    expect(r.index).toBeNull();
    expect(r.grade).toBe('fail');
  });
});

describe('a subject with no data at all', () => {
  it.each(['unit', 'person', 'department'] as const)('%s: not assessable (index and grade null), not a fail', (kind) => {
    const r = assess(figures({}), DEFAULT_ASSESSMENT_SCHEME, kind);
    expect(r.index).toBeNull();
    expect(r.grade).toBeNull();
    expect(r.vetoes).toEqual([]);
    expect(r.scores).toHaveLength(DEFAULT_ASSESSMENT_SCHEME.indicators[kind].length);
    expect(r.scores.every((s) => s.score === null && s.share === 0)).toBe(true);
  });

  it('a person with zero field work but some reports is assessable, and field work scores 0', () => {
    // reports 20/20 → 100 (w 20); data, patrols, visits 0 → 0 (w 10 + 20 + 20); on time and satisfaction have no data.
    // (20 × 100) / (10 + 20 + 20 + 20) = 2000 / 70 = 28.571
    const r = assess(figures({ reported: 20 }), DEFAULT_ASSESSMENT_SCHEME, 'person');
    expect(r.index).toBeCloseTo(2000 / 70, 9);
    expect(r.grade).toBe('fail');
  });
});

describe('validateAssessmentScheme', () => {
  it('accepts the default, which is also what the parameter shape gives back', () => {
    expect(validateAssessmentScheme(DEFAULT_ASSESSMENT_SCHEME)).toEqual(DEFAULT_ASSESSMENT_SCHEME);
    expect(PARAMETERS['assessment-scheme'].schema.parse(DEFAULT_ASSESSMENT_SCHEME)).toEqual(DEFAULT_ASSESSMENT_SCHEME);
  });

  it('has default weights that add up to 100 per kind, split 10/20/50/20', () => {
    for (const kind of ['unit', 'person', 'department'] as const) {
      expect(DEFAULT_ASSESSMENT_SCHEME.indicators[kind].reduce((sum, i) => sum + i.weight, 0)).toBe(100);
    }
  });

  it('refuses a negative weight', () => {
    const s = clone();
    s.indicators.unit[0]!.weight = -1;
    expect(fieldsOf(s)).toEqual(['indicators.unit.0.weight']);
  });

  it('refuses weights that add up to 0, naming the kind', () => {
    const s = clone();
    for (const i of s.indicators.person) i.weight = 0;
    expect(fieldsOf(s)).toEqual(['indicators.person']);
  });

  it('refuses an unknown indicator', () => {
    const s = clone() as unknown as { indicators: { department: { indicator: string }[] } };
    s.indicators.department[1]!.indicator = 'happiness';
    expect(fieldsOf(s)).toEqual(['indicators.department.1.indicator']);
  });

  it('refuses an indicator listed twice in a kind, naming the second', () => {
    const s = clone();
    s.indicators.unit.push({ indicator: 'closureRate', weight: 5, score: { kind: 'rate' } }); // closureRate is unit.3 already
    const err = errorOf(() => validateAssessmentScheme(s));
    expect(err.fieldErrors).toEqual([{ field: 'indicators.unit.7.indicator', message: 'closureRate repeats indicators.unit.3' }]);
  });

  it('refuses a scoring that does not fit its indicator', () => {
    const s = clone();
    s.indicators.unit[2] = { indicator: 'overdue', weight: 10, score: { kind: 'rate' } }; // a count scored as a rate
    s.indicators.person[5] = { indicator: 'satisfaction', weight: 20, score: { kind: 'count-target', target: 5, perDays: 30 } };
    expect(fieldsOf(s)).toEqual(['indicators.unit.2.score.kind', 'indicators.person.5.score.kind']);
  });

  it('refuses a per-100 base that is not another count', () => {
    const s = clone();
    s.indicators.unit[0] = { indicator: 'urged', weight: 10, score: { kind: 'count-penalty', pointsEach: 5, per100: 'closureRate' } };
    s.indicators.department[0] = { indicator: 'urged', weight: 10, score: { kind: 'count-penalty', pointsEach: 5, per100: 'urged' } };
    expect(fieldsOf(s)).toEqual(['indicators.unit.0.score.per100', 'indicators.department.0.score.per100']);
  });

  it('refuses an unknown scoring kind', () => {
    const s = clone() as unknown as { indicators: { unit: { score: { kind: string } }[] } };
    s.indicators.unit[1]!.score = { kind: 'vibes' };
    expect(fieldsOf(s)).toEqual(['indicators.unit.1.score.kind']);
  });

  it('refuses thresholds that do not strictly decrease', () => {
    const s = clone();
    s.grades = { excellent: 90, good: 90, pass: 95 };
    expect(fieldsOf(s)).toEqual(['grades.good', 'grades.pass']);
  });

  it('refuses thresholds outside 0..100', () => {
    const s = clone();
    s.grades = { excellent: 120, good: 80, pass: -1 };
    expect(fieldsOf(s)).toEqual(['grades.excellent', 'grades.pass']);
  });

  it('refuses a missing kind and an unknown one', () => {
    const s = clone() as unknown as { indicators: Record<string, unknown> };
    delete s.indicators['person'];
    s.indicators['team'] = [];
    expect(fieldsOf(s).sort()).toEqual(['indicators.person', 'indicators.team']);
  });

  it('refuses a repeated veto code, a limit outside its figure and a kind listed twice', () => {
    const s = clone();
    s.vetoes[1] = { ...s.vetoes[1]!, code: 'on-time-closure-below-half', limit: 50, kinds: ['department', 'department'] }; // 50 % is 0.5
    expect(fieldsOf(s)).toEqual(['vetoes.1.code', 'vetoes.1.kinds', 'vetoes.1.limit']);
  });

  it('refuses a satisfaction veto limit outside 1..5', () => {
    const s = clone();
    s.vetoes.push({ code: 'unhappy', nameZh: '群众不满意', nameEn: 'Residents unhappy', kinds: ['unit'], indicator: 'satisfaction', comparison: '<', limit: 0.5 });
    expect(fieldsOf(s)).toEqual(['vetoes.2.limit']);
  });

  it('reports every bad field at once', () => {
    const s = clone();
    s.indicators.unit.push({ indicator: 'urged', weight: 1, score: { kind: 'count-penalty', pointsEach: 1 } }); // repeats unit.0
    for (const i of s.indicators.department) i.weight = 0;
    s.grades.pass = 85;
    const err = errorOf(() => validateAssessmentScheme(s));
    expect(err.fieldErrors.map((f) => f.field)).toEqual(['indicators.unit.7.indicator', 'indicators.department', 'grades.pass']);
    expect(err.message).toBe('indicators.unit.7.indicator: urged repeats indicators.unit.0');
  });
});
