import { DomainError, ERROR_MESSAGES, type FieldError } from '@gm/contracts';
import type { RawAttributes } from '@gm/domain';
import { httpStatusOf } from '@gm/platform';
import type { Open311Error } from './open311-wire';

/** What comes in as a form (requests, queries) and what goes out when it is refused: Open311's errors. */

/** A form-encoded body or a query string as parsed: one string, or several for a repeated field. */
export type Open311Form = Readonly<Record<string, string | readonly string[] | undefined>>;

const ATTRIBUTE_FIELD = /^attribute\[([^\]]{1,64})\](\[\])?$/;

/** One value of a field; a field given twice is a 400 (which one was meant?). */
export function formField(form: Open311Form, name: string): string | undefined {
  const v = form[name];
  if (v === undefined) return undefined;
  if (typeof v === 'string') return v;
  if (v.length > 1) throw DomainError.validation([{ field: name, message: '只能出现一次 must appear once' }]);
  return v[0];
}

/** `attribute[code]=v` and `attribute[code][]=v1&attribute[code][]=v2` (multivaluelist), per code. */
export function attributesOf(form: Open311Form): RawAttributes {
  const out: Record<string, string[]> = {};
  for (const [name, v] of Object.entries(form)) {
    const m = ATTRIBUTE_FIELD.exec(name);
    if (!m || v === undefined) continue;
    (out[m[1]!] ??= []).push(...(typeof v === 'string' ? [v] : v));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

/** Our field names as the client knows them (`status`, not `status.0`, for an entry of a comma list). */
export function open311Field(field: string): string {
  const attribute = /^attributes\.(.+)$/.exec(field);
  if (attribute) return `attribute[${attribute[1]}]`;
  const name = field.replace(/\.\d+$/, '');
  switch (name) {
    case 'categoryCode':
      return 'service_code';
    case 'location.latitude':
    case 'gridCode':
      return 'lat';
    case 'location.longitude':
      return 'long';
    case 'address':
      return 'address_string';
    default:
      return name;
  }
}

const hasChinese = (s: string) => /[\u4e00-\u9fff]/.test(s);

/**
 * The spec's answer to a failure: 400, 403 or 404 (5xx stays 5xx) and an array of
 * `{code, description}` with the status as code, one per offending field. Descriptions are
 * Chinese first; server-side failures say no more than that they happened.
 */
export function open311Errors(error: DomainError): { status: number; errors: Open311Error[] } {
  const http = httpStatusOf(error.code);
  // GeoReport v2 names 400, 403, 404 and server errors; 429 (with Retry-After) is kept as it is, so clients back off.
  const status = http >= 500 || http === 429 ? http : http === 401 || http === 403 ? 403 : http === 404 ? 404 : 400;
  const title = ERROR_MESSAGES[error.code];
  if (status >= 500) return { status, errors: [{ code: status, description: `${title.zh} ${title.en}` }] };
  const fields: readonly FieldError[] = error.fieldErrors;
  if (fields.length > 0) return { status, errors: fields.map((f) => ({ code: status, description: `${open311Field(f.field)}: ${f.message}` })) };
  return { status, errors: [{ code: status, description: hasChinese(error.message) ? error.message : `${title.zh} ${error.message}` }] };
}
