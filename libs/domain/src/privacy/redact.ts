/**
 * Masks personal identifiers found in free text (descriptions typed on a handheld often carry a
 * phone number or an ID number). Used for everything that leaves the service that stored the
 * clear text: events, logs, traces.
 */

// 18-digit resident ID (last char may be X) and the old 15-digit form.
const ID_NUMBER_18 = /(?<![0-9A-Za-z])(\d{6})(\d{8})(\d{3}[0-9Xx])(?![0-9A-Za-z])/g;
const ID_NUMBER_15 = /(?<![0-9A-Za-z])(\d{6})(\d{5})(\d{4})(?![0-9A-Za-z])/g;
// Mainland mobile numbers, optionally with +86 / 86.
const MOBILE = /(?<![0-9])((?:\+?86[- ]?)?1[3-9]\d)[- ]?(\d{4})[- ]?(\d{4})(?![0-9])/g;
// Landlines such as 0592-1234567 or 059212345678.
const LANDLINE = /(?<![0-9])(0\d{2,3})[- ]?(\d{3,4})(\d{4})(?![0-9])/g;

export function maskIdNumber(id: string): string {
  if (id.length < 10) return '*'.repeat(id.length);
  return `${id.slice(0, 6)}${'*'.repeat(id.length - 10)}${id.slice(-4)}`;
}

export function maskPhone(phone: string): string {
  const digits = phone.replace(/\D/g, '');
  if (digits.length < 7) return '*'.repeat(digits.length);
  return `${digits.slice(0, 3)}${'*'.repeat(digits.length - 7)}${digits.slice(-4)}`;
}

export function redactPersonalData(text: string): string {
  return text
    .replace(ID_NUMBER_18, (_m: string, head: string, mid: string, tail: string) => `${head}${'*'.repeat(mid.length)}${tail}`)
    .replace(ID_NUMBER_15, (_m: string, head: string, mid: string, tail: string) => `${head}${'*'.repeat(mid.length)}${tail}`)
    .replace(MOBILE, (_m: string, head: string, _mid: string, tail: string) => `${head}****${tail}`)
    .replace(LANDLINE, (_m: string, area: string, mid: string, tail: string) => `${area}-${'*'.repeat(mid.length)}${tail}`);
}

/** A short, redacted one-liner for events and dashboards. */
export function summarize(text: string, maxLength = 140): string {
  const flat = redactPersonalData(text).replace(/\s+/g, ' ').trim();
  return flat.length <= maxLength ? flat : `${flat.slice(0, maxLength - 1)}…`;
}
