import type { CloudEvent } from '@gm/contracts';
import { isWithinScope } from '@gm/domain';

/**
 * What a department may hear (ADR 0014): the case events of the categories it owns from the areas it
 * serves, and every event of a case dispatched to it now, whatever its category. A subscription
 * narrows that by event type, category and area; it never widens it.
 */
export interface DepartmentRemit {
  readonly code: string;
  readonly categories: ReadonlySet<string>;
  readonly areas: readonly string[];
}

export interface SubscriptionFilter {
  readonly id: string;
  readonly department: string;
  readonly eventTypes: readonly string[];
  readonly categories: readonly string[];
  readonly areas: readonly string[];
}

/** What routing needs of a case event. */
export interface EventFacts {
  readonly id: string;
  readonly type: string;
  /** The case (its id), or the event's own id for an event about no case. */
  readonly caseKey: string;
  readonly caseNo: string | undefined;
  readonly categoryCode: string | undefined;
  readonly gridCode: string | undefined;
  readonly occurredAt: string;
  /** A dispatch to a department (its code), or to a unit (null); undefined for anything else. */
  readonly dispatchedTo: string | null | undefined;
  /** The department a work-order event or a command's outcome is addressed to (only that department hears it); undefined for case events. */
  readonly addressedTo?: string | undefined;
}

export function factsOf(event: CloudEvent): EventFacts {
  const data = (event.data ?? {}) as Record<string, unknown>;
  const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
  const assignee = data['assignee'] as { kind?: unknown; code?: unknown } | undefined;
  const dispatch = str(data['action']) === 'dispatch';
  return {
    id: event.id,
    type: event.type,
    caseKey: str(data['caseId']) ?? event.subject ?? event.id,
    caseNo: str(data['caseNo']),
    categoryCode: str(data['categoryCode']),
    gridCode: str(data['gridCode']),
    occurredAt: event.time,
    dispatchedTo: dispatch ? (assignee?.kind === 'department' && typeof assignee.code === 'string' ? assignee.code : null) : undefined,
    ...((event.type.startsWith('gm.workorder.') || event.type.startsWith('gm.department.')) && { addressedTo: str(data['department']) ?? '' }),
  };
}

/** Whether the department may hear this event; `currentDepartment` is the department the case is dispatched to now. */
export function inRemit(remit: DepartmentRemit, facts: EventFacts, currentDepartment: string | undefined): boolean {
  if (facts.addressedTo !== undefined) return facts.addressedTo === remit.code;
  if (currentDepartment === remit.code) return true;
  if (!facts.categoryCode || !facts.gridCode || !remit.categories.has(facts.categoryCode)) return false;
  const grid = facts.gridCode;
  return remit.areas.some((a) => isWithinScope(a, grid));
}

/** Whether a subscription of the department takes this event. */
export function matches(sub: SubscriptionFilter, remit: DepartmentRemit, facts: EventFacts, currentDepartment: string | undefined): boolean {
  if (sub.department !== remit.code || !inRemit(remit, facts, currentDepartment)) return false;
  return matchesFilters(sub, facts);
}

/** Whether a subscription's own filters (event types, categories, areas) take an event its department may hear. */
export function matchesFilters(sub: SubscriptionFilter, facts: EventFacts): boolean {
  if (sub.eventTypes.length > 0 && !sub.eventTypes.includes(facts.type)) return false;
  if (sub.categories.length > 0 && (!facts.categoryCode || !sub.categories.includes(facts.categoryCode))) return false;
  if (sub.areas.length > 0) {
    const grid = facts.gridCode;
    if (!grid || !sub.areas.some((a) => isWithinScope(a, grid))) return false;
  }
  return true;
}

/**
 * The wait before retry `attempt` (1 for the first retry): exponential from `baseMs`, at most `maxMs`,
 * with full jitter (a random share of it) so that many deliveries failing together do not return together.
 */
export function retryDelayMs(attempt: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.min(30, Math.max(0, attempt - 1)));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}
