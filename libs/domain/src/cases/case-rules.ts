import { CLOCK_STEPS, DomainError, type CaseRulesDocument, type ClockStep, type FieldError, type TrafficLight, type Urgency } from '@gm/contracts';
import type { ClockEffect } from './case-workflow';
import { DEFAULT_WORKING_CALENDAR, WorkingCalendar, parseWorkingCalendar, type WorkingCalendarConfig } from './working-time';

/** Share of a step's time limit from which its light turns yellow (green below, red once overdue). */
export const YELLOW_FROM = 0.8;

/**
 * The configurable rules of one tier's case engine: deadlines per step × category × urgency,
 * escalation of overdue cases, the working calendar, the reopening window and the duplicate
 * search. system-admin holds them as parameters; the defaults below ship with the repository.
 */

/** Working time (the calendar's hours) or natural time (round the clock: emergencies). */
export type ClockKind = 'working' | 'natural';

export interface DeadlineRule {
  readonly step: ClockStep;
  /** A category code (`SJ0401`) or a major class prefix (`SJ04`); absent = every category. */
  readonly category?: string;
  /** Absent = every urgency. */
  readonly urgency?: Urgency;
  readonly minutes: number;
  readonly clock: ClockKind;
}

export interface EscalationRule {
  /** A category code or major class prefix; absent = every category. */
  readonly category?: string;
  /** How long past its deadline a case may stay before it is marked for the parent tier (same clock as the step). */
  readonly overdueMinutes: number;
}

export interface CaseRules {
  readonly deadlines: readonly DeadlineRule[];
  readonly escalation: readonly EscalationRule[];
  readonly calendar: WorkingCalendarConfig;
  /** How long after closing the reporter may reopen a case (natural minutes). */
  readonly reopenWindowMinutes: number;
  /** Open cases of the same category within this distance and time window are suggested as duplicates at intake. */
  readonly duplicateRadiusM: number;
  readonly duplicateWindowHours: number;
}

const HOUR = 60;
const WORKDAY = 7 * HOUR; // 08:30–12:00 and 14:00–17:30

/** Default time limits, in the spirit of the digital urban management rules (立案 1 h, 派遣 1 h, 处置 by urgency, 核查 1 day). */
export const DEFAULT_DEADLINES: readonly DeadlineRule[] = [
  { step: 'accept', minutes: 2 * HOUR, clock: 'working' },
  { step: 'register', minutes: 1 * HOUR, clock: 'working' },
  { step: 'dispatch', minutes: 1 * HOUR, clock: 'working' },
  { step: 'handle', minutes: 3 * WORKDAY, clock: 'working' },
  { step: 'verify', minutes: 1 * WORKDAY, clock: 'working' },
  { step: 'close', minutes: 4 * HOUR, clock: 'working' },
  { step: 'handle', urgency: 'urgent', minutes: 1 * WORKDAY, clock: 'working' },
  // Emergencies run on the natural clock: nights and holidays count.
  { step: 'accept', urgency: 'emergency', minutes: 10, clock: 'natural' },
  { step: 'register', urgency: 'emergency', minutes: 10, clock: 'natural' },
  { step: 'dispatch', urgency: 'emergency', minutes: 15, clock: 'natural' },
  { step: 'handle', urgency: 'emergency', minutes: 4 * HOUR, clock: 'natural' },
  { step: 'verify', urgency: 'emergency', minutes: 2 * HOUR, clock: 'natural' },
  { step: 'close', urgency: 'emergency', minutes: 2 * HOUR, clock: 'natural' },
  // Disputes (调处) need talks between the parties: more time to handle.
  { step: 'handle', category: 'SJ09', minutes: 5 * WORKDAY, clock: 'working' },
];

export const DEFAULT_ESCALATION: readonly EscalationRule[] = [
  { overdueMinutes: 1 * WORKDAY },
  { category: 'SJ04', overdueMinutes: 30 },
];

export const DEFAULT_CASE_RULES: CaseRules = {
  deadlines: DEFAULT_DEADLINES,
  escalation: DEFAULT_ESCALATION,
  calendar: DEFAULT_WORKING_CALENDAR,
  reopenWindowMinutes: 7 * 24 * HOUR,
  duplicateRadiusM: 50,
  duplicateWindowHours: 72,
};

/** 2 for an exact category, 1 for a major-class prefix, 0 for none; -1 when the rule does not apply. */
function categorySpecificity(ruleCategory: string | undefined, categoryCode: string): number {
  if (ruleCategory === undefined) return 0;
  if (ruleCategory === categoryCode) return 2;
  return categoryCode.startsWith(ruleCategory) ? 1 : -1;
}

/**
 * The deadline rule for a step of a case: the most specific one wins, category before urgency
 * (an exact category beats a major class, which beats any category; then a matching urgency beats
 * any urgency). Throws when no rule covers the step: the rule set must have a catch-all per step.
 */
export function deadlineRuleFor(rules: readonly DeadlineRule[], step: ClockStep, categoryCode: string, urgency: Urgency): DeadlineRule {
  let best: DeadlineRule | undefined;
  let bestScore = -1;
  for (const rule of rules) {
    if (rule.step !== step) continue;
    const cat = categorySpecificity(rule.category, categoryCode);
    if (cat < 0) continue;
    if (rule.urgency !== undefined && rule.urgency !== urgency) continue;
    const score = cat * 2 + (rule.urgency === undefined ? 0 : 1);
    if (score > bestScore) {
      best = rule;
      bestScore = score;
    }
  }
  if (!best) throw new RangeError(`No deadline rule covers step ${step} of ${categoryCode} (${urgency})`);
  return best;
}

/** The escalation threshold for a category (most specific rule), or undefined when none applies. */
export function escalationRuleFor(rules: readonly EscalationRule[], categoryCode: string): EscalationRule | undefined {
  let best: EscalationRule | undefined;
  let bestScore = -1;
  for (const rule of rules) {
    const score = categorySpecificity(rule.category, categoryCode);
    if (score > bestScore) {
      best = rule;
      bestScore = score;
    }
  }
  return best;
}

/** The clock of a case's current step, as stored with the case. */
export interface StepClock {
  readonly step: ClockStep;
  readonly clock: ClockKind;
  readonly startedAt: Date;
  /** The rule's limit plus approved extensions. */
  readonly limitMinutes: number;
  /** Minutes (of the step's clock) spent on hold in closed pauses. */
  readonly pausedMinutes: number;
  /** Start of the current hold, while on hold. */
  readonly heldAt: Date | null;
  /** Extra minutes past the deadline before escalation is due, if the category has a rule. */
  readonly escalateAfterMinutes: number | null;
}

/** The instants at which the light turns yellow, turns red (the deadline) and escalation falls due; null while on hold. */
export interface StepTimes {
  readonly yellowAt: Date;
  readonly deadlineAt: Date;
  readonly escalateAt: Date | null;
}

/** Adds and measures minutes on either clock. */
export class CaseClock {
  private readonly calendar: WorkingCalendar;

  constructor(config: WorkingCalendarConfig) {
    this.calendar = new WorkingCalendar(config);
  }

  add(kind: ClockKind, start: Date, minutes: number): Date {
    return kind === 'natural' ? new Date(start.getTime() + minutes * 60_000) : this.calendar.addWorkingMinutes(start, minutes);
  }

  between(kind: ClockKind, from: Date, to: Date): number {
    if (to <= from) return 0;
    return kind === 'natural' ? (to.getTime() - from.getTime()) / 60_000 : this.calendar.workingMinutesBetween(from, to);
  }

  /**
   * Yellow, red and escalation instants of a step. Closed pauses push them later by the minutes
   * they covered; while on hold there are none (the clock does not run).
   */
  times(s: StepClock): StepTimes | null {
    if (s.heldAt) return null;
    const offset = s.pausedMinutes;
    return {
      yellowAt: this.add(s.clock, s.startedAt, s.limitMinutes * YELLOW_FROM + offset),
      deadlineAt: this.add(s.clock, s.startedAt, s.limitMinutes + offset),
      escalateAt: s.escalateAfterMinutes === null ? null : this.add(s.clock, s.startedAt, s.limitMinutes + offset + s.escalateAfterMinutes),
    };
  }
}

/** The light of a step from its stored instants: null while on hold or when the case is not open. */
export function lightAt(times: { yellowAt: Date | null; deadlineAt: Date | null }, now: Date): TrafficLight | null {
  if (!times.yellowAt || !times.deadlineAt) return null;
  if (now > times.deadlineAt) return 'red';
  return now >= times.yellowAt ? 'yellow' : 'green';
}

/** What a case's category and urgency are, for choosing its rules. */
export interface ClockSubject {
  readonly categoryCode: string;
  readonly urgency: Urgency;
}

/**
 * The step clock after a transition's clock effect (see `decideTransition`): a new step gets the
 * limit of its most specific rule; a hold stops the clock and a resume adds the held time to the
 * pauses; an approved extension grows the limit; leaving the open states ends the clock.
 */
export function nextStepClock(
  clock: CaseClock,
  rules: CaseRules,
  current: StepClock | null,
  effect: ClockEffect,
  subject: ClockSubject,
  now: Date,
): StepClock | null {
  switch (effect.kind) {
    case 'restart': {
      const rule = deadlineRuleFor(rules.deadlines, effect.step, subject.categoryCode, subject.urgency);
      const escalation = escalationRuleFor(rules.escalation, subject.categoryCode);
      return {
        step: effect.step,
        clock: rule.clock,
        startedAt: now,
        limitMinutes: rule.minutes,
        pausedMinutes: 0,
        heldAt: null,
        escalateAfterMinutes: escalation?.overdueMinutes ?? null,
      };
    }
    case 'pause':
      return current && { ...current, heldAt: now };
    case 'resume':
      if (!current?.heldAt) return current;
      return { ...current, pausedMinutes: current.pausedMinutes + clock.between(current.clock, current.heldAt, now), heldAt: null };
    case 'extend':
      return current && { ...current, limitMinutes: current.limitMinutes + effect.minutes };
    case 'stop':
      return null;
    case 'keep':
      return current;
  }
}

/**
 * Checks rules that passed the shape check (`caseRulesSchema` in libs/contracts) for what a shape
 * cannot say: each step has a catch-all deadline rule (no category, no urgency), no two rules
 * claim the same step, category and urgency, and the calendar is valid. Throws
 * REQUEST.VALIDATION_FAILED naming each bad field.
 */
export function validateCaseRules(doc: CaseRulesDocument): CaseRules {
  const errors: FieldError[] = [];
  for (const step of CLOCK_STEPS) {
    if (!doc.deadlines.some((r) => r.step === step && r.category === undefined && r.urgency === undefined)) {
      errors.push({ field: 'deadlines', message: `step ${step} needs a rule without category and urgency (the catch-all)` });
    }
  }
  const seen = new Map<string, number>();
  doc.deadlines.forEach((r, i) => {
    const key = `${r.step}|${r.category ?? '*'}|${r.urgency ?? '*'}`;
    const first = seen.get(key);
    if (first !== undefined) errors.push({ field: `deadlines.${i}`, message: `repeats deadlines.${first} (same step, category and urgency)` });
    else seen.set(key, i);
  });
  let calendar: WorkingCalendarConfig | undefined;
  try {
    calendar = parseWorkingCalendar(doc.calendar);
  } catch (err) {
    if (!(err instanceof DomainError)) throw err;
    errors.push(...err.fieldErrors.map((f) => ({ ...f, field: f.field === '(body)' ? 'calendar' : `calendar.${f.field}` })));
  }
  if (errors.length > 0 || !calendar) throw DomainError.validation(errors);
  return { ...doc, calendar };
}
