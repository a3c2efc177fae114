import type { CloudEvent } from '@gm/contracts';
import { aCaseOverdue, aCaseReported, aCaseTransition, DEMO_GRID } from '@gm/testing';
import { dayIn, foldCaseEvent, type CaseRow, type KpiIncrement } from './case-fold';

const day = dayIn('Asia/Shanghai');
const T0 = Date.parse('2026-12-07T01:00:00Z'); // 09:00 in Shanghai, a Monday
const at = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString();

/** Folds events in order, collecting the row and every increment. */
function run(events: CloudEvent[], start?: CaseRow): { row: CaseRow | undefined; kpis: KpiIncrement[] } {
  let row = start;
  const kpis: KpiIncrement[] = [];
  for (const e of events) {
    const f = foldCaseEvent(row, e, day);
    if (f.row) row = f.row;
    kpis.push(...f.kpis);
  }
  return { row, kpis };
}

/** Sum of one counter over the increments of one kind and subject. */
function total(kpis: KpiIncrement[], kind: KpiIncrement['kind'], subject: string, counter: keyof KpiIncrement['add']): number {
  return kpis.filter((k) => k.kind === kind && k.subject === subject).reduce((n, k) => n + (k.add[counter] ?? 0), 0);
}

describe('foldCaseEvent', () => {
  const reported = aCaseReported({ reportedAt: at(0), deadlineAt: at(240), yellowAt: at(192) });
  const c = reported.data;
  const desk = { subject: 'desk-0001-subject', role: 'community-staff' };
  const worker = { subject: 'worker-07-subject', role: 'grid-worker' };

  it('takes a report in: a row with its place and clock, one report for the grid and one for the reporting worker', () => {
    const { row, kpis } = run([reported]);
    expect(row).toMatchObject({ caseId: c.caseId, state: 'reported', gridCode: DEMO_GRID, location: c.location, step: 'accept', stepOverdue: false });
    expect(row!.deadlineAt?.toISOString()).toBe(at(240));
    expect(row!.yellowAt?.toISOString()).toBe(at(192));
    expect(kpis).toEqual([
      { kind: 'unit', subject: DEMO_GRID, unitCode: DEMO_GRID, day: '2026-12-07', add: { reported: 1 } },
      { kind: 'person', subject: c.reporter.subject, unitCode: DEMO_GRID, day: '2026-12-07', add: { reported: 1 } },
    ]);
  });

  it('counts the day in the assessment time zone: 17:00 UTC is the next day in Shanghai', () => {
    const late = aCaseReported({ reportedAt: '2026-12-06T17:00:00.000Z' });
    expect(run([late]).kpis[0]!.day).toBe('2026-12-07');
  });

  it('counts no report for a copy received from a child tier (it counts where it was reported)', () => {
    const copy = aCaseReported({ receivedFrom: '350206001001-07', state: 'registered' });
    const { row, kpis } = run([copy]);
    expect(row).toMatchObject({ state: 'registered', receivedFrom: '350206001001-07' });
    expect(kpis).toEqual([]);
  });

  it('dispatch before the step deadline is on time; after the step was reported overdue it is not', () => {
    const accepted = aCaseTransition('accept', c, { at: at(5), actor: desk, step: 'register', deadlineAt: at(60) });
    const registered = aCaseTransition('register', accepted.data, { at: at(10), actor: desk, step: 'dispatch', deadlineAt: at(70) });
    const onTime = aCaseTransition('dispatch', registered.data, { at: at(20), actor: desk, assignee: { kind: 'worker', code: worker.subject }, step: 'handle', deadlineAt: at(500) });
    const a = run([reported, accepted, registered, onTime]);
    expect(total(a.kpis, 'unit', DEMO_GRID, 'dispatched')).toBe(1);
    expect(total(a.kpis, 'unit', DEMO_GRID, 'dispatchedOnTime')).toBe(1);
    expect(total(a.kpis, 'person', desk.subject, 'dispatchedOnTime')).toBe(1);
    expect(a.row).toMatchObject({ state: 'dispatched', assignee: { kind: 'worker', code: worker.subject }, ownerSubject: desk.subject });

    const overdue = aCaseOverdue({ caseId: c.caseId, step: 'dispatch', detectedAt: at(71) });
    const late = aCaseTransition('dispatch', registered.data, { at: at(80), actor: desk, assignee: { kind: 'department', code: 'water' }, step: 'handle', deadlineAt: at(500) });
    const b = run([reported, accepted, registered, overdue, late]);
    expect(total(b.kpis, 'unit', DEMO_GRID, 'dispatched')).toBe(1);
    expect(total(b.kpis, 'unit', DEMO_GRID, 'dispatchedOnTime')).toBe(0);
    expect(total(b.kpis, 'unit', DEMO_GRID, 'overdue')).toBe(1);
    expect(total(b.kpis, 'department', 'water', 'dispatched')).toBe(1);
  });

  it('a close is on time only when no step of the handling went overdue; handling time runs from the report', () => {
    const dispatched = aCaseTransition('dispatch', { ...c, state: 'registered' }, { at: at(20), actor: desk, assignee: { kind: 'worker', code: worker.subject }, step: 'handle', deadlineAt: at(300) });
    const handled = aCaseTransition('handle', dispatched.data, { at: at(60), actor: worker, step: 'verify', deadlineAt: at(400), evidenceCount: 1 });
    const verified = aCaseTransition('verify', handled.data, { at: at(90), actor: worker, step: 'close', deadlineAt: at(500) });
    const closed = aCaseTransition('close', verified.data, { at: at(120), actor: desk, step: null, deadlineAt: null });

    const clean = run([reported, dispatched, handled, verified, closed]);
    expect(total(clean.kpis, 'unit', DEMO_GRID, 'closed')).toBe(1);
    expect(total(clean.kpis, 'unit', DEMO_GRID, 'closedOnTime')).toBe(1);
    expect(total(clean.kpis, 'unit', DEMO_GRID, 'handlingMinutesSum')).toBe(120);
    // The handler (who handled it) answers for the close.
    expect(total(clean.kpis, 'person', worker.subject, 'closed')).toBe(1);
    expect(clean.row).toMatchObject({ state: 'closed', handlerSubject: worker.subject });
    expect(clean.row!.closedAt?.toISOString()).toBe(at(120));

    const lateHandling = aCaseOverdue({ caseId: c.caseId, step: 'handle', detectedAt: at(301) });
    const late = run([reported, dispatched, lateHandling, handled, verified, closed]);
    expect(total(late.kpis, 'unit', DEMO_GRID, 'closed')).toBe(1);
    expect(total(late.kpis, 'unit', DEMO_GRID, 'closedOnTime')).toBe(0);
    // The overdue handling step counts for the worker it was sent to.
    expect(total(late.kpis, 'person', worker.subject, 'overdue')).toBe(1);
  });

  it('an overdue accept step counts as overdue but does not make the close late', () => {
    const slowAccept = aCaseOverdue({ caseId: c.caseId, step: 'accept', detectedAt: at(241) });
    const accepted = aCaseTransition('accept', c, { at: at(250), actor: desk, step: 'register', deadlineAt: at(300) });
    const registered = aCaseTransition('register', accepted.data, { at: at(251), actor: desk, step: 'dispatch', deadlineAt: at(310) });
    const dispatched = aCaseTransition('dispatch', registered.data, { at: at(252), actor: desk, assignee: { kind: 'unit', code: DEMO_GRID }, step: 'handle', deadlineAt: at(900) });
    const handled = aCaseTransition('handle', dispatched.data, { at: at(260), actor: worker, step: 'verify', deadlineAt: at(900) });
    const verified = aCaseTransition('verify', handled.data, { at: at(261), actor: worker, step: 'close', deadlineAt: at(900) });
    const closed = aCaseTransition('close', verified.data, { at: at(262), actor: desk, step: null, deadlineAt: null });
    const r = run([reported, slowAccept, accepted, registered, dispatched, handled, verified, closed]);
    expect(total(r.kpis, 'unit', DEMO_GRID, 'overdue')).toBe(1);
    expect(total(r.kpis, 'unit', DEMO_GRID, 'closedOnTime')).toBe(1);
  });

  it('on-the-spot handling is registered and closed at once, on time, for the worker who did it', () => {
    const selfHandled = aCaseTransition('self_handle', c, { at: at(15), actor: worker, step: null, deadlineAt: null, evidenceCount: 2 });
    const r = run([reported, selfHandled]);
    for (const k of ['registered', 'closed', 'closedOnTime', 'handlingCount'] as const) expect(total(r.kpis, 'unit', DEMO_GRID, k)).toBe(1);
    expect(total(r.kpis, 'person', worker.subject, 'closed')).toBe(1);
    expect(total(r.kpis, 'unit', DEMO_GRID, 'handlingMinutesSum')).toBe(15);
  });

  it('returns and reopenings are rework of the handler and of the department; ratings go to both and to the grid', () => {
    const dispatched = aCaseTransition('dispatch', { ...c, state: 'registered' }, { at: at(20), actor: desk, assignee: { kind: 'department', code: 'water' }, step: 'handle', deadlineAt: at(900) });
    const handled = aCaseTransition('handle', dispatched.data, { at: at(30), actor: { subject: 'dept-water-1', role: 'department' }, step: 'verify', deadlineAt: at(900) });
    const returned = aCaseTransition('return', handled.data, { at: at(40), actor: worker, note: 'not fixed', step: 'dispatch', deadlineAt: at(900), reworkCount: 1 });
    const r = run([reported, dispatched, handled, returned]);
    expect(total(r.kpis, 'unit', DEMO_GRID, 'reworked')).toBe(1);
    expect(total(r.kpis, 'department', 'water', 'reworked')).toBe(1);
    expect(total(r.kpis, 'person', 'dept-water-1', 'reworked')).toBe(1);
    expect(r.row).toMatchObject({ state: 'returned', reworkCount: 1 });

    const rated = aCaseTransition('rate', { ...c, state: 'closed' }, { at: at(2000), actor: { subject: c.reporter.subject, role: 'reporter' }, rating: 4 });
    const s = run([rated], r.row);
    expect(total(s.kpis, 'unit', DEMO_GRID, 'ratingSum')).toBe(4);
    expect(total(s.kpis, 'unit', DEMO_GRID, 'ratingCount')).toBe(1);
    expect(total(s.kpis, 'department', 'water', 'ratingSum')).toBe(4);
    expect(s.row!.rating).toBe(4);
  });

  it('a step mirrored from the owning tier moves the copy and counts nothing here', () => {
    const escalated = aCaseTransition('escalate', { ...c, state: 'registered' }, { at: at(30), actor: desk, note: 'beyond us', escalatedTo: '350206001' });
    const closedAbove = aCaseTransition('close', { ...c, state: 'verified' }, { at: at(600), actor: { subject: 'tier:350206001', role: 'street-staff' }, actingTier: '350206001' });
    const r = run([reported, escalated, closedAbove]);
    expect(r.row).toMatchObject({ state: 'closed', actingTier: '350206001' });
    expect(total(r.kpis, 'unit', DEMO_GRID, 'closed')).toBe(0);
  });

  it('an older event heard after a newer one (a redelivery out of order) does not move the state back', () => {
    const accepted = aCaseTransition('accept', c, { at: at(5), actor: desk, step: 'register', deadlineAt: at(60) });
    const registered = aCaseTransition('register', accepted.data, { at: at(10), actor: desk, step: 'dispatch', deadlineAt: at(70) });
    const r = run([reported, registered, accepted]);
    expect(r.row!.state).toBe('registered');
    expect(r.row!.step).toBe('dispatch');
  });

  it('leaves events that are not about the map or the assessment alone', () => {
    const f = foldCaseEvent(undefined, { ...reported, type: 'gm.case.received.v1' } as CloudEvent, day);
    expect(f).toEqual({ row: undefined, kpis: [] });
  });
});
