import {
  FINAL_CASE_STATES,
  isCaseStep,
  isEventOf,
  type Assignee,
  type CaseState,
  type CaseTransitionData,
  type ClockStep,
  type CloudEvent,
  type EventData,
  type KpiIncrement,
  type Urgency,
} from '@gm/contracts';
import type { KpiCounters } from '@gm/domain';

/**
 * How one case event changes the hub's copy of a case and the assessment's daily counters. Pure:
 * the consumer loads the row, folds the event, and stores both in the transaction that claims the
 * event in the inbox (so a redelivery changes nothing).
 *
 * A case counts once, at the tier that owns it: a copy received from a child tier (`receivedFrom`)
 * adds no report here, and a step mirrored from the owning tier (`actingTier`) moves the copy on
 * the map but counts only there.
 */

/** The hub's copy of a case: what the map, the queues' counts and dispatch need. */
export interface CaseRow {
  readonly caseId: string;
  readonly caseNo: string;
  readonly state: CaseState;
  readonly categoryCode: string;
  readonly urgency: Urgency;
  readonly gridCode: string;
  readonly location: { readonly latitude: number; readonly longitude: number } | null;
  readonly summary: string | null;
  readonly reportedAt: Date | null;
  readonly reporterSubject: string | null;
  readonly receivedFrom: string | null;
  readonly step: ClockStep | null;
  readonly deadlineAt: Date | null;
  readonly yellowAt: Date | null;
  /** The current step passed its deadline (`gm.case.overdue.v1`). */
  readonly stepOverdue: boolean;
  /**
   * Steps of the handling (dispatch onwards, since the registration or the latest reopening) that
   * passed their deadline: a close counts on time only when there were none (libs/domain KpiCounters).
   */
  readonly overdueSteps: number;
  readonly assignee: Assignee | null;
  readonly ownerSubject: string | null;
  readonly handlerSubject: string | null;
  /** The tier that owns the case when it is not this one (a mirrored step said so). */
  readonly actingTier: string | null;
  readonly reworkCount: number;
  readonly urgeCount: number;
  readonly closedAt: Date | null;
  readonly rating: number | null;
  readonly lastEventAt: Date;
}

export type KpiKind = KpiIncrement['kind'];
/** Counters to add for one subject on one day, about one grid (the same shape travels up to the ancestors). */
export type { KpiIncrement };

export interface Fold {
  /** The row to store, or undefined when the event leaves it as it is. */
  readonly row: CaseRow | undefined;
  readonly kpis: readonly KpiIncrement[];
}

const FINAL = new Set<CaseState>(FINAL_CASE_STATES);

/** The local calendar day of an instant, in the assessment's time zone (YYYY-MM-DD). */
export function dayIn(timeZone: string): (at: Date) => string {
  const format = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
  return (at) => format.format(at);
}

export function foldCaseEvent(prev: CaseRow | undefined, event: CloudEvent, day: (at: Date) => string): Fold {
  if (isEventOf('caseReported', event)) return reported(prev, event.data, day);
  if (isEventOf('caseOverdue', event)) return overdue(prev, event.data, day);
  if (isCaseStep(event)) return transition(prev, event.data, day);
  return { row: undefined, kpis: [] };
}

function reported(prev: CaseRow | undefined, d: EventData<'caseReported'>, day: (at: Date) => string): Fold {
  const at = new Date(d.reportedAt);
  const row: CaseRow = {
    ...(prev ?? blank(d.caseId, d.caseNo, d.state, d.categoryCode, d.urgency, d.gridCode, at)),
    caseNo: d.caseNo,
    categoryCode: d.categoryCode,
    urgency: d.urgency,
    gridCode: d.gridCode,
    location: { latitude: d.location.latitude, longitude: d.location.longitude },
    summary: d.summary,
    reportedAt: at,
    reporterSubject: d.reporter.subject,
    receivedFrom: d.receivedFrom ?? null,
    // A transition heard before the report (a redelivery out of order) keeps its newer state.
    ...(!prev && { state: d.state, step: d.step ?? null, deadlineAt: date(d.deadlineAt), yellowAt: date(d.yellowAt) }),
  };
  if (prev && prev.reportedAt) return { row, kpis: [] };
  if (d.receivedFrom) return { row, kpis: [] };
  const kpis: KpiIncrement[] = [unit(d.gridCode, day(at), { reported: 1 })];
  if (d.reporter.role === 'grid-worker' || d.reporter.role === 'grid-leader') kpis.push(person(d.reporter.subject, d.gridCode, day(at), { reported: 1 }));
  return { row, kpis };
}

function overdue(prev: CaseRow | undefined, d: EventData<'caseOverdue'>, day: (at: Date) => string): Fold {
  const base = prev ?? blank(d.caseId, d.caseNo, d.state, d.categoryCode, d.urgency, d.gridCode, new Date(d.detectedAt));
  const handling = d.step !== 'accept' && d.step !== 'register';
  const row: CaseRow = { ...base, stepOverdue: true, overdueSteps: base.overdueSteps + (handling ? 1 : 0) };
  const on = day(new Date(d.detectedAt));
  const kpis: KpiIncrement[] = [unit(d.gridCode, on, { overdue: 1 })];
  // The handling step is the assignee's; the desk's steps are the unit's alone.
  if (d.step === 'handle') kpis.push(...handlers(base, d.gridCode, on, { overdue: 1 }));
  return { row, kpis };
}

function transition(prev: CaseRow | undefined, d: CaseTransitionData, day: (at: Date) => string): Fold {
  const at = new Date(d.at);
  const base = prev ?? blank(d.caseId, d.caseNo, d.from, d.categoryCode, d.urgency, d.gridCode, at);
  const stepChanged = d.step !== base.step || d.action === 'return' || d.action === 'reopen';
  const newer = at.getTime() >= base.lastEventAt.getTime();
  const mirrored = d.actingTier !== undefined;

  let row: CaseRow = {
    ...base,
    caseNo: d.caseNo,
    categoryCode: d.categoryCode,
    urgency: d.urgency,
    reworkCount: Math.max(base.reworkCount, d.reworkCount),
    ...(d.action === 'urge' && { urgeCount: base.urgeCount + 1 }),
    ...(d.action === 'rate' && d.rating !== undefined && { rating: d.rating }),
  };
  if (newer) {
    row = {
      ...row,
      state: d.to,
      step: d.step,
      deadlineAt: date(d.deadlineAt),
      // A mirrored step carries the owner's deadline only: no yellow time is known here.
      yellowAt: d.yellowAt !== undefined ? date(d.yellowAt) : stepChanged ? null : base.yellowAt,
      stepOverdue: stepChanged ? false : base.stepOverdue,
      actingTier: mirrored ? d.actingTier! : FINAL.has(d.to) && d.to !== 'closed' ? base.actingTier : null,
      lastEventAt: at,
      ...(d.action === 'dispatch' && d.assignee && { assignee: d.assignee }),
      ...(d.action === 'assign_back' && d.assignee && { assignee: d.assignee }),
      ...(d.action === 'accept' && { ownerSubject: d.actor.subject }),
      ...((d.action === 'handle' || d.action === 'self_handle' || d.action === 'start') && !mirrored && { handlerSubject: d.actor.subject }),
      ...((d.action === 'close' || d.action === 'self_handle') && { closedAt: at }),
      ...(d.action === 'reopen' && { closedAt: null, overdueSteps: 0 }),
    };
  }
  if (mirrored) return { row, kpis: [] };
  return { row, kpis: countTransition(base, d, at, day) };
}

/** The counters a step taken at this tier adds (formulas: libs/domain assessment). */
function countTransition(c: CaseRow, d: CaseTransitionData, at: Date, day: (at: Date) => string): KpiIncrement[] {
  const on = day(at);
  const grid = d.gridCode;
  const actor = (add: Partial<KpiCounters>) => person(d.actor.subject, grid, on, add);
  switch (d.action) {
    case 'register':
      return [unit(grid, on, { registered: 1 }), actor({ registered: 1 })];
    case 'dispatch': {
      // On time: within the dispatch step's limit, which was never reported overdue.
      const onTime = !c.stepOverdue && (c.deadlineAt === null || at.getTime() <= c.deadlineAt.getTime()) ? 1 : 0;
      const add = { dispatched: 1, dispatchedOnTime: onTime };
      const out = [unit(grid, on, add), actor(add)];
      if (d.assignee?.kind === 'department') out.push(department(d.assignee.code, grid, on, { dispatched: 1 }));
      return out;
    }
    case 'close': {
      const onTime = c.overdueSteps === 0 && !c.stepOverdue && (c.deadlineAt === null || at.getTime() <= c.deadlineAt.getTime()) ? 1 : 0;
      const add = { closed: 1, closedOnTime: onTime, ...handlingTime(c, at) };
      return [unit(grid, on, add), ...handlers(c, grid, on, add)];
    }
    case 'self_handle': {
      // Handled on the spot (现场处理): registered and closed at once, on time.
      const add = { registered: 1, closed: 1, closedOnTime: 1, ...handlingTime(c, at) };
      return [unit(grid, on, add), ...handlers({ ...c, handlerSubject: d.actor.subject }, grid, on, add)];
    }
    case 'return':
    case 'reopen':
      return [unit(grid, on, { reworked: 1 }), ...handlers(c, grid, on, { reworked: 1 })];
    case 'urge':
      return [unit(grid, on, { urged: 1 }), ...handlers(c, grid, on, { urged: 1 })];
    case 'rate': {
      if (d.rating === undefined) return [];
      const add = { ratingSum: d.rating, ratingCount: 1 };
      return [unit(grid, on, add), ...handlers(c, grid, on, add)];
    }
    default:
      return [];
  }
}

/** Natural minutes from the report to this close. */
function handlingTime(c: CaseRow, at: Date): Pick<KpiCounters, 'handlingMinutesSum' | 'handlingCount'> {
  const reportedAt = c.reportedAt ?? at;
  return { handlingMinutesSum: Math.max(0, Math.round((at.getTime() - reportedAt.getTime()) / 60_000)), handlingCount: 1 };
}

/** Who answers for the handling: the worker who handled it (or was sent), and the department it went to. */
function handlers(c: CaseRow, grid: string, on: string, add: Partial<KpiCounters>): KpiIncrement[] {
  const out: KpiIncrement[] = [];
  const worker = c.handlerSubject ?? (c.assignee?.kind === 'worker' ? c.assignee.code : null);
  if (worker) out.push(person(worker, grid, on, add));
  if (c.assignee?.kind === 'department') out.push(department(c.assignee.code, grid, on, add));
  return out;
}

const unit = (grid: string, day: string, add: Partial<KpiCounters>): KpiIncrement => ({ kind: 'unit', subject: grid, unitCode: grid, day, add });
const person = (subject: string, grid: string, day: string, add: Partial<KpiCounters>): KpiIncrement => ({ kind: 'person', subject, unitCode: grid, day, add });
const department = (code: string, grid: string, day: string, add: Partial<KpiCounters>): KpiIncrement => ({ kind: 'department', subject: code, unitCode: grid, day, add });

function date(v: string | null | undefined): Date | null {
  return v ? new Date(v) : null;
}

function blank(caseId: string, caseNo: string, state: CaseState, categoryCode: string, urgency: Urgency, gridCode: string, at: Date): CaseRow {
  return {
    caseId,
    caseNo,
    state,
    categoryCode,
    urgency,
    gridCode,
    location: null,
    summary: null,
    reportedAt: null,
    reporterSubject: null,
    receivedFrom: null,
    step: null,
    deadlineAt: null,
    yellowAt: null,
    stepOverdue: false,
    overdueSteps: 0,
    assignee: null,
    ownerSubject: null,
    handlerSubject: null,
    actingTier: null,
    reworkCount: 0,
    urgeCount: 0,
    closedAt: null,
    rating: null,
    lastEventAt: new Date(at.getTime() - 1),
  };
}
