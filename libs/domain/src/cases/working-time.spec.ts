import { DomainError } from '@gm/contracts';
import {
  DEFAULT_WORKING_CALENDAR,
  WorkingCalendar,
  parseWorkingCalendar,
  type WorkingCalendarConfig,
} from './working-time';

/** Shanghai wall clock 'YYYY-MM-DD HH:MM[:SS.mmm]' → instant. Shanghai has kept UTC+8 all year since 1991. */
function sh(local: string): Date {
  return new Date(`${local.replace(' ', 'T')}+08:00`);
}

function utc(iso: string): Date {
  return new Date(iso);
}

const ONE_MS_IN_MINUTES = 1 / 60_000;

const shanghai = new WorkingCalendar(DEFAULT_WORKING_CALENDAR);

const OFFICE_HOURS = [
  { start: '08:30', end: '12:00' },
  { start: '14:00', end: '17:30' },
] as const;

function calendar(overrides: Partial<WorkingCalendarConfig>): WorkingCalendar {
  return new WorkingCalendar({ ...DEFAULT_WORKING_CALENDAR, holidays: [], makeUpWorkdays: [], ...overrides });
}

/** Berlin office, ordinary weekends, no holidays: DST moves the UTC times of the same wall-clock hours. */
const berlin = calendar({ timeZone: 'Europe/Berlin', workingHours: OFFICE_HOURS });
/** Berlin, every day working 01:00–05:00: the DST changes of 2026-03-29 and 2026-10-25 fall inside the period. */
const berlinNight = calendar({ timeZone: 'Europe/Berlin', workingHours: [{ start: '01:00', end: '05:00' }], weekendDays: [] });
/** Berlin, every day working 02:30–04:00: a period that starts inside the skipped / repeated hour. */
const berlinSkippedHour = calendar({ timeZone: 'Europe/Berlin', workingHours: [{ start: '02:30', end: '04:00' }], weekendDays: [] });

/** Runs `fn`, expecting a DomainError, and returns it for closer inspection. */
function domainErrorOf(fn: () => unknown): DomainError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(DomainError);
    return err as DomainError;
  }
  throw new Error('expected a DomainError, but nothing was thrown');
}

// March 2026: Mon 2 … Fri 6, Sat 7, Sun 8, Mon 9. Shanghai office hours 08:30–12:00 and 14:00–17:30 (+08:00).

describe('WorkingCalendar.isWorkingDay (default mainland China calendar)', () => {
  it.each([
    ['an ordinary Wednesday', '2026-03-04', true],
    ['an ordinary Saturday', '2026-03-07', false],
    ['an ordinary Sunday', '2026-03-08', false],
    ['New Year, a Thursday', '2026-01-01', false],
    ['the bridging Friday after New Year', '2026-01-02', false],
    ['make-up Sunday after New Year', '2026-01-04', true],
    ['make-up Saturday before Spring Festival', '2026-02-14', true],
    ['Spring Festival Sunday, holiday and weekend', '2026-02-22', false],
    ['last Spring Festival day, a Monday', '2026-02-23', false],
    ['first day back after Spring Festival', '2026-02-24', true],
    ['make-up Saturday after Spring Festival', '2026-02-28', true],
    ['Qingming Monday', '2026-04-06', false],
    ['Labour Day bridging Tuesday', '2026-05-05', false],
    ['make-up Saturday after Labour Day', '2026-05-09', true],
    ['Dragon Boat Friday', '2026-06-19', false],
    ['Mid-Autumn Friday', '2026-09-25', false],
    ['make-up Sunday before National Day', '2026-09-20', true],
    ['National Day Saturday, holiday and weekend', '2026-10-03', false],
    ['National Day Wednesday', '2026-10-07', false],
    ['make-up Saturday after National Day', '2026-10-10', true],
    ['2027 New Year, a Friday', '2027-01-01', false],
    ['2027 Spring Festival 初二, a Monday', '2027-02-08', false],
    ['2027 Mid-Autumn Wednesday', '2027-09-15', false],
    ['an ordinary 2027 Thursday', '2027-03-04', true],
  ])('%s (%s) → %s', (_label, date, expected) => {
    expect(shanghai.isWorkingDay(date)).toBe(expected);
  });

  it('lets a make-up day beat the weekend but not the other way round', () => {
    const cal = calendar({ holidays: ['2026-03-04'], makeUpWorkdays: ['2026-03-07'] });
    expect(cal.isWorkingDay('2026-03-04')).toBe(false);
    expect(cal.isWorkingDay('2026-03-07')).toBe(true);
    expect(cal.isWorkingDay('2026-03-08')).toBe(false);
  });

  it.each(['2026-02-30', '2026-3-4', '2026-03-04T00:00', '', 'yesterday'])('rejects %j with a RangeError', (date) => {
    expect(() => shanghai.isWorkingDay(date)).toThrow(RangeError);
  });
});

describe('WorkingCalendar.addWorkingMinutes (Asia/Shanghai)', () => {
  it.each([
    ['within the morning period', '2026-03-04 09:00', 60, '2026-03-04T02:00:00.000Z'],
    ['running exactly to the lunch break ends at 12:00, not 14:00', '2026-03-04 11:00', 60, '2026-03-04T04:00:00.000Z'],
    ['across the lunch break', '2026-03-04 11:30', 60, '2026-03-04T06:30:00.000Z'],
    ['a full working day from opening ends at closing', '2026-03-04 08:30', 420, '2026-03-04T09:30:00.000Z'],
    ['one minute more than a day', '2026-03-04 08:30', 421, '2026-03-05T00:31:00.000Z'],
    ['before opening: the clock starts at 08:30', '2026-03-04 07:00', 30, '2026-03-04T01:00:00.000Z'],
    ['at lunch: the clock starts at 14:00', '2026-03-04 12:30', 30, '2026-03-04T06:30:00.000Z'],
    ['exactly at 12:00', '2026-03-04 12:00', 1, '2026-03-04T06:01:00.000Z'],
    ['exactly at closing', '2026-03-04 17:30', 1, '2026-03-05T00:31:00.000Z'],
    ['after closing: next morning', '2026-03-04 18:00', 30, '2026-03-05T01:00:00.000Z'],
    ['Friday evening → Monday', '2026-03-06 17:00', 60, '2026-03-09T01:00:00.000Z'],
    ['Friday after closing → Monday 08:31', '2026-03-06 19:00', 1, '2026-03-09T00:31:00.000Z'],
    ['Saturday → Monday', '2026-03-07 10:00', 60, '2026-03-09T01:30:00.000Z'],
    ['Sunday one minute before midnight → Monday', '2026-03-08 23:59', 1, '2026-03-09T00:31:00.000Z'],
    ['five working days Monday → Friday closing', '2026-03-02 08:30', 2100, '2026-03-06T09:30:00.000Z'],
    ['five working days and a minute → Monday', '2026-03-02 08:30', 2101, '2026-03-09T00:31:00.000Z'],
    ['30 working days over the Qingming holiday', '2026-03-02 08:30', 30 * 420, '2026-04-13T09:30:00.000Z'],
    ['all 248 working days of 2026', '2026-01-01 00:00', 248 * 420, '2026-12-31T09:30:00.000Z'],
    ['half a minute', '2026-03-04 09:00', 0.5, '2026-03-04T01:00:30.000Z'],
    ['one thousandth of a minute (ms precision)', '2026-03-04 09:00', 0.001, '2026-03-04T01:00:00.060Z'],
    ['zero minutes on a working minute', '2026-03-04 09:00', 0, '2026-03-04T01:00:00.000Z'],
    ['zero minutes on a Saturday: start itself', '2026-03-07 10:00', 0, '2026-03-07T02:00:00.000Z'],
    ['New Year holidays on weekdays, then the make-up Sunday', '2025-12-31 17:00', 60, '2026-01-04T01:00:00.000Z'],
    ['Friday → make-up Saturday', '2026-02-13 17:00', 60, '2026-02-14T01:00:00.000Z'],
    ['make-up Saturday → over Spring Festival → Tuesday', '2026-02-14 17:00', 60, '2026-02-24T01:00:00.000Z'],
    ['Friday → make-up Saturday after Spring Festival', '2026-02-27 17:00', 60, '2026-02-28T01:00:00.000Z'],
    ['Qingming: Friday → Tuesday', '2026-04-03 17:00', 60, '2026-04-07T01:00:00.000Z'],
    ['Labour Day: Thursday → Wednesday', '2026-04-30 17:00', 60, '2026-05-06T01:00:00.000Z'],
    ['Friday → make-up Saturday after Labour Day', '2026-05-08 17:00', 60, '2026-05-09T01:00:00.000Z'],
    ['Friday → make-up Sunday before National Day', '2026-09-18 17:00', 60, '2026-09-20T01:00:00.000Z'],
    ['National Day week, weekend holidays included', '2026-09-30 17:00', 60, '2026-10-08T01:00:00.000Z'],
  ])('%s: %s + %d min → %s', (_label, start, minutes, expected) => {
    expect(shanghai.addWorkingMinutes(sh(start), minutes).toISOString()).toBe(expected);
  });

  it.each([
    ['negative minutes', -1],
    ['NaN minutes', Number.NaN],
    ['infinite minutes', Number.POSITIVE_INFINITY],
  ])('rejects %s with a RangeError', (_label, minutes) => {
    expect(() => shanghai.addWorkingMinutes(sh('2026-03-04 09:00'), minutes)).toThrow(RangeError);
  });

  it('rejects an invalid start date', () => {
    expect(() => shanghai.addWorkingMinutes(new Date('not a date'), 10)).toThrow(RangeError);
  });

  it('runs a period ending at 24:00 to midnight', () => {
    const evening = calendar({ workingHours: [{ start: '20:00', end: '24:00' }], weekendDays: [] });
    expect(evening.addWorkingMinutes(sh('2026-03-04 23:00'), 90).toISOString()).toBe('2026-03-05T12:30:00.000Z');
    expect(evening.workingMinutesBetween(sh('2026-03-04 00:00'), sh('2026-03-06 00:00'))).toBe(480);
  });

  it('throws a RangeError once a calendar without weekly working days runs out of working time', () => {
    const oneDay = calendar({ weekendDays: [0, 1, 2, 3, 4, 5, 6], makeUpWorkdays: ['2026-03-04'] });
    expect(oneDay.addWorkingMinutes(sh('2026-03-04 17:00'), 30).toISOString()).toBe('2026-03-04T09:30:00.000Z');
    expect(() => oneDay.addWorkingMinutes(sh('2026-03-04 17:00'), 31)).toThrow(RangeError);
    expect(oneDay.workingMinutesBetween(sh('2026-03-01 00:00'), sh('2026-04-01 00:00'))).toBe(420);
  });

  it('creates no Intl.DateTimeFormat while walking 30 working days (formatters are cached)', () => {
    const tokyo = calendar({ timeZone: 'Asia/Tokyo' });
    const spy = jest.spyOn(Intl, 'DateTimeFormat');
    try {
      // 2026-03-02 08:30 in Tokyo (+09:00) is 2026-03-01T23:30Z; 30 working days end Fri 2026-04-10 17:30 (no holidays).
      expect(tokyo.addWorkingMinutes(utc('2026-03-01T23:30:00.000Z'), 30 * 420).toISOString()).toBe('2026-04-10T08:30:00.000Z');
      expect(spy).not.toHaveBeenCalled();
    } finally {
      spy.mockRestore();
    }
  });
});

describe('WorkingCalendar.workingMinutesBetween (Asia/Shanghai)', () => {
  it.each([
    ['an empty interval', '2026-03-04 09:00', '2026-03-04 09:00', 0],
    ['a reversed interval', '2026-03-04 10:00', '2026-03-04 09:00', 0],
    ['one morning hour', '2026-03-04 09:00', '2026-03-04 10:00', 60],
    ['a whole weekday, from before opening to after closing', '2026-03-04 07:00', '2026-03-04 20:00', 420],
    ['across lunch', '2026-03-04 11:00', '2026-03-04 15:00', 120],
    ['the lunch break alone', '2026-03-04 12:00', '2026-03-04 14:00', 0],
    ['Friday 17:00 → Monday 09:00', '2026-03-06 17:00', '2026-03-09 09:00', 60],
    ['a weekend', '2026-03-07 00:00', '2026-03-09 00:00', 0],
    ['one ordinary week', '2026-03-02 00:00', '2026-03-09 00:00', 2100],
    ['New Year: Wednesday, then only the make-up Sunday', '2025-12-31 00:00', '2026-01-05 00:00', 840],
    ['January 2026: 21 working days', '2026-01-01 00:00', '2026-02-01 00:00', 21 * 420],
    ['February 2026: 16 working days, two make-up Saturdays', '2026-02-01 00:00', '2026-03-01 00:00', 16 * 420],
    ['National Day week', '2026-10-01 00:00', '2026-10-08 00:00', 0],
    ['Thursday to Sunday after National Day, make-up Saturday', '2026-10-08 00:00', '2026-10-12 00:00', 3 * 420],
    ['the whole of 2026: 248 working days', '2026-01-01 00:00', '2027-01-01 00:00', 248 * 420],
    ['one millisecond', '2026-03-04 09:00:00.000', '2026-03-04 09:00:00.001', ONE_MS_IN_MINUTES],
    ['one millisecond of lunch', '2026-03-04 12:00:00.000', '2026-03-04 12:00:00.001', 0],
  ])('%s: [%s, %s) → %d min', (_label, from, to, expected) => {
    expect(shanghai.workingMinutesBetween(sh(from), sh(to))).toBe(expected);
  });
});

describe('addWorkingMinutes and workingMinutesBetween are inverse', () => {
  const MINUTES = [0.001, 1, 29.5, 210, 420, 421, 2100, 30 * 420];
  const STEP_MS = 97 * 60_000; // not a divisor of an hour, so starts land all over the day

  function startsFrom(first: Date, count: number): Date[] {
    return Array.from({ length: count }, (_, i) => new Date(first.getTime() + i * STEP_MS));
  }

  it.each([
    // Three weeks over Spring Festival and both make-up Saturdays.
    ['Shanghai around Spring Festival', shanghai, startsFrom(sh('2026-02-10 00:00'), 320)],
    ['Berlin office hours over the spring DST change', berlin, startsFrom(utc('2026-03-25T00:00:00.000Z'), 120)],
    ['Berlin night periods over the spring DST change', berlinNight, startsFrom(utc('2026-03-27T00:00:00.000Z'), 60)],
    ['Berlin night periods over the autumn DST change', berlinNight, startsFrom(utc('2026-10-23T00:00:00.000Z'), 60)],
    ['Berlin 02:30–04:00 over the autumn DST change', berlinSkippedHour, startsFrom(utc('2026-10-23T00:00:00.000Z'), 60)],
  ])('%s: between(start, add(start, m)) === m, and the ms before the result is working time', (_label, cal, starts) => {
    let checked = 0;
    for (const start of starts) {
      for (const minutes of MINUTES) {
        const end = cal.addWorkingMinutes(start, minutes);
        expect(cal.workingMinutesBetween(start, end)).toBe(minutes);
        // The earliest such instant: the millisecond just before it was still counted.
        expect(cal.workingMinutesBetween(new Date(end.getTime() - 1), end)).toBe(ONE_MS_IN_MINUTES);
        checked++;
      }
    }
    expect(checked).toBe(starts.length * MINUTES.length);
  });

  it.each([
    ['Shanghai', shanghai, sh('2026-02-12 10:17')],
    ['Berlin night periods', berlinNight, utc('2026-10-24T20:03:00.000Z')],
  ])('%s: add(start, between(start, t)) is t, or the end of the last working period before t', (_label, cal, start) => {
    for (let k = 1; k <= 40; k++) {
      const t = new Date(start.getTime() + k * 211 * 60_000);
      const minutes = cal.workingMinutesBetween(start, t);
      const back = cal.addWorkingMinutes(start, minutes);
      expect(back.getTime()).toBeLessThanOrEqual(t.getTime());
      expect(cal.workingMinutesBetween(back, t)).toBe(0);
      expect(cal.workingMinutesBetween(start, back)).toBe(minutes);
    }
  });
});

describe('time zones', () => {
  it.each([
    ['Shanghai 09:00, Berlin 02:00', '2026-03-04T01:00:00.000Z', 1, 0],
    ['Shanghai 15:00, Berlin 08:00', '2026-03-04T07:00:00.000Z', 1, 0],
    ['Shanghai 17:00, Berlin 10:00', '2026-03-04T09:00:00.000Z', 1, 1],
    ['Shanghai 18:00, Berlin 11:00', '2026-03-04T10:00:00.000Z', 0, 1],
    ['Shanghai Thursday 00:29, Berlin Wednesday 17:29 (CET)', '2026-03-04T16:29:00.000Z', 0, 1],
  ])('the minute from %s (%s) is worth %d working min in Shanghai, %d in Berlin', (_label, iso, inShanghai, inBerlin) => {
    const from = utc(iso);
    const to = new Date(from.getTime() + 60_000);
    expect(shanghai.workingMinutesBetween(from, to)).toBe(inShanghai);
    expect(berlin.workingMinutesBetween(from, to)).toBe(inBerlin);
  });

  it('starts the same instant at different places in the two calendars', () => {
    const instant = utc('2026-03-04T10:00:00.000Z');
    expect(shanghai.addWorkingMinutes(instant, 30).toISOString()).toBe('2026-03-05T01:00:00.000Z');
    expect(berlin.addWorkingMinutes(instant, 30).toISOString()).toBe('2026-03-04T10:30:00.000Z');
  });

  it.each([
    ['Shanghai before the European spring change', '2026-03-24T16:00:00.000Z', '2026-03-25T00:31:00.000Z', shanghai],
    ['Shanghai after the European spring change', '2026-03-31T16:00:00.000Z', '2026-04-01T00:31:00.000Z', shanghai],
    ['Shanghai after the European autumn change', '2026-10-27T16:00:00.000Z', '2026-10-28T00:31:00.000Z', shanghai],
    ['Berlin in winter time (UTC+1)', '2026-03-25T00:00:00.000Z', '2026-03-25T07:31:00.000Z', berlin],
    ['Berlin in summer time (UTC+2)', '2026-04-01T00:00:00.000Z', '2026-04-01T06:31:00.000Z', berlin],
    ['Berlin back in winter time', '2026-10-28T00:00:00.000Z', '2026-10-28T07:31:00.000Z', berlin],
  ])('%s: opening 08:30 + 1 min, from %s → %s', (_label, start, expected, cal) => {
    expect(cal.addWorkingMinutes(utc(start), 1).toISOString()).toBe(expected);
  });

  it.each([
    ['Friday CET → Monday CEST (spring)', '2026-03-27T16:00:00.000Z', 60, '2026-03-30T07:00:00.000Z'],
    ['Friday CEST → Monday CET (autumn)', '2026-10-23T15:00:00.000Z', 60, '2026-10-26T08:00:00.000Z'],
  ])('Berlin office hours over a DST weekend: %s', (_label, start, minutes, expected) => {
    expect(berlin.addWorkingMinutes(utc(start), minutes).toISOString()).toBe(expected);
  });

  it('keeps the working day at 420 min on both sides of a DST weekend in Berlin', () => {
    expect(berlin.workingMinutesBetween(utc('2026-03-27T00:00:00.000Z'), utc('2026-03-31T00:00:00.000Z'))).toBe(840);
    expect(berlin.workingMinutesBetween(utc('2026-10-23T00:00:00.000Z'), utc('2026-10-27T00:00:00.000Z'))).toBe(840);
  });

  it.each([
    ['an ordinary day: 01:00–05:00 CET', '2026-03-27T12:00:00.000Z', '2026-03-28T12:00:00.000Z', 240],
    ['spring forward: 02:00–03:00 never happens', '2026-03-28T12:00:00.000Z', '2026-03-29T12:00:00.000Z', 180],
    ['fall back: 02:00–03:00 happens twice', '2026-10-24T12:00:00.000Z', '2026-10-25T12:00:00.000Z', 300],
    ['fall back, the first 02:00–03:00 (CEST)', '2026-10-25T00:00:00.000Z', '2026-10-25T01:00:00.000Z', 60],
    ['fall back, the second 02:00–03:00 (CET)', '2026-10-25T01:00:00.000Z', '2026-10-25T02:00:00.000Z', 60],
  ])('Berlin period 01:00–05:00 containing a DST change, %s', (_label, from, to, expected) => {
    expect(berlinNight.workingMinutesBetween(utc(from), utc(to))).toBe(expected);
  });

  it.each([
    ['one hour in: the wall clock jumps from 02:00 to 03:00', '2026-03-29T00:00:00.000Z', 60, '2026-03-29T01:00:00.000Z'],
    ['one hour and a minute in: 03:01 CEST', '2026-03-29T00:00:00.000Z', 61, '2026-03-29T01:01:00.000Z'],
    ['the whole short period ends at 05:00 CEST', '2026-03-29T00:00:00.000Z', 180, '2026-03-29T03:00:00.000Z'],
    ['one minute past the short period: next night 01:01 CEST', '2026-03-29T00:00:00.000Z', 181, '2026-03-29T23:01:00.000Z'],
    ['through the first 02:00–03:00 into the second', '2026-10-24T23:00:00.000Z', 150, '2026-10-25T01:30:00.000Z'],
    ['the whole long period ends at 05:00 CET', '2026-10-24T23:00:00.000Z', 300, '2026-10-25T04:00:00.000Z'],
  ])('Berlin period 01:00–05:00: %s', (_label, start, minutes, expected) => {
    expect(berlinNight.addWorkingMinutes(utc(start), minutes).toISOString()).toBe(expected);
  });

  it.each([
    ['spring: only 03:00–04:00 CEST exists', '2026-03-28T12:00:00.000Z', '2026-03-29T12:00:00.000Z', 60],
    ['autumn: 02:30–03:00 CEST and 02:30–04:00 CET', '2026-10-24T12:00:00.000Z', '2026-10-25T12:00:00.000Z', 120],
    ['autumn: the wall clock shows 02:00–02:30 CET, before the period', '2026-10-25T01:00:00.000Z', '2026-10-25T01:30:00.000Z', 0],
  ])('Berlin period 02:30–04:00 starting inside the changed hour, %s', (_label, from, to, expected) => {
    expect(berlinSkippedHour.workingMinutesBetween(utc(from), utc(to))).toBe(expected);
  });

  it.each([
    ['spring: the clock starts when the wall clock jumps to 03:00', '2026-03-28T12:00:00.000Z', 1, '2026-03-29T01:01:00.000Z'],
    ['autumn: the first pass ends at 03:00 CEST', '2026-10-24T12:00:00.000Z', 30, '2026-10-25T01:00:00.000Z'],
    ['autumn: the second pass resumes at 02:30 CET', '2026-10-24T12:00:00.000Z', 31, '2026-10-25T01:31:00.000Z'],
  ])('Berlin period 02:30–04:00: %s', (_label, start, minutes, expected) => {
    expect(berlinSkippedHour.addWorkingMinutes(utc(start), minutes).toISOString()).toBe(expected);
  });
});

describe('parseWorkingCalendar', () => {
  const VALID = { timeZone: 'Asia/Shanghai', workingHours: OFFICE_HOURS };

  it('fills the defaults for the optional lists', () => {
    expect(parseWorkingCalendar(VALID)).toEqual({
      timeZone: 'Asia/Shanghai',
      workingHours: [
        { start: '08:30', end: '12:00' },
        { start: '14:00', end: '17:30' },
      ],
      weekendDays: [0, 6],
      holidays: [],
      makeUpWorkdays: [],
    });
  });

  it('accepts the default calendar unchanged', () => {
    expect(parseWorkingCalendar(DEFAULT_WORKING_CALENDAR)).toEqual(DEFAULT_WORKING_CALENDAR);
  });

  it('spells the time zone the canonical way', () => {
    expect(parseWorkingCalendar({ ...VALID, timeZone: 'asia/shanghai' }).timeZone).toBe('Asia/Shanghai');
  });

  it('accepts touching periods, a period ending at 24:00, an empty weekend and make-up days on a custom weekend', () => {
    const parsed = parseWorkingCalendar({
      timeZone: 'Asia/Dubai',
      workingHours: [
        { start: '00:00', end: '12:00' },
        { start: '12:00', end: '24:00' },
      ],
      weekendDays: [5, 6],
      makeUpWorkdays: ['2026-03-06'], // a Friday, off in this calendar
    });
    expect(parsed.workingHours).toEqual([
      { start: '00:00', end: '12:00' },
      { start: '12:00', end: '24:00' },
    ]);
    expect(parsed.weekendDays).toEqual([5, 6]);
    expect(parsed.makeUpWorkdays).toEqual(['2026-03-06']);
    expect(parseWorkingCalendar({ ...VALID, weekendDays: [] }).weekendDays).toEqual([]);
  });

  it.each<[string, string[], unknown]>([
    ['null', ['(body)'], null],
    ['a string', ['(body)'], 'Asia/Shanghai'],
    ['an array', ['(body)'], []],
    ['an empty object', ['timeZone', 'workingHours'], {}],
    ['an unknown time zone', ['timeZone'], { ...VALID, timeZone: 'Mars/Olympus' }],
    ['an empty time zone', ['timeZone'], { ...VALID, timeZone: '' }],
    ['a numeric time zone', ['timeZone'], { ...VALID, timeZone: 8 }],
    ['no working periods', ['workingHours'], { ...VALID, workingHours: [] }],
    ['working hours not a list', ['workingHours'], { ...VALID, workingHours: '08:30-17:30' }],
    ['a period that is not an object', ['workingHours.0'], { ...VALID, workingHours: ['08:30-12:00'] }],
    ['H:MM without the leading zero', ['workingHours.0.start'], { ...VALID, workingHours: [{ start: '8:30', end: '12:00' }] }],
    ['hour 25', ['workingHours.1.end'], { ...VALID, workingHours: [OFFICE_HOURS[0], { start: '14:00', end: '25:00' }] }],
    ['minute 60', ['workingHours.0.start'], { ...VALID, workingHours: [{ start: '08:60', end: '12:00' }] }],
    ['24:00 as a start', ['workingHours.0.start'], { ...VALID, workingHours: [{ start: '24:00', end: '24:00' }] }],
    ['00:00 as an end', ['workingHours.0.end'], { ...VALID, workingHours: [{ start: '08:00', end: '00:00' }] }],
    ['a missing end', ['workingHours.0.end'], { ...VALID, workingHours: [{ start: '08:00' }] }],
    ['end before start', ['workingHours.1.end'], { ...VALID, workingHours: [OFFICE_HOURS[0], { start: '14:00', end: '13:00' }] }],
    ['end equal to start', ['workingHours.0.end'], { ...VALID, workingHours: [{ start: '08:30', end: '08:30' }] }],
    ['overlapping periods', ['workingHours.1.start'], { ...VALID, workingHours: [OFFICE_HOURS[0], { start: '11:00', end: '17:30' }] }],
    ['unsorted periods', ['workingHours.1.start'], { ...VALID, workingHours: [OFFICE_HOURS[1], OFFICE_HOURS[0]] }],
    ['weekend not a list', ['weekendDays'], { ...VALID, weekendDays: 'sat,sun' }],
    ['weekday 7', ['weekendDays.1'], { ...VALID, weekendDays: [0, 7] }],
    ['a fractional weekday', ['weekendDays.0'], { ...VALID, weekendDays: [1.5] }],
    ['a weekday as a string', ['weekendDays.0'], { ...VALID, weekendDays: ['6'] }],
    ['a weekday twice', ['weekendDays.2'], { ...VALID, weekendDays: [6, 0, 6] }],
    ['holidays not a list', ['holidays'], { ...VALID, holidays: '2026-01-01' }],
    ['30 February', ['holidays.1'], { ...VALID, holidays: ['2026-01-01', '2026-02-30'] }],
    ['a date without zero padding', ['holidays.0'], { ...VALID, holidays: ['2026-1-1'] }],
    ['a date as a number', ['holidays.0'], { ...VALID, holidays: [20260101] }],
    ['a date with a time', ['holidays.0'], { ...VALID, holidays: ['2026-01-01T00:00:00Z'] }],
    ['a holiday twice', ['holidays.1'], { ...VALID, holidays: ['2026-01-01', '2026-01-01'] }],
    ['month 13 as a make-up day', ['makeUpWorkdays.0'], { ...VALID, makeUpWorkdays: ['2026-13-01'] }],
    [
      'a date both holiday and make-up day',
      ['makeUpWorkdays.1'],
      { ...VALID, holidays: ['2026-02-14'], makeUpWorkdays: ['2026-02-28', '2026-02-14'] },
    ],
    ['a make-up day on a regular working day', ['makeUpWorkdays.0'], { ...VALID, makeUpWorkdays: ['2026-03-04'] }],
    [
      'several problems at once, all named',
      ['timeZone', 'workingHours.0.start', 'weekendDays.0', 'holidays.0', 'makeUpWorkdays.0'],
      { timeZone: 'Nowhere/Land', workingHours: [{ start: '9', end: '17:00' }], weekendDays: [8], holidays: ['x'], makeUpWorkdays: ['y'] },
    ],
  ])('rejects %s with REQUEST.VALIDATION_FAILED naming %j', (_label, fields, input) => {
    const err = domainErrorOf(() => parseWorkingCalendar(input));
    expect(err.code).toBe('REQUEST.VALIDATION_FAILED');
    expect(err.fieldErrors.map((f) => f.field)).toEqual(fields);
    expect(err.message.startsWith(`${fields[0]}: `)).toBe(true);
  });

  it.each<[string, unknown, string]>([
    ['the unknown zone', { ...VALID, timeZone: 'Mars/Olympus' }, 'unknown time zone Mars/Olympus'],
    [
      'the previous period',
      { ...VALID, workingHours: [OFFICE_HOURS[0], { start: '11:00', end: '17:30' }] },
      '11:00 is before the end of the previous period (12:00)',
    ],
    ['the end and the start', { ...VALID, workingHours: [{ start: '14:00', end: '13:00' }] }, '13:00 is not after the start 14:00'],
    [
      'the holiday entry',
      { ...VALID, holidays: ['2026-02-14'], makeUpWorkdays: ['2026-02-14'] },
      '2026-02-14 is also listed as a holiday (holidays.0)',
    ],
    ['the bad date', { ...VALID, holidays: ['2026-02-30'] }, 'expected a date YYYY-MM-DD, got "2026-02-30"'],
  ])('says what is wrong, naming %s', (_label, input, message) => {
    expect(domainErrorOf(() => parseWorkingCalendar(input)).fieldErrors[0]?.message).toContain(message);
  });

  it('is what the WorkingCalendar constructor applies', () => {
    const err = domainErrorOf(() => new WorkingCalendar({ ...DEFAULT_WORKING_CALENDAR, timeZone: 'Mars/Olympus' }));
    expect(err.fieldErrors.map((f) => f.field)).toEqual(['timeZone']);
  });
});
