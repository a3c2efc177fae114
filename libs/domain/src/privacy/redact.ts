/**
 * Masks personal identifiers found in free text (descriptions typed on a handheld often carry a
 * phone number or an ID number). Used for everything that leaves the service that stored the
 * clear text: events, logs, traces. Errs on the side of masking: a 15-digit order number is
 * masked like an old ID number.
 */

// Not preceded by a digit, a decimal point or a hyphen (decimals, UUID groups, case numbers stay).
const START = '(?<![0-9.\\-])';
const END = '(?![0-9])';
// 18-digit resident ID (last char may be X), optionally written in groups, and the old 15-digit form.
const ID_NUMBER_18 = new RegExp(`${START}(\\d{6})[ ]?(\\d{8})[ ]?(\\d{3}[0-9Xx])${END}`, 'g');
const ID_NUMBER_15 = new RegExp(`${START}(\\d{6})(\\d{5})(\\d{4})${END}`, 'g');
// Mainland mobile numbers, optionally with +86 / 86 and any spacing or hyphens between groups.
const MOBILE = new RegExp(`${START}((?:\\+?86[-\\s]*)?1[3-9]\\d)[-\\s]*(\\d{4})[-\\s]*(\\d{4})${END}`, 'g');
// Landlines: 0592-1234567, (0592)1234567, 0592-123-4567, 059212345678.
const LANDLINE = new RegExp(`${START}\\(?(0\\d{2,3})\\)?[-\\s]*(\\d{3,4})[-\\s]*(\\d{4})${END}`, 'g');

export function maskIdNumber(id: string): string {
  if (id.length < 10) return '*'.repeat(id.length);
  if (id.length === 10) return `${id.slice(0, 2)}${'*'.repeat(6)}${id.slice(-2)}`;
  return `${id.slice(0, 6)}${'*'.repeat(id.length - 10)}${id.slice(-4)}`;
}

export function maskPhone(phone: string): string {
  const digits = phone.replace(/\D/g, '');
  if (digits.length < 7) return '*'.repeat(digits.length);
  if (digits.length === 7) return `***${digits.slice(-4)}`;
  return `${digits.slice(0, 3)}${'*'.repeat(digits.length - 7)}${digits.slice(-4)}`;
}

export function redactPersonalData(text: string): string {
  return text
    .replace(ID_NUMBER_18, (_m: string, head: string, mid: string, tail: string) => `${head}${'*'.repeat(mid.length)}${tail}`)
    .replace(ID_NUMBER_15, (_m: string, head: string, mid: string, tail: string) => `${head}${'*'.repeat(mid.length)}${tail}`)
    .replace(MOBILE, (_m: string, head: string, _mid: string, tail: string) => `${head}****${tail}`)
    .replace(LANDLINE, (_m: string, area: string, mid: string, tail: string) => `${area}-${'*'.repeat(mid.length)}${tail}`);
}

/** A short, redacted one-liner for events and dashboards. Whitespace is collapsed first, so that no line break splits a number past the patterns. */
export function summarize(text: string, maxLength = 140): string {
  const flat = redactPersonalData(text.replace(/\s+/g, ' ').trim());
  return flat.length <= maxLength ? flat : `${flat.slice(0, maxLength - 1)}…`;
}
