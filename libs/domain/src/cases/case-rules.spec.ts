import { CLOCK_STEPS, URGENCIES } from '@gm/contracts';
import { DEFAULT_CATEGORIES } from './category-catalogue';
import {
  CaseClock,
  DEFAULT_CASE_RULES,
  deadlineRuleFor,
  escalationRuleFor,
  lightAt,
  nextStepClock,
  validateCaseRules,
  YELLOW_FROM,
  type DeadlineRule,
} from './case-rules';

const rules: DeadlineRule[] = [
  { step: 'handle', minutes: 100, clock: 'working' },
  { step: 'handle', urgency: 'urgent', minutes: 50, clock: 'working' },
  { step: 'handle', category: 'SJ09', minutes: 300, clock: 'working' },
  { step: 'handle', category: 'SJ09', urgency: 'urgent', minutes: 200, clock: 'working' },
  { step: 'handle', category: 'SJ0902', minutes: 400, clock: 'working' },
  { step: 'handle', urgency: 'emergency', minutes: 30, clock: 'natural' },
];

describe('deadlineRuleFor: the most specific rule wins, category before urgency', () => {
  it.each([
    ['SJ0101', 'normal', 100],
    ['SJ0101', 'urgent', 50],
    ['SJ0101', 'emergency', 30],
    ['SJ0901', 'normal', 300],
    ['SJ0901', 'urgent', 200],
    ['SJ0901', 'emergency', 300], // a category rule beats an urgency rule
    ['SJ0902', 'urgent', 400], // an exact category beats its major class, whatever the urgency
  ] as const)('%s (%s) → %d minutes', (category, urgency, minutes) => {
    expect(deadlineRuleFor(rules, 'handle', category, urgency).minutes).toBe(minutes);
  });

  it('throws when no rule covers a step', () => {
    expect(() => deadlineRuleFor(rules, 'verify', 'SJ0101', 'normal')).toThrow(RangeError);
  });

  it('the default rules cover every step of every shipped category at every urgency', () => {
    for (const c of DEFAULT_CATEGORIES) {
      for (const step of CLOCK_STEPS) {
        for (const urgency of URGENCIES) {
          expect(deadlineRuleFor(DEFAULT_CASE_RULES.deadlines, step, c.code, urgency).minutes).toBeGreaterThan(0);
        }
      }
    }
  });

  it('emergencies run on the natural clock by default', () => {
    for (const step of CLOCK_STEPS) expect(deadlineRuleFor(DEFAULT_CASE_RULES.deadlines, step, 'SJ0403', 'emergency').clock).toBe('natural');
  });
});

describe('escalationRuleFor', () => {
  it('takes the most specific category rule, or the catch-all', () => {
    expect(escalationRuleFor(DEFAULT_CASE_RULES.escalation, 'SJ0401')?.overdueMinutes).toBe(30);
    expect(escalationRuleFor(DEFAULT_CASE_RULES.escalation, 'SJ0101')?.overdueMinutes).toBe(420);
    expect(escalationRuleFor([{ category: 'SJ04', overdueMinutes: 1 }], 'SJ0101')).toBeUndefined();
  });
});

describe('CaseClock and nextStepClock', () => {
  const clock = new CaseClock(DEFAULT_CASE_RULES.calendar);
  // Tuesday 2026-11-24, 09:00 in Shanghai.
  const tuesday9 = new Date('2026-11-24T09:00:00+08:00');
  const subject = { categoryCode: 'SJ0101', urgency: 'normal' } as const;

  it('starts a step with its rule: handling an ordinary case takes three working days', () => {
    const s = nextStepClock(clock, DEFAULT_CASE_RULES, null, { kind: 'restart', step: 'handle' }, subject, tuesday9)!;
    expect(s).toMatchObject({ step: 'handle', clock: 'working', limitMinutes: 1260, pausedMinutes: 0, heldAt: null, escalateAfterMinutes: 420 });
    const t = clock.times(s)!;
    // 3 × 420 working minutes from Tue 09:00 → Fri 09:00. Yellow at 80 % = 1008 minutes: Tue gives 390, Wed 420, then 198 on Thu from 08:30 → 11:48.
    expect(t.deadlineAt.toISOString()).toBe('2026-11-27T01:00:00.000Z');
    expect(t.yellowAt.toISOString()).toBe('2026-11-26T03:48:00.000Z');
    // Escalation one working day after the deadline: the next Monday 09:00.
    expect(t.escalateAt?.toISOString()).toBe('2026-11-30T01:00:00.000Z');
  });

  it('natural minutes for emergencies: ten minutes are ten minutes at night too', () => {
    const night = new Date('2026-11-28T23:55:00+08:00'); // a Saturday night
    const s = nextStepClock(clock, DEFAULT_CASE_RULES, null, { kind: 'restart', step: 'accept' }, { categoryCode: 'SJ0403', urgency: 'emergency' }, night)!;
    expect(clock.times(s)!.deadlineAt.toISOString()).toBe('2026-11-28T16:05:00.000Z');
  });

  it('a hold stops the clock (no deadline); a resume pushes the deadline by the working time held', () => {
    const started = nextStepClock(clock, DEFAULT_CASE_RULES, null, { kind: 'restart', step: 'handle' }, subject, tuesday9)!;
    const held = nextStepClock(clock, DEFAULT_CASE_RULES, started, { kind: 'pause' }, subject, new Date('2026-11-24T10:00:00+08:00'))!;
    expect(clock.times(held)).toBeNull();
    // Held from Tue 10:00 to Wed 10:00: 420 working minutes.
    const resumed = nextStepClock(clock, DEFAULT_CASE_RULES, held, { kind: 'resume' }, subject, new Date('2026-11-25T10:00:00+08:00'))!;
    expect(resumed.pausedMinutes).toBe(420);
    expect(resumed.heldAt).toBeNull();
    expect(clock.times(resumed)!.deadlineAt.toISOString()).toBe('2026-11-30T01:00:00.000Z'); // Fri 09:00 + one working day → Mon 09:00
  });

  it('an approved extension grows the limit; stop ends the clock; keep keeps it', () => {
    const started = nextStepClock(clock, DEFAULT_CASE_RULES, null, { kind: 'restart', step: 'handle' }, subject, tuesday9)!;
    expect(nextStepClock(clock, DEFAULT_CASE_RULES, started, { kind: 'extend', minutes: 420 }, subject, tuesday9)!.limitMinutes).toBe(1680);
    expect(nextStepClock(clock, DEFAULT_CASE_RULES, started, { kind: 'stop' }, subject, tuesday9)).toBeNull();
    expect(nextStepClock(clock, DEFAULT_CASE_RULES, started, { kind: 'keep' }, subject, tuesday9)).toBe(started);
  });
});

describe('lights: green below 80 % of the limit, yellow to 100 % inclusive, red past it', () => {
  const clock = new CaseClock(DEFAULT_CASE_RULES.calendar);
  const start = new Date('2026-11-28T23:55:00+08:00');
  // A natural-time step of 480 minutes: the instants are the percentages to the millisecond.
  const times = clock.times({ step: 'handle', clock: 'natural', startedAt: start, limitMinutes: 480, pausedMinutes: 0, heldAt: null, escalateAfterMinutes: null })!;
  const at = (minutes: number) => new Date(start.getTime() + Math.round(minutes * 60_000));
  it('turns yellow at 80 %', () => expect(YELLOW_FROM).toBe(0.8));
  it.each([
    ['nothing used', 0, 'green'],
    ['79.99 %', 383.952, 'green'],
    ['80 % exactly', 384, 'yellow'],
    ['100 % exactly', 480, 'yellow'],
    ['100.01 %', 480.048, 'red'],
    ['twice the limit', 960, 'red'],
  ] as const)('%s → %s', (_label, minutes, light) => {
    expect(lightAt(times, at(minutes))).toBe(light);
  });
});

describe('lightAt', () => {
  const yellowAt = new Date('2026-11-26T03:48:00Z');
  const deadlineAt = new Date('2026-11-27T01:00:00Z');
  it.each([
    ['2026-11-26T03:47:59.999Z', 'green'],
    ['2026-11-26T03:48:00.000Z', 'yellow'],
    ['2026-11-27T01:00:00.000Z', 'yellow'],
    ['2026-11-27T01:00:00.001Z', 'red'],
  ] as const)('at %s → %s', (now, light) => {
    expect(lightAt({ yellowAt, deadlineAt }, new Date(now))).toBe(light);
  });
  it('is null without a running clock', () => {
    expect(lightAt({ yellowAt: null, deadlineAt: null }, new Date())).toBeNull();
  });
});

describe('validateCaseRules', () => {
  const doc = () => ({
    ...DEFAULT_CASE_RULES,
    deadlines: [...DEFAULT_CASE_RULES.deadlines],
    escalation: [...DEFAULT_CASE_RULES.escalation],
    calendar: { ...DEFAULT_CASE_RULES.calendar, workingHours: [...DEFAULT_CASE_RULES.calendar.workingHours], weekendDays: [...DEFAULT_CASE_RULES.calendar.weekendDays], holidays: [...DEFAULT_CASE_RULES.calendar.holidays], makeUpWorkdays: [...DEFAULT_CASE_RULES.calendar.makeUpWorkdays] },
  });
  const fieldsOf = (fn: () => unknown) => {
    try {
      fn();
    } catch (err) {
      return (err as { fieldErrors: { field: string }[] }).fieldErrors.map((f) => f.field);
    }
    throw new Error('expected a validation error');
  };

  it('accepts the defaults', () => {
    expect(validateCaseRules(doc()).deadlines).toHaveLength(DEFAULT_CASE_RULES.deadlines.length);
  });

  it('needs a catch-all rule for every step', () => {
    const d = doc();
    d.deadlines = d.deadlines.filter((r) => !(r.step === 'verify' && !r.category && !r.urgency));
    expect(fieldsOf(() => validateCaseRules(d))).toEqual(['deadlines']);
  });

  it('refuses two rules for the same step, category and urgency, naming the second', () => {
    const d = doc();
    d.deadlines.push({ step: 'handle', urgency: 'urgent', minutes: 10, clock: 'working' });
    expect(fieldsOf(() => validateCaseRules(d))).toEqual([`deadlines.${d.deadlines.length - 1}`]);
  });

  it('names bad calendar fields under calendar.', () => {
    const d = doc();
    d.calendar = { ...d.calendar, timeZone: 'Mars/Olympus', workingHours: [{ start: '09:00', end: '08:00' }] };
    expect(fieldsOf(() => validateCaseRules(d))).toEqual(expect.arrayContaining(['calendar.timeZone', 'calendar.workingHours.0.end']));
  });
});
