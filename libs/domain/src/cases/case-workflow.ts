import {
  DomainError,
  OPEN_CASE_STATES,
  type Assignee,
  type CaseAction,
  type CaseState,
  type ClockStep,
  type FieldError,
  type Principal,
  type Role,
} from '@gm/contracts';

/**
 * The case workflow (发现—处置—反馈), after the national digital urban management flow:
 * `reported → accepted → registered → dispatched → in_progress → handled → verified → closed`,
 * with rejection, return for rework, the long-term pool (on hold, clock paused), voiding, merging
 * of duplicates, reopening by the reporter, on-the-spot handling, urging and time extensions.
 *
 * This file is the only place that says what may happen to a case. It is pure: the service loads
 * a snapshot, asks `decideTransition`, and stores the decision with its event in one transaction.
 */

/** Who may act: a realm role, or the case's own reporter (by token subject). */
export type Actor = Role | 'reporter';

/** Inputs an action may require. */
export type RequiredInput = 'reason' | 'note' | 'evidence' | 'assignee' | 'primaryCaseId' | 'rating' | 'extensionMinutes';

/** Event key of each action (an entry of `Events` in libs/contracts). */
export type CaseEventKey =
  | 'caseAccepted'
  | 'caseRejected'
  | 'caseRegistered'
  | 'caseDispatched'
  | 'caseStarted'
  | 'caseHandled'
  | 'caseReturned'
  | 'caseVerified'
  | 'caseClosed'
  | 'caseHeld'
  | 'caseResumed'
  | 'caseVoided'
  | 'caseMerged'
  | 'caseReopened'
  | 'caseSelfHandled'
  | 'caseUrged'
  | 'caseExtensionRequested'
  | 'caseExtensionApproved'
  | 'caseExtensionDenied'
  | 'caseRated'
  | 'caseEscalated'
  | 'caseAssignedBack';

export interface TransitionRule {
  readonly from: readonly CaseState[];
  /** The state after the action; `same` leaves the state as it is; `held-from` returns to the state before the hold. */
  readonly to: CaseState | 'same' | 'held-from';
  readonly actors: readonly Actor[];
  readonly requires: readonly RequiredInput[];
  readonly event: CaseEventKey;
  /** Counts as rework (返工): the handling was not accepted or went to the wrong owner. */
  readonly rework?: true;
}

const DESK: readonly Role[] = ['community-staff', 'street-staff', 'district-staff'];
const SUPERVISORS: readonly Role[] = ['community-staff', 'street-staff', 'district-staff'];
const HANDLERS: readonly Role[] = ['department', 'grid-worker', 'grid-leader', 'community-staff', 'street-staff', 'district-staff'];
const ON_SITE: readonly Role[] = ['grid-worker', 'grid-leader', 'community-staff', 'street-staff', 'district-staff'];
/** Who may escalate: on a grid's instance its workers, above it the desk staff. */
const ESCALATORS: readonly Role[] = ['grid-worker', 'grid-leader', 'community-staff', 'street-staff', 'district-staff'];
const BEFORE_HANDLING: readonly CaseState[] = ['reported', 'accepted', 'registered', 'dispatched', 'in_progress', 'returned', 'on_hold'];
const URGEABLE: readonly CaseState[] = ['reported', 'accepted', 'registered', 'dispatched', 'in_progress', 'handled', 'verified', 'returned'];

export const TRANSITIONS: Readonly<Record<CaseAction, TransitionRule>> = {
  accept: { from: ['reported'], to: 'accepted', actors: DESK, requires: [], event: 'caseAccepted' },
  reject: { from: ['reported', 'accepted'], to: 'rejected', actors: DESK, requires: ['reason'], event: 'caseRejected' },
  register: { from: ['accepted'], to: 'registered', actors: DESK, requires: [], event: 'caseRegistered' },
  dispatch: { from: ['registered', 'returned'], to: 'dispatched', actors: DESK, requires: ['assignee'], event: 'caseDispatched' },
  start: { from: ['dispatched'], to: 'in_progress', actors: HANDLERS, requires: [], event: 'caseStarted' },
  handle: { from: ['dispatched', 'in_progress'], to: 'handled', actors: HANDLERS, requires: ['note', 'evidence'], event: 'caseHandled' },
  return: {
    from: ['dispatched', 'in_progress', 'handled'],
    to: 'returned',
    actors: HANDLERS,
    requires: ['reason'],
    event: 'caseReturned',
    rework: true,
  },
  verify: { from: ['handled'], to: 'verified', actors: ON_SITE, requires: [], event: 'caseVerified' },
  close: { from: ['verified'], to: 'closed', actors: DESK, requires: [], event: 'caseClosed' },
  hold: { from: ['registered', 'dispatched', 'in_progress', 'returned'], to: 'on_hold', actors: SUPERVISORS, requires: ['reason'], event: 'caseHeld' },
  resume: { from: ['on_hold'], to: 'held-from', actors: SUPERVISORS, requires: [], event: 'caseResumed' },
  void: { from: BEFORE_HANDLING, to: 'voided', actors: DESK, requires: ['reason'], event: 'caseVoided' },
  merge: {
    from: ['reported', 'accepted', 'registered', 'dispatched', 'returned'],
    to: 'merged',
    actors: DESK,
    requires: ['primaryCaseId'],
    event: 'caseMerged',
  },
  reopen: { from: ['closed'], to: 'returned', actors: ['reporter'], requires: ['reason'], event: 'caseReopened', rework: true },
  self_handle: { from: ['reported'], to: 'closed', actors: ['reporter'], requires: ['note', 'evidence'], event: 'caseSelfHandled' },
  urge: { from: URGEABLE, to: 'same', actors: SUPERVISORS, requires: ['note'], event: 'caseUrged' },
  request_extension: {
    from: ['dispatched', 'in_progress'],
    to: 'same',
    actors: HANDLERS,
    requires: ['reason', 'extensionMinutes'],
    event: 'caseExtensionRequested',
  },
  approve_extension: { from: ['dispatched', 'in_progress'], to: 'same', actors: ['street-staff', 'district-staff'], requires: [], event: 'caseExtensionApproved' },
  deny_extension: { from: ['dispatched', 'in_progress'], to: 'same', actors: ['street-staff', 'district-staff'], requires: ['reason'], event: 'caseExtensionDenied' },
  rate: { from: ['closed'], to: 'same', actors: ['reporter'], requires: ['rating'], event: 'caseRated' },
  // 上报: to the parent tier, which owns the case from then on (the service checks there is one).
  escalate: { from: BEFORE_HANDLING, to: 'escalated', actors: ESCALATORS, requires: ['reason'], event: 'caseEscalated' },
  // 下派: back to the child tier the case came from, with instructions; the child owns it again
  // (dispatched to it) and this copy follows it (the service checks the case came from a child).
  assign_back: { from: ['registered', 'returned'], to: 'assigned_back', actors: DESK, requires: ['note'], event: 'caseAssignedBack' },
};

/** Roles that may report on a handheld, and so may handle their own report on the spot (现场处理). */
const SELF_HANDLERS: readonly Role[] = ['grid-worker', 'grid-leader'];

/** Longest extension one request may ask for: 30 working days of 8 hours. */
export const MAX_EXTENSION_MINUTES = 30 * 8 * 60;

/** What the workflow needs to know of a case. */
export interface CaseSnapshot {
  readonly state: CaseState;
  readonly reporterSubject: string;
  /** The state the case was in when put on hold (set while `on_hold`). */
  readonly heldFrom: CaseState | null;
  readonly closedAt: Date | null;
  readonly rating: number | null;
  /** Minutes asked for by an extension request not yet decided, or null. */
  readonly pendingExtensionMinutes: number | null;
}

export interface TransitionCommand {
  readonly action: CaseAction;
  readonly actor: Principal;
  readonly now: Date;
  readonly reason?: string | undefined;
  readonly note?: string | undefined;
  /** Attachment references (object keys) proving the work, e.g. photos. */
  readonly evidence?: readonly string[] | undefined;
  readonly assignee?: Assignee | undefined;
  readonly primaryCaseId?: string | undefined;
  readonly rating?: number | undefined;
  readonly extensionMinutes?: number | undefined;
}

export interface WorkflowSettings {
  /** How long after closing the reporter may reopen a case (natural minutes). */
  readonly reopenWindowMinutes: number;
}

export interface TransitionDecision {
  readonly action: CaseAction;
  readonly from: CaseState;
  readonly to: CaseState;
  readonly event: CaseEventKey;
  /** The capacity in which the actor acted: the first allowed role they hold, or `reporter`. */
  readonly actedAs: Actor;
  readonly rework: boolean;
  /** What happens to the deadline clock. */
  readonly clock: ClockEffect;
}

/**
 * - `restart`: a new step begins now (its own time limit);
 * - `pause` / `resume`: the current step's clock stops or runs again (on hold, 挂账);
 * - `extend`: the current step's limit grows by the approved minutes;
 * - `stop`: the case left the open states;
 * - `keep`: nothing changes.
 */
export type ClockEffect =
  | { readonly kind: 'restart'; readonly step: ClockStep }
  | { readonly kind: 'pause' }
  | { readonly kind: 'resume' }
  | { readonly kind: 'extend'; readonly minutes: number }
  | { readonly kind: 'stop' }
  | { readonly kind: 'keep' };

/** The step whose deadline runs while a case is in `state`; none for final states and while on hold. */
export function stepOf(state: CaseState): ClockStep | null {
  switch (state) {
    case 'reported':
      return 'accept';
    case 'accepted':
      return 'register';
    case 'registered':
    case 'returned':
      return 'dispatch';
    case 'dispatched':
    case 'in_progress':
      return 'handle';
    case 'handled':
      return 'verify';
    case 'verified':
      return 'close';
    case 'on_hold':
    case 'closed':
    case 'rejected':
    case 'escalated':
    case 'assigned_back':
    case 'merged':
    case 'voided':
      return null;
  }
}

export function isOpenState(state: CaseState): boolean {
  return (OPEN_CASE_STATES as readonly CaseState[]).includes(state);
}

/** The actions `principal` may take on the case now (for the UI's buttons); rules needing input are still checked on submit. */
export function availableActions(snapshot: CaseSnapshot, principal: Principal): CaseAction[] {
  return (Object.keys(TRANSITIONS) as CaseAction[]).filter((action) => {
    const rule = TRANSITIONS[action];
    return rule.from.includes(snapshot.state) && actingCapacity(rule, snapshot, principal, action) !== undefined;
  });
}

/**
 * Decides one action on one case, or throws a DomainError:
 * `CASE.TRANSITION_FORBIDDEN` (not from this state), `AUTH.FORBIDDEN` (not by this actor),
 * `REQUEST.VALIDATION_FAILED` (a required input is missing or bad, each field named), or the
 * specific rule that failed (`CASE.REOPEN_WINDOW_PASSED`, `CASE.ALREADY_RATED`, …).
 */
export function decideTransition(snapshot: CaseSnapshot, cmd: TransitionCommand, settings: WorkflowSettings): TransitionDecision {
  const rule = TRANSITIONS[cmd.action];
  if (!rule.from.includes(snapshot.state)) {
    throw new DomainError('CASE.TRANSITION_FORBIDDEN', `A case in state ${snapshot.state} cannot be given "${cmd.action}"`);
  }
  const actedAs = actingCapacity(rule, snapshot, cmd.actor, cmd.action);
  if (actedAs === undefined) {
    const who = rule.actors.map((a) => (a === 'reporter' ? "the case's reporter" : a)).join(', ');
    throw new DomainError('AUTH.FORBIDDEN', `"${cmd.action}" may be done only by: ${who}`);
  }
  const errors = missingInputs(rule, cmd);
  if (errors.length > 0) throw DomainError.validation(errors);
  checkSpecialRules(snapshot, cmd, settings);

  const to = rule.to === 'same' ? snapshot.state : rule.to === 'held-from' ? heldFromOf(snapshot) : rule.to;
  return {
    action: cmd.action,
    from: snapshot.state,
    to,
    event: rule.event,
    actedAs,
    rework: rule.rework === true,
    clock: clockEffect(snapshot, to, cmd.action),
  };
}

function actingCapacity(rule: TransitionRule, snapshot: CaseSnapshot, principal: Principal, action: CaseAction): Actor | undefined {
  const role = principal.roles.find((r) => rule.actors.includes(r));
  if (role) return role;
  if (!rule.actors.includes('reporter') || principal.subject !== snapshot.reporterSubject) return undefined;
  if (action === 'self_handle' && !principal.roles.some((r) => SELF_HANDLERS.includes(r))) return undefined;
  return 'reporter';
}

function missingInputs(rule: TransitionRule, cmd: TransitionCommand): FieldError[] {
  const errors: FieldError[] = [];
  for (const input of rule.requires) {
    switch (input) {
      case 'reason':
        if (!cmd.reason?.trim()) errors.push({ field: 'reason', message: `reason is required for "${cmd.action}"` });
        break;
      case 'note':
        if (!cmd.note?.trim()) errors.push({ field: 'note', message: `note is required for "${cmd.action}"` });
        break;
      case 'evidence':
        if (!cmd.evidence || cmd.evidence.length === 0) {
          errors.push({ field: 'evidence', message: `"${cmd.action}" needs at least one attachment (e.g. a photo) as evidence` });
        }
        break;
      case 'assignee':
        if (!cmd.assignee) errors.push({ field: 'assignee', message: 'assignee is required for "dispatch": a department or an org unit' });
        break;
      case 'primaryCaseId':
        if (!cmd.primaryCaseId) errors.push({ field: 'primaryCaseId', message: 'primaryCaseId is required for "merge": the case this one duplicates' });
        break;
      case 'rating':
        if (cmd.rating === undefined || !Number.isInteger(cmd.rating) || cmd.rating < 1 || cmd.rating > 5) {
          errors.push({ field: 'rating', message: 'rating must be a whole number from 1 to 5' });
        }
        break;
      case 'extensionMinutes':
        if (
          cmd.extensionMinutes === undefined ||
          !Number.isInteger(cmd.extensionMinutes) ||
          cmd.extensionMinutes < 1 ||
          cmd.extensionMinutes > MAX_EXTENSION_MINUTES
        ) {
          errors.push({ field: 'extensionMinutes', message: `extensionMinutes must be a whole number from 1 to ${MAX_EXTENSION_MINUTES}` });
        }
        break;
    }
  }
  return errors;
}

function checkSpecialRules(snapshot: CaseSnapshot, cmd: TransitionCommand, settings: WorkflowSettings): void {
  switch (cmd.action) {
    case 'reopen': {
      const closedAt = snapshot.closedAt;
      if (!closedAt || cmd.now.getTime() - closedAt.getTime() > settings.reopenWindowMinutes * 60_000) {
        throw new DomainError(
          'CASE.REOPEN_WINDOW_PASSED',
          `A case can be reopened within ${settings.reopenWindowMinutes} minutes of closing; that time has passed`,
        );
      }
      return;
    }
    case 'rate':
      if (snapshot.rating !== null) throw new DomainError('CASE.ALREADY_RATED', 'This case has been rated already');
      return;
    case 'request_extension':
      if (snapshot.pendingExtensionMinutes !== null) {
        throw new DomainError('CASE.EXTENSION_PENDING', 'An extension request of this case is waiting for a decision');
      }
      return;
    case 'approve_extension':
    case 'deny_extension':
      if (snapshot.pendingExtensionMinutes === null) {
        throw new DomainError('CASE.NO_EXTENSION_REQUEST', 'This case has no extension request to decide');
      }
      return;
    default:
      return;
  }
}

function heldFromOf(snapshot: CaseSnapshot): CaseState {
  if (!snapshot.heldFrom || !isOpenState(snapshot.heldFrom) || snapshot.heldFrom === 'on_hold') {
    throw new Error(`unreachable: case on hold without a valid earlier state (${String(snapshot.heldFrom)})`);
  }
  return snapshot.heldFrom;
}

function clockEffect(snapshot: CaseSnapshot, to: CaseState, action: CaseAction): ClockEffect {
  if (action === 'hold') return { kind: 'pause' };
  if (action === 'resume') return { kind: 'resume' };
  if (action === 'approve_extension') return { kind: 'extend', minutes: snapshot.pendingExtensionMinutes ?? 0 };
  if (to === snapshot.state) return { kind: 'keep' };
  const step = stepOf(to);
  if (step === null) return { kind: 'stop' };
  // dispatched → in_progress stays in the handling step; any other move (rework and reopening included) starts a new one.
  return stepOf(snapshot.state) === step ? { kind: 'keep' } : { kind: 'restart', step };
}
