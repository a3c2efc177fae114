import { DomainError, type FieldError } from '@gm/contracts';

/*
 * Case time limits (办理时限) run in working time: working periods of working days, in the time zone the calendar is
 * kept in. An instant is working time when the local wall clock at that instant shows a working day and a time inside
 * one of the working periods. Defining it on the wall clock makes DST come out the way staff live it: on a
 * spring-forward day a period 01:00–05:00 holds three real hours, on a fall-back day five.
 *
 * Time zones go through Intl.DateTimeFormat only, so the module stays pure and dependency-free.
 */

export interface WorkingCalendarConfig {
  /** IANA time zone the calendar is kept in, e.g. 'Asia/Shanghai'. */
  readonly timeZone: string;
  /**
   * Working periods of a working day, local wall-clock 'HH:MM', sorted, non-overlapping, e.g.
   * [{start:'08:30',end:'12:00'},{start:'14:00',end:'17:30'}]. An end of '24:00' runs a period to midnight.
   */
  readonly workingHours: readonly { readonly start: string; readonly end: string }[];
  /** Days of the week that are off unless listed as make-up days: 0 = Sunday … 6 = Saturday. Default [0, 6]. */
  readonly weekendDays: readonly number[];
  /** Local dates 'YYYY-MM-DD' that are days off (public holidays), whatever their weekday. */
  readonly holidays: readonly string[];
  /** Local dates 'YYYY-MM-DD' that are working days although they fall on a weekend (调休 make-up working days). */
  readonly makeUpWorkdays: readonly string[];
}


const DEFAULT_WEEKEND_DAYS: readonly number[] = [0, 6];

/**
 * Mainland China office calendar. Holidays and make-up days are configuration, not law encoded in code: the State
 * Council publishes each year's arrangement (国务院办公厅关于某年部分节假日安排的通知) around November of the year
 * before, and the operator must add it here or, better, in the deployment's calendar settings.
 *
 * - 2026: the published arrangement (notice of 2025-11-04), bridging days and make-up days included.
 * - 2027: not yet published when this was written, so only the statutory days themselves are listed (元旦 1, 春节
 *   除夕–初三 4, 清明 1, 劳动节 2, 端午 1, 中秋 1, 国庆 3; lunar dates checked against ICU's Chinese calendar).
 *   The bridging days and make-up Saturdays/Sundays are missing until the operator replaces this block.
 */
export const DEFAULT_WORKING_CALENDAR: WorkingCalendarConfig = Object.freeze({
  timeZone: 'Asia/Shanghai',
  workingHours: Object.freeze([Object.freeze({ start: '08:30', end: '12:00' }), Object.freeze({ start: '14:00', end: '17:30' })]),
  weekendDays: DEFAULT_WEEKEND_DAYS,
  holidays: Object.freeze([
    // 2026 (published)
    '2026-01-01', '2026-01-02', '2026-01-03',
    '2026-02-15', '2026-02-16', '2026-02-17', '2026-02-18', '2026-02-19', '2026-02-20', '2026-02-21', '2026-02-22', '2026-02-23',
    '2026-04-04', '2026-04-05', '2026-04-06',
    '2026-05-01', '2026-05-02', '2026-05-03', '2026-05-04', '2026-05-05',
    '2026-06-19', '2026-06-20', '2026-06-21',
    '2026-09-25', '2026-09-26', '2026-09-27',
    '2026-10-01', '2026-10-02', '2026-10-03', '2026-10-04', '2026-10-05', '2026-10-06', '2026-10-07',
    // 2027 (statutory days only; replace with the published arrangement)
    '2027-01-01',
    '2027-02-06', '2027-02-07', '2027-02-08', '2027-02-09',
    '2027-04-05',
    '2027-05-01', '2027-05-02',
    '2027-06-09',
    '2027-09-15',
    '2027-10-01', '2027-10-02', '2027-10-03',
  ]),
  makeUpWorkdays: Object.freeze(['2026-01-04', '2026-02-14', '2026-02-28', '2026-05-09', '2026-09-20', '2026-10-10']),
});

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
/**
 * Real UTC offsets stay within −12 h … +14 h, so every instant of a local day lies within these margins around the
 * day read as UTC; the spare hour keeps the bound safe without widening it enough to hold two DST changes.
 */
const MARGIN_BEFORE_MS = 15 * HOUR_MS;
const MARGIN_AFTER_MS = 13 * HOUR_MS;
/** Bounds the memory of a long-lived calendar; a year of working days fits many times over. */
const DAY_CACHE_LIMIT = 4096;
/** Float noise allowance when comparing minutes: far below the clock's 1 ms (≈ 1.7e-5 min) resolution. */

const TIME_PATTERN = /^([01]\d|2[0-3]):([0-5]\d)$/;
const DATE_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Half-open interval of UTC epoch milliseconds. */
interface Span {
  readonly start: number;
  readonly end: number;
}

interface OffsetRun extends Span {
  /** Local wall clock minus UTC, in ms. */
  readonly offset: number;
}

/** Working period as minutes since local midnight; end may be 1440 (a period running to midnight). */
interface Period {
  readonly start: number;
  readonly end: number;
}

// ---------------------------------------------------------------------------------------------------------------
// Validation

/**
 * Validates a calendar (from settings, an API body or a file) and fills the optional lists with their defaults.
 * Throws REQUEST.VALIDATION_FAILED naming every bad field, e.g. `workingHours.1.start`, `holidays.0`, `timeZone`.
 */
export function parseWorkingCalendar(input: unknown): WorkingCalendarConfig {
  if (!isRecord(input)) throw DomainError.validation([{ field: '(body)', message: 'expected a calendar object' }]);
  const errors: FieldError[] = [];

  const timeZone = parseTimeZone(input['timeZone'], errors);
  const workingHours = parseWorkingHours(input['workingHours'], errors);
  const weekendDays = parseWeekendDays(input['weekendDays'], errors);
  const holidays = parseDateList(input['holidays'], 'holidays', errors);
  const makeUpWorkdays = parseDateList(input['makeUpWorkdays'], 'makeUpWorkdays', errors);

  makeUpWorkdays.forEach((date, i) => {
    if (date === undefined) return;
    const holidayIndex = holidays.indexOf(date);
    if (holidayIndex >= 0) {
      errors.push({ field: `makeUpWorkdays.${i}`, message: `${date} is also listed as a holiday (holidays.${holidayIndex})` });
    } else if (weekendDays && !weekendDays.includes(weekdayOf(dayNumberOf(date)))) {
      // A make-up day on a regular working day changes nothing, so it is almost certainly a mistyped date.
      errors.push({ field: `makeUpWorkdays.${i}`, message: `${date} is not on a weekend day, so it is a working day anyway` });
    }
  });

  if (errors.length > 0) throw DomainError.validation(errors);
  return Object.freeze({
    timeZone: timeZone as string,
    workingHours: Object.freeze(workingHours as { start: string; end: string }[]),
    weekendDays: Object.freeze([...(weekendDays as number[])]),
    holidays: Object.freeze(holidays as string[]),
    makeUpWorkdays: Object.freeze(makeUpWorkdays as string[]),
  });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseTimeZone(value: unknown, errors: FieldError[]): string | undefined {
  if (typeof value !== 'string' || value.trim() === '') {
    errors.push({ field: 'timeZone', message: 'expected an IANA time zone name such as Asia/Shanghai' });
    return undefined;
  }
  try {
    // Intl knows the zones of the runtime's tz database and answers with the canonical spelling.
    return new Intl.DateTimeFormat('en-US', { timeZone: value }).resolvedOptions().timeZone;
  } catch {
    errors.push({ field: 'timeZone', message: `unknown time zone ${value}` });
    return undefined;
  }
}

function parseWorkingHours(value: unknown, errors: FieldError[]): { start: string; end: string }[] {
  if (!Array.isArray(value) || value.length === 0) {
    errors.push({ field: 'workingHours', message: 'expected at least one working period {start, end}' });
    return [];
  }
  const periods: { start: string; end: string }[] = [];
  let previousEnd: { readonly minutes: number; readonly text: string } | undefined;
  value.forEach((item: unknown, i) => {
    if (!isRecord(item)) {
      errors.push({ field: `workingHours.${i}`, message: 'expected {start: "HH:MM", end: "HH:MM"}' });
      return;
    }
    const start = minutesOfDay(item['start'], false);
    const end = minutesOfDay(item['end'], true);
    if (start === undefined) {
      errors.push({ field: `workingHours.${i}.start`, message: `expected HH:MM (00:00–23:59), got ${JSON.stringify(item['start'])}` });
    }
    if (end === undefined) {
      errors.push({ field: `workingHours.${i}.end`, message: `expected HH:MM (00:01–24:00), got ${JSON.stringify(item['end'])}` });
    }
    if (start === undefined || end === undefined) return;
    const startText = item['start'] as string;
    const endText = item['end'] as string;
    if (end <= start) {
      errors.push({ field: `workingHours.${i}.end`, message: `${endText} is not after the start ${startText}` });
      return;
    }
    if (previousEnd && start < previousEnd.minutes) {
      errors.push({
        field: `workingHours.${i}.start`,
        message: `${startText} is before the end of the previous period (${previousEnd.text}): periods must be sorted and must not overlap`,
      });
    }
    previousEnd = { minutes: end, text: endText };
    periods.push({ start: startText, end: endText });
  });
  return periods;
}

/** Minutes since midnight of 'HH:MM'; '24:00' only as the end of a period (a period running to midnight). */
function minutesOfDay(value: unknown, isEnd: boolean): number | undefined {
  if (typeof value !== 'string') return undefined;
  if (isEnd && value === '24:00') return 24 * 60;
  const match = TIME_PATTERN.exec(value);
  if (!match) return undefined;
  const minutes = Number(match[1]) * 60 + Number(match[2]);
  return isEnd && minutes === 0 ? undefined : minutes;
}

function parseWeekendDays(value: unknown, errors: FieldError[]): number[] | undefined {
  if (value === undefined) return [...DEFAULT_WEEKEND_DAYS];
  if (!Array.isArray(value)) {
    errors.push({ field: 'weekendDays', message: 'expected a list of weekdays, 0 = Sunday … 6 = Saturday' });
    return undefined;
  }
  let valid = true;
  value.forEach((day: unknown, i) => {
    if (typeof day !== 'number' || !Number.isInteger(day) || day < 0 || day > 6) {
      errors.push({ field: `weekendDays.${i}`, message: `expected a weekday 0 (Sunday) … 6 (Saturday), got ${JSON.stringify(day)}` });
      valid = false;
    } else if (value.indexOf(day) !== i) {
      errors.push({ field: `weekendDays.${i}`, message: `weekday ${day} is listed twice` });
      valid = false;
    }
  });
  return valid ? (value as number[]) : undefined;
}

/** Entries that failed stay `undefined` in place so later checks keep the caller's indexes. */
function parseDateList(value: unknown, field: 'holidays' | 'makeUpWorkdays', errors: FieldError[]): (string | undefined)[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) {
    errors.push({ field, message: 'expected a list of dates YYYY-MM-DD' });
    return [];
  }
  return value.map((date: unknown, i) => {
    if (typeof date !== 'string' || !isCalendarDate(date)) {
      errors.push({ field: `${field}.${i}`, message: `expected a date YYYY-MM-DD, got ${JSON.stringify(date)}` });
      return undefined;
    }
    if (value.indexOf(date) !== i) {
      errors.push({ field: `${field}.${i}`, message: `${date} is listed twice` });
      return undefined;
    }
    return date;
  });
}

function isCalendarDate(value: string): boolean {
  const match = DATE_PATTERN.exec(value);
  return match !== null && formatDayNumber(dayNumberOf(value)) === value;
}

// ---------------------------------------------------------------------------------------------------------------
// Dates as day numbers (days since 1970-01-01) and the time zone clock

/** 'YYYY-MM-DD' → days since 1970-01-01; NaN when the fields do not parse. */
function dayNumberOf(date: string): number {
  const match = DATE_PATTERN.exec(date);
  if (!match) return Number.NaN;
  return utcMs(Number(match[1]), Number(match[2]), Number(match[3]), 0, 0, 0) / DAY_MS;
}

function formatDayNumber(day: number): string {
  if (!Number.isFinite(day)) return '';
  const d = new Date(day * DAY_MS);
  const year = String(d.getUTCFullYear()).padStart(4, '0');
  return `${year}-${String(d.getUTCMonth() + 1).padStart(2, '0')}-${String(d.getUTCDate()).padStart(2, '0')}`;
}

/** 0 = Sunday … 6 = Saturday; 1970-01-01 was a Thursday. */
function weekdayOf(day: number): number {
  return (((day + 4) % 7) + 7) % 7;
}

/** Date.UTC without its two-digit-year quirk (years 0–99 would land in the 1900s). */
function utcMs(year: number, month: number, day: number, hour: number, minute: number, second: number): number {
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day);
  d.setUTCHours(hour, minute, second, 0);
  return d.getTime();
}

// Building a DateTimeFormat costs far more than using one, and every calendar in a zone can share it.
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** Local wall clock minus UTC at instant `ms`. Offsets change on whole seconds, so the second holding `ms` decides. */
function offsetAt(formatter: Intl.DateTimeFormat, ms: number): number {
  const second = Math.floor(ms / 1000) * 1000;
  const f = { year: 0, month: 0, day: 0, hour: 0, minute: 0, second: 0 };
  for (const part of formatter.formatToParts(second)) {
    if (part.type in f) f[part.type as keyof typeof f] = Number(part.value);
  }
  // Some ICU versions print midnight as 24 even with h23.
  return utcMs(f.year, f.month, f.day, f.hour % 24, f.minute, f.second) - second;
}

/**
 * Splits [from, to) (whole seconds) into runs of constant UTC offset. Bisection only where the two ends disagree, so
 * an ordinary day costs two Intl calls and a DST day a few dozen.
 */
function offsetRuns(formatter: Intl.DateTimeFormat, from: number, to: number): OffsetRun[] {
  const runs: OffsetRun[] = [];
  const push = (start: number, end: number, offset: number): void => {
    const last = runs[runs.length - 1];
    if (last && last.offset === offset && last.end === start) runs[runs.length - 1] = { start: last.start, end, offset };
    else runs.push({ start, end, offset });
  };
  const split = (lo: number, hi: number, offsetLo: number, offsetHi: number): void => {
    if (offsetLo === offsetHi || hi - lo <= 1000) {
      push(lo, hi, offsetLo);
      return;
    }
    const mid = lo + Math.floor((hi - lo) / 2000) * 1000;
    const offsetMid = offsetAt(formatter, mid);
    split(lo, mid, offsetLo, offsetMid);
    split(mid, hi, offsetMid, offsetHi);
  };
  split(from, to, offsetAt(formatter, from), offsetAt(formatter, to));
  return runs;
}

// ---------------------------------------------------------------------------------------------------------------
// The calendar

export class WorkingCalendar {
  /** The validated configuration, defaults filled in. */
  readonly config: WorkingCalendarConfig;
  private readonly formatter: Intl.DateTimeFormat;
  private readonly periods: readonly Period[];
  private readonly weekend: ReadonlySet<number>;
  private readonly holidays: ReadonlySet<number>;
  private readonly makeUpDays: ReadonlySet<number>;
  /** After this day the calendar repeats week by week. */
  private readonly lastListedDay: number;
  /** False when no weekday works: then working time can run out and walks forward must stop. */
  private readonly hasWeeklyWork: boolean;
  private readonly spansByDay = new Map<number, readonly Span[]>();

  /** Validates `config` like parseWorkingCalendar (throws the same DomainError), so a calendar is always sound. */
  constructor(config: WorkingCalendarConfig) {
    this.config = parseWorkingCalendar(config);
    this.formatter = formatterFor(this.config.timeZone);
    this.periods = this.config.workingHours.map((p) => ({ start: minutesOfDay(p.start, false) ?? 0, end: minutesOfDay(p.end, true) ?? 0 }));
    this.weekend = new Set(this.config.weekendDays);
    this.holidays = new Set(this.config.holidays.map(dayNumberOf));
    this.makeUpDays = new Set(this.config.makeUpWorkdays.map(dayNumberOf));
    this.lastListedDay = Math.max(Number.NEGATIVE_INFINITY, ...this.holidays, ...this.makeUpDays);
    this.hasWeeklyWork = this.weekend.size < 7;
  }

  /** true when the local date is a working day (make-up days win over weekends; holidays win over everything). */
  isWorkingDay(localDate: string): boolean {
    if (!isCalendarDate(localDate)) throw new RangeError(`Not a date YYYY-MM-DD: ${JSON.stringify(localDate)}`);
    return this.isWorkingDayNumber(dayNumberOf(localDate));
  }

  /** Working minutes in [from, to) (0 if to <= from). Fractional minutes allowed (ms precision). */
  workingMinutesBetween(from: Date, to: Date): number {
    return this.msBetween(instantOf(from, 'from'), instantOf(to, 'to')) / MINUTE_MS;
  }

  /**
   * The instant at which `minutes` working minutes have elapsed after `start`. If start is outside working hours the
   * clock starts at the next working period. minutes=0 → start itself. The result is the earliest such instant, so
   * a limit used up exactly at the close of a period ends at that close (12:00), not at the next opening (14:00).
   */
  addWorkingMinutes(start: Date, minutes: number): Date {
    return new Date(this.addMs(instantOf(start, 'start'), millisOf(minutes, 'minutes')));
  }

  private isWorkingDayNumber(day: number): boolean {
    if (this.holidays.has(day)) return false;
    if (this.makeUpDays.has(day)) return true;
    return !this.weekend.has(weekdayOf(day));
  }

  private localDayOf(ms: number): number {
    return Math.floor((ms + offsetAt(this.formatter, ms)) / DAY_MS);
  }

  /** Working time of one local day as UTC spans, sorted, touching spans merged. */
  private spansOf(day: number): readonly Span[] {
    const cached = this.spansByDay.get(day);
    if (cached) return cached;
    const spans: Span[] = [];
    if (this.isWorkingDayNumber(day)) {
      const midnight = day * DAY_MS;
      // Within a run of constant offset the wall clock is UTC shifted, so a period maps to one interval per run.
      for (const run of offsetRuns(this.formatter, midnight - MARGIN_BEFORE_MS, midnight + DAY_MS + MARGIN_AFTER_MS)) {
        for (const period of this.periods) {
          const start = Math.max(run.start, midnight + period.start * MINUTE_MS - run.offset);
          const end = Math.min(run.end, midnight + period.end * MINUTE_MS - run.offset);
          if (end > start) spans.push({ start, end });
        }
      }
      spans.sort((a, b) => a.start - b.start);
    }
    const merged = mergeSpans(spans);
    if (this.spansByDay.size >= DAY_CACHE_LIMIT) this.spansByDay.clear();
    this.spansByDay.set(day, merged);
    return merged;
  }

  private msBetween(from: number, to: number): number {
    if (to <= from) return 0;
    let total = 0;
    // Each instant belongs to exactly one local day, so summing day by day counts nothing twice; the extra day on
    // either side covers instants whose local date differs from the neighbours' (a fall-back at midnight).
    const last = this.localDayOf(to - 1) + 1;
    for (let day = this.localDayOf(from) - 1; day <= last; day++) {
      for (const span of this.spansOf(day)) {
        const overlap = Math.min(span.end, to) - Math.max(span.start, from);
        if (overlap > 0) total += overlap;
      }
    }
    return total;
  }

  /** Walks working spans from `start`, period by period, until `ms` working milliseconds have passed. */
  private addMs(start: number, ms: number): number {
    if (ms === 0) return start;
    let remaining = ms;
    for (const span of this.spansFrom(start)) {
      const cursor = Math.max(span.start, start);
      if (remaining <= span.end - cursor) return cursor + remaining;
      remaining -= span.end - cursor;
    }
    throw new RangeError(`The calendar has no working time left after ${new Date(start).toISOString()}`);
  }

  /**
   * Working spans ending after `from`, in time order. Spans are held back until no later day can still produce an
   * earlier one: only a wall clock jumping back across midnight could, but order must hold even then.
   */
  private *spansFrom(from: number): Generator<Span> {
    const pending: Span[] = [];
    for (let day = this.localDayOf(from) - 1; ; day++) {
      const earliestOfDay = day * DAY_MS - MARGIN_BEFORE_MS;
      while (pending.length > 0 && (pending[0] as Span).start < earliestOfDay) yield pending.shift() as Span;
      if (!this.hasWeeklyWork && day > this.lastListedDay + 2) {
        yield* pending;
        return;
      }
      const fresh = this.spansOf(day).filter((s) => s.end > from);
      if (fresh.length > 0) {
        pending.push(...fresh);
        pending.sort((a, b) => a.start - b.start);
      }
    }
  }
}

/** Merges sorted spans that overlap or touch. */
function mergeSpans(sorted: readonly Span[]): Span[] {
  const merged: Span[] = [];
  for (const span of sorted) {
    const last = merged[merged.length - 1];
    if (last && span.start <= last.end) merged[merged.length - 1] = { start: last.start, end: Math.max(last.end, span.end) };
    else merged.push(span);
  }
  return merged;
}

function instantOf(date: Date, name: string): number {
  const ms = date instanceof Date ? date.getTime() : Number.NaN;
  if (Number.isNaN(ms)) throw new RangeError(`${name} is not a valid Date`);
  return ms;
}

/** Minutes to whole milliseconds: the clock's resolution, and it keeps every sum exact. */
function millisOf(minutes: number, name: string): number {
  if (!Number.isFinite(minutes) || minutes < 0) throw new RangeError(`${name} must be a finite number >= 0, got ${minutes}`);
  return Math.round(minutes * MINUTE_MS);
}
