import { DomainError, type Principal, type Role } from '@gm/contracts';

/** The caller's role among `allowed` (the capacity a step is recorded in), or 403. */
export function roleOf(principal: Principal, allowed: readonly Role[]): Role {
  const role = principal.roles.find((r) => allowed.includes(r));
  if (!role) throw new DomainError('AUTH.FORBIDDEN', `this needs one of the roles ${allowed.join(', ')}`);
  return role;
}

/** Administrators and auditors read the whole tier; everyone else their own unit's subtree (or department). */
export function readsWholeTier(principal: Principal): boolean {
  return principal.roles.includes('admin') || principal.roles.includes('auditor');
}
