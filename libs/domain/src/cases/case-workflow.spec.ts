import { CASE_ACTIONS, CASE_STATES, DomainError, Events, ROLES, type CaseAction, type CaseState, type Principal, type Role } from '@gm/contracts';
import {
  MAX_EXTENSION_MINUTES,
  TRANSITIONS,
  availableActions,
  decideTransition,
  stepOf,
  type CaseSnapshot,
  type TransitionCommand,
} from './case-workflow';

const REPORTER = 'sub-reporter';
const NOW = new Date('2026-11-24T10:00:00+08:00');
const SETTINGS = { reopenWindowMinutes: 7 * 24 * 60 };

function snapshot(state: CaseState, overrides: Partial<CaseSnapshot> = {}): CaseSnapshot {
  return {
    state,
    reporterSubject: REPORTER,
    heldFrom: state === 'on_hold' ? 'dispatched' : null,
    closedAt: state === 'closed' ? new Date(NOW.getTime() - 60_000) : null,
    rating: null,
    pendingExtensionMinutes: state === 'dispatched' || state === 'in_progress' ? 120 : null,
    ...overrides,
  };
}

function principal(roles: Role[], subject = 'sub-staff'): Principal {
  return { subject, roles, orgUnit: '350206001001' };
}

/** Every input any action may need, valid. */
const FULL_INPUT = {
  reason: '不属于本部门职责 (not our remit)',
  note: '已清运 (cleared)',
  evidence: ['cases/photo-1.jpg'],
  assignee: { kind: 'department', code: 'urban-management' },
  primaryCaseId: '6f1c1d52-8f0a-4a55-9b9e-0d1f3f1c2a01',
  rating: 5,
  extensionMinutes: 240,
} as const;

/** A principal allowed to do `action` (the reporter for reporter-only actions). */
function allowedActor(action: CaseAction): Principal {
  const role = TRANSITIONS[action].actors.find((a): a is Role => a !== 'reporter');
  return role ? principal([role]) : principal(['grid-worker'], REPORTER);
}

function command(action: CaseAction, overrides: Partial<TransitionCommand> = {}): TransitionCommand {
  return { action, actor: allowedActor(action), now: NOW, ...FULL_INPUT, ...overrides };
}

/** A case in `state` that also meets the action's own preconditions (a pending extension to decide, none to request). */
function snapshotFor(action: CaseAction, state: CaseState): CaseSnapshot {
  if (action === 'request_extension') return snapshot(state, { pendingExtensionMinutes: null });
  return snapshot(state);
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

const EXPECTED_TO: Record<CaseAction, CaseState | 'same' | 'held-from'> = {
  accept: 'accepted',
  reject: 'rejected',
  register: 'registered',
  dispatch: 'dispatched',
  start: 'in_progress',
  handle: 'handled',
  return: 'returned',
  verify: 'verified',
  close: 'closed',
  hold: 'on_hold',
  resume: 'held-from',
  void: 'voided',
  merge: 'merged',
  reopen: 'returned',
  self_handle: 'closed',
  urge: 'same',
  request_extension: 'same',
  approve_extension: 'same',
  deny_extension: 'same',
  rate: 'same',
  escalate: 'escalated',
  assign_back: 'assigned_back',
};

const allPairs = CASE_ACTIONS.flatMap((action) => CASE_STATES.map((state) => [action, state] as const));
const allowedPairs = allPairs.filter(([action, state]) => TRANSITIONS[action].from.includes(state));
const forbiddenPairs = allPairs.filter(([action, state]) => !TRANSITIONS[action].from.includes(state));

describe('the transition table', () => {
  it('has a rule for every action, and each rule names an event of the catalogue', () => {
    expect(Object.keys(TRANSITIONS).sort()).toEqual([...CASE_ACTIONS].sort());
    for (const rule of Object.values(TRANSITIONS)) expect(Events[rule.event]).toBeDefined();
  });

  it('has the expected number of allowed (action, state) pairs and of forbidden ones', () => {
    expect(allowedPairs).toHaveLength(57);
    expect(forbiddenPairs).toHaveLength(CASE_ACTIONS.length * CASE_STATES.length - 57);
  });

  it('never leaves a final state except by reopening or rating a closed case', () => {
    for (const [action, state] of allowedPairs) {
      if (['rejected', 'escalated', 'assigned_back', 'merged', 'voided'].includes(state)) throw new Error(`${action} allowed from ${state}`);
      if (state === 'closed') expect(['reopen', 'rate']).toContain(action);
    }
  });
});

describe('every allowed transition', () => {
  it.each(allowedPairs)('%s from %s', (action, state) => {
    const decision = decideTransition(snapshotFor(action, state), command(action), SETTINGS);
    const expected = EXPECTED_TO[action];
    expect(decision.from).toBe(state);
    expect(decision.to).toBe(expected === 'same' ? state : expected === 'held-from' ? 'dispatched' : expected);
    expect(decision.event).toBe(TRANSITIONS[action].event);
    expect(decision.rework).toBe(action === 'return' || action === 'reopen');
  });
});

describe('every forbidden transition', () => {
  it.each(forbiddenPairs)('%s from %s → CASE.TRANSITION_FORBIDDEN', (action, state) => {
    const err = errorOf(() => decideTransition(snapshotFor(action, state), command(action), SETTINGS));
    expect(err.code).toBe('CASE.TRANSITION_FORBIDDEN');
    expect(err.message).toContain(state);
  });
});

describe('who may act', () => {
  const rolePairs = CASE_ACTIONS.flatMap((action) => ROLES.map((role) => [action, role] as const));
  const allowedRolePairs = rolePairs.filter(([action, role]) => TRANSITIONS[action].actors.includes(role));
  const forbiddenRolePairs = rolePairs.filter(([action, role]) => !TRANSITIONS[action].actors.includes(role));

  it.each(allowedRolePairs)('%s by a %s is allowed, acting as that role', (action, role) => {
    const state = TRANSITIONS[action].from[0]!;
    const decision = decideTransition(snapshotFor(action, state), command(action, { actor: principal([role]) }), SETTINGS);
    expect(decision.actedAs).toBe(role);
  });

  it.each(forbiddenRolePairs)('%s by a %s (not the reporter) → AUTH.FORBIDDEN', (action, role) => {
    const state = TRANSITIONS[action].from[0]!;
    const err = errorOf(() => decideTransition(snapshotFor(action, state), command(action, { actor: principal([role]) }), SETTINGS));
    expect(err.code).toBe('AUTH.FORBIDDEN');
  });

  it.each(['reopen', 'rate'] as const)('%s by the reporter, whatever their role', (action) => {
    const decision = decideTransition(snapshot('closed'), command(action, { actor: principal(['community-staff'], REPORTER) }), SETTINGS);
    expect(decision.actedAs).toBe('reporter');
  });

  it('self_handle only by a reporter who reported as a grid worker or grid leader', () => {
    for (const role of ['grid-worker', 'grid-leader'] as const) {
      expect(decideTransition(snapshot('reported'), command('self_handle', { actor: principal([role], REPORTER) }), SETTINGS).to).toBe('closed');
    }
    const desk = errorOf(() => decideTransition(snapshot('reported'), command('self_handle', { actor: principal(['community-staff'], REPORTER) }), SETTINGS));
    expect(desk.code).toBe('AUTH.FORBIDDEN');
    const other = errorOf(() => decideTransition(snapshot('reported'), command('self_handle', { actor: principal(['grid-worker'], 'sub-other') }), SETTINGS));
    expect(other.code).toBe('AUTH.FORBIDDEN');
    expect(other.message).toContain("the case's reporter");
  });

  it('checks the state before the role: a forbidden state is reported as such to anyone', () => {
    const err = errorOf(() => decideTransition(snapshot('closed'), command('accept', { actor: principal(['auditor']) }), SETTINGS));
    expect(err.code).toBe('CASE.TRANSITION_FORBIDDEN');
  });
});

describe('required inputs', () => {
  const cases: [CaseAction, CaseState, Partial<TransitionCommand>, string][] = [
    ['reject', 'reported', { reason: undefined }, 'reason'],
    ['reject', 'reported', { reason: '   ' }, 'reason'],
    ['return', 'handled', { reason: '' }, 'reason'],
    ['hold', 'registered', { reason: undefined }, 'reason'],
    ['void', 'reported', { reason: undefined }, 'reason'],
    ['reopen', 'closed', { reason: undefined }, 'reason'],
    ['deny_extension', 'dispatched', { reason: undefined }, 'reason'],
    ['handle', 'in_progress', { note: undefined }, 'note'],
    ['urge', 'dispatched', { note: ' ' }, 'note'],
    ['handle', 'in_progress', { evidence: [] }, 'evidence'],
    ['handle', 'in_progress', { evidence: undefined }, 'evidence'],
    ['self_handle', 'reported', { evidence: [] }, 'evidence'],
    ['dispatch', 'registered', { assignee: undefined }, 'assignee'],
    ['assign_back', 'registered', { note: undefined }, 'note'],
    ['assign_back', 'returned', { note: '  ' }, 'note'],
    ['merge', 'reported', { primaryCaseId: undefined }, 'primaryCaseId'],
    ['rate', 'closed', { rating: undefined }, 'rating'],
    ['rate', 'closed', { rating: 0 }, 'rating'],
    ['rate', 'closed', { rating: 6 }, 'rating'],
    ['rate', 'closed', { rating: 4.5 }, 'rating'],
    ['request_extension', 'dispatched', { extensionMinutes: 0 }, 'extensionMinutes'],
    ['request_extension', 'dispatched', { extensionMinutes: MAX_EXTENSION_MINUTES + 1 }, 'extensionMinutes'],
    ['request_extension', 'dispatched', { extensionMinutes: undefined }, 'extensionMinutes'],
  ];
  it.each(cases)('%s from %s with %j → 400 naming %s', (action, state, overrides, field) => {
    const err = errorOf(() => decideTransition(snapshotFor(action, state), command(action, overrides), SETTINGS));
    expect(err.code).toBe('REQUEST.VALIDATION_FAILED');
    expect(err.fieldErrors.map((f) => f.field)).toEqual([field]);
  });

  it('names every missing input at once', () => {
    const err = errorOf(() => decideTransition(snapshot('in_progress'), command('handle', { note: undefined, evidence: undefined }), SETTINGS));
    expect(err.fieldErrors.map((f) => f.field)).toEqual(['note', 'evidence']);
  });

  it('accepts the extension bounds', () => {
    for (const extensionMinutes of [1, MAX_EXTENSION_MINUTES]) {
      const decision = decideTransition(snapshot('dispatched', { pendingExtensionMinutes: null }), command('request_extension', { extensionMinutes }), SETTINGS);
      expect(decision.to).toBe('dispatched');
    }
  });
});

describe('special rules', () => {
  it('reopens within the window, including its last minute, and refuses after it', () => {
    const closedAt = new Date('2026-11-20T10:00:00+08:00');
    const window = { reopenWindowMinutes: 60 };
    const at = (minutes: number) => new Date(closedAt.getTime() + minutes * 60_000);
    expect(decideTransition(snapshot('closed', { closedAt }), command('reopen', { now: at(60) }), window).to).toBe('returned');
    const late = errorOf(() => decideTransition(snapshot('closed', { closedAt }), command('reopen', { now: at(60.01) }), window));
    expect(late.code).toBe('CASE.REOPEN_WINDOW_PASSED');
    expect(late.message).toContain('60 minutes');
  });

  it('rates once', () => {
    const err = errorOf(() => decideTransition(snapshot('closed', { rating: 4 }), command('rate'), SETTINGS));
    expect(err.code).toBe('CASE.ALREADY_RATED');
  });

  it('takes one extension request at a time, and decides only a pending one', () => {
    expect(errorOf(() => decideTransition(snapshot('dispatched', { pendingExtensionMinutes: 60 }), command('request_extension'), SETTINGS)).code).toBe(
      'CASE.EXTENSION_PENDING',
    );
    for (const action of ['approve_extension', 'deny_extension'] as const) {
      expect(errorOf(() => decideTransition(snapshot('in_progress', { pendingExtensionMinutes: null }), command(action), SETTINGS)).code).toBe(
        'CASE.NO_EXTENSION_REQUEST',
      );
    }
  });

  it('resumes to the state the case was held from', () => {
    for (const heldFrom of TRANSITIONS.hold.from) {
      expect(decideTransition(snapshot('on_hold', { heldFrom }), command('resume'), SETTINGS).to).toBe(heldFrom);
    }
  });
});

describe('the clock', () => {
  const clockOf = (action: CaseAction, state: CaseState, overrides: Partial<CaseSnapshot> = {}) =>
    decideTransition({ ...snapshotFor(action, state), ...overrides }, command(action), SETTINGS).clock;

  it('maps each state to its step; none on hold or in final states', () => {
    expect(CASE_STATES.map((s) => [s, stepOf(s)])).toEqual([
      ['reported', 'accept'],
      ['accepted', 'register'],
      ['registered', 'dispatch'],
      ['dispatched', 'handle'],
      ['in_progress', 'handle'],
      ['handled', 'verify'],
      ['verified', 'close'],
      ['closed', null],
      ['rejected', null],
      ['returned', 'dispatch'],
      ['on_hold', null],
      ['escalated', null],
      ['assigned_back', null],
      ['merged', null],
      ['voided', null],
    ]);
  });

  it.each([
    ['accept', 'reported', { kind: 'restart', step: 'register' }],
    ['register', 'accepted', { kind: 'restart', step: 'dispatch' }],
    ['dispatch', 'registered', { kind: 'restart', step: 'handle' }],
    ['dispatch', 'returned', { kind: 'restart', step: 'handle' }],
    ['start', 'dispatched', { kind: 'keep' }],
    ['handle', 'in_progress', { kind: 'restart', step: 'verify' }],
    ['return', 'handled', { kind: 'restart', step: 'dispatch' }],
    ['return', 'dispatched', { kind: 'restart', step: 'dispatch' }],
    ['verify', 'handled', { kind: 'restart', step: 'close' }],
    ['close', 'verified', { kind: 'stop' }],
    ['reject', 'reported', { kind: 'stop' }],
    ['void', 'on_hold', { kind: 'stop' }],
    ['merge', 'dispatched', { kind: 'stop' }],
    ['self_handle', 'reported', { kind: 'stop' }],
    ['reopen', 'closed', { kind: 'restart', step: 'dispatch' }],
    ['hold', 'dispatched', { kind: 'pause' }],
    ['resume', 'on_hold', { kind: 'resume' }],
    ['urge', 'dispatched', { kind: 'keep' }],
    ['request_extension', 'dispatched', { kind: 'keep' }],
    ['deny_extension', 'dispatched', { kind: 'keep' }],
    ['approve_extension', 'in_progress', { kind: 'extend', minutes: 120 }],
    ['rate', 'closed', { kind: 'keep' }],
    ['escalate', 'dispatched', { kind: 'stop' }],
    ['escalate', 'on_hold', { kind: 'stop' }],
    ['assign_back', 'registered', { kind: 'stop' }],
    ['assign_back', 'returned', { kind: 'stop' }],
  ] as const)('%s from %s → %j', (action, state, expected) => {
    expect(clockOf(action, state)).toEqual(expected);
  });
});

describe('availableActions', () => {
  it('offers a desk officer what a reported case allows, and the reporter nothing there but on-the-spot handling', () => {
    expect(availableActions(snapshot('reported'), principal(['community-staff']))).toEqual(['accept', 'reject', 'void', 'merge', 'urge', 'escalate']);
    expect(availableActions(snapshot('reported'), principal(['grid-worker'], REPORTER))).toEqual(['self_handle', 'escalate']);
    expect(availableActions(snapshot('reported'), principal(['auditor']))).toEqual([]);
  });

  it('offers the reporter reopening and rating of a closed case', () => {
    expect(availableActions(snapshot('closed'), principal(['grid-worker'], REPORTER))).toEqual(['reopen', 'rate']);
  });
});
