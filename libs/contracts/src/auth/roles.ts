import { z } from 'zod';

/** Realm roles (Keycloak `realm_access.roles`). */
export const ROLES = [
  'grid-worker',
  'grid-leader',
  'community-staff',
  'street-staff',
  'district-staff',
  'department',
  'admin',
  'auditor',
] as const;
export const roleSchema = z.enum(ROLES);
export type Role = z.infer<typeof roleSchema>;

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}

/** A department's code (职能部门), as the category catalogue and the token's `department` claim name it. */
export const DEPARTMENT_CODE = /^[a-z][a-z0-9-]{1,39}$/;

/** The caller as every service sees it once the token has been verified. */
export const principalSchema = z.object({
  subject: z.string().min(1),
  username: z.string().optional(),
  roles: z.array(roleSchema),
  orgUnit: z.string().min(1),
  /** A department user's department (the token's `department` claim): the only department whose cases it may act on. */
  department: z.string().regex(DEPARTMENT_CODE).optional(),
});
export type Principal = z.infer<typeof principalSchema>;
