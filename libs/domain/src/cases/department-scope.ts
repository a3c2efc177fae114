import type { Principal, Role } from '@gm/contracts';

/** Roles whose reach is their org unit, whatever department they may also belong to. */
const UNIT_ROLES: readonly Role[] = ['grid-worker', 'grid-leader', 'community-staff', 'street-staff', 'district-staff', 'admin', 'auditor'];

/**
 * A department user (and nothing else) sees and acts on the cases dispatched to its own department
 * only, the department named by its token (`department` claim); without one, on none. Undefined for
 * every other caller, whose reach is its org unit.
 */
export function departmentLimit(principal: Principal): { readonly department: string | null } | undefined {
  if (!principal.roles.includes('department') || principal.roles.some((r) => UNIT_ROLES.includes(r))) return undefined;
  return { department: principal.department ?? null };
}

/** Whether a case, by its current assignee, lies within a department user's reach (always, for anyone else). */
export function withinDepartment(principal: Principal, c: { readonly assigneeKind: string | null; readonly assigneeCode: string | null }): boolean {
  const limit = departmentLimit(principal);
  return !limit || (limit.department !== null && c.assigneeKind === 'department' && c.assigneeCode === limit.department);
}
