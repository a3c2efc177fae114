/**
 * Resident identity numbers (居民身份证号码, GB 11643-1999): 6-digit area code, 8-digit birth date,
 * 3-digit sequence (odd for men, even for women), and a check character computed as
 * ISO 7064 MOD 11-2 (0–9 or X).
 */

const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2] as const;
const CHECK = '10X98765432';

/** The check character for the first 17 digits. */
export function idCheckCharacter(first17: string): string {
  if (!/^\d{17}$/.test(first17)) throw new RangeError('expected 17 digits');
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += (first17.charCodeAt(i) - 48) * WEIGHTS[i]!;
  return CHECK[sum % 11]!;
}

export type IdNumberProblem = 'format' | 'birth-date' | 'checksum';

/** Why an ID number is invalid, or undefined when it is valid. Accepts a lower-case x. */
export function idNumberProblem(value: string): IdNumberProblem | undefined {
  const id = value.trim().toUpperCase();
  if (!/^\d{17}[\dX]$/.test(id)) return 'format';
  const y = Number(id.slice(6, 10));
  const m = Number(id.slice(10, 12));
  const d = Number(id.slice(12, 14));
  const date = new Date(Date.UTC(y, m - 1, d));
  if (y < 1900 || date.getUTCFullYear() !== y || date.getUTCMonth() !== m - 1 || date.getUTCDate() !== d || date.getTime() > Date.now()) {
    return 'birth-date';
  }
  if (idCheckCharacter(id.slice(0, 17)) !== id[17]) return 'checksum';
  return undefined;
}

export function isValidIdNumber(value: string): boolean {
  return idNumberProblem(value) === undefined;
}

/** Canonical form for hashing and storage: trimmed, upper-case X. */
export function normalizeIdNumber(value: string): string {
  return value.trim().toUpperCase();
}

/** Birth date (YYYY-MM-DD) and sex carried by a valid ID number. */
export function idNumberFacts(value: string): { birthDate: string; sex: 'male' | 'female' } {
  const id = normalizeIdNumber(value);
  return { birthDate: `${id.slice(6, 10)}-${id.slice(10, 12)}-${id.slice(12, 14)}`, sex: Number(id[16]) % 2 === 1 ? 'male' : 'female' };
}

/** Digits only; `+86`/`86` country prefix dropped from mobiles. */
export function normalizePhone(value: string): string {
  const digits = value.replace(/\D/g, '');
  return digits.length === 13 && digits.startsWith('86') ? digits.slice(2) : digits;
}

/** Mainland mobile (11 digits, 1[3-9]…) or landline with area code (10–12 digits, leading 0). */
export function isPlausiblePhone(value: string): boolean {
  const p = normalizePhone(value);
  return /^1[3-9]\d{9}$/.test(p) || /^0\d{9,11}$/.test(p);
}
