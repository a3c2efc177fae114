import { z } from 'zod';
import type { Principal, Role } from '@gm/contracts';
import type { Actor } from './record-writes';

/** Who may read base data, and who keeps it (the grid's workers and leader, the community's staff). */
export const READERS: Role[] = ['grid-worker', 'grid-leader', 'community-staff', 'street-staff', 'district-staff'];
export const WRITERS: Role[] = ['grid-worker', 'grid-leader', 'community-staff'];

/** Codes of buildings, houses, households and objects (the grid's code and more). */
export const code = z.string().trim().min(1, 'a code is required').max(80, 'codes have at most 80 characters');
export const limit = z.coerce.number().int().min(1, 'limit must be 1–200').max(200, 'limit must be 1–200').default(50);
export const date = z.iso.date('date must be a date, YYYY-MM-DD');
export const text = (max: number) => z.string().trim().min(1, 'required').max(max, `at most ${max} characters`);
export const location = z.object({ longitude: z.number().min(-180).max(180), latitude: z.number().min(-90).max(90) }).strict();

/** The caller as a writer: the first of its roles that may write. */
export function actorOf(p: Principal, allowed: readonly Role[] = WRITERS): Actor {
  return { principal: p, role: p.roles.find((r) => allowed.includes(r)) ?? p.roles[0] ?? 'unknown' };
}
