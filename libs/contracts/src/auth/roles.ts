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

/** The caller as every service sees it once the token has been verified. */
export const principalSchema = z.object({
  subject: z.string().min(1),
  username: z.string().optional(),
  roles: z.array(roleSchema),
  orgUnit: z.string().min(1),
});
export type Principal = z.infer<typeof principalSchema>;
