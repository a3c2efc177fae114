/**
 * The checks every CSV kind's rows share. Loaded by import worker threads too, so it imports only
 * contracts' enumerations and the domain's rules.
 */
import type { FieldError } from '@gm/contracts';
import { isWithinScope } from '@gm/domain';

/** What row checks know of the tier: its grids and, in a federation, its own code. */
export interface Ctx {
  readonly grids: ReadonlySet<string>;
  readonly scope?: string | undefined;
}

const CODE = /^[A-Za-z0-9][A-Za-z0-9_-]{0,79}$/;

export function text(v: string | undefined, line: number, field: string, max: number, errors: FieldError[], required = true): string | null {
  const s = (v ?? '').trim();
  if (s.length === 0) {
    if (required) errors.push({ line, field, message: `${field} is required` });
    return null;
  }
  if (s.length > max) errors.push({ line, field, message: `${field} must be at most ${max} characters` });
  return s;
}

export function code(v: string | undefined, line: number, field: string, errors: FieldError[]): string {
  const s = (v ?? '').trim();
  if (!CODE.test(s)) errors.push({ line, field, message: `${field} must be 1–80 letters, digits, "-" or "_"` });
  return s;
}

export function oneOf<T extends string>(v: string | undefined, allowed: readonly T[], line: number, field: string, errors: FieldError[]): T {
  if (!(allowed as readonly string[]).includes(v ?? '')) errors.push({ line, field, message: `one of ${allowed.join(', ')}` });
  return v as T;
}

export function int(v: string | undefined, min: number, max: number, line: number, field: string, errors: FieldError[]): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) errors.push({ line, field, message: `${field} must be a whole number ${min}–${max}` });
  return n;
}

export function coordinate(v: string | undefined, max: number, line: number, field: string, errors: FieldError[]): number {
  const n = Number(v);
  if (v === undefined || v.trim() === '' || !Number.isFinite(n) || Math.abs(n) > max) errors.push({ line, field, message: `${field} must be a number between -${max} and ${max}` });
  return n;
}

export function grid(v: string | undefined, ctx: Ctx, line: number, errors: FieldError[]): string {
  const g = (v ?? '').trim();
  if (!ctx.grids.has(g)) errors.push({ line, field: 'grid_code', message: `unknown grid code ${g || '(empty)'}` });
  else if (ctx.scope && !isWithinScope(ctx.scope, g)) errors.push({ line, field: 'grid_code', message: outside(g, ctx.scope) });
  return g;
}

export const outside = (grid: string, scope: string) => `grid ${grid} lies outside this tier (${scope}): import it at the tier that keeps it`;
