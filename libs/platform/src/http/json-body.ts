import { DomainError, type FieldError } from '@gm/contracts';

/** Deeper than this, a JSON body is refused before it is parsed (no API takes more than a few levels). */
export const MAX_JSON_DEPTH = 64;

/**
 * The deepest nesting of arrays and objects in a JSON text, counted without parsing it (strings
 * skipped), stopping as soon as `limit` is passed: a body nested thousands deep is refused in one
 * linear pass instead of overflowing a recursive walk later.
 */
export function jsonDepthExceeds(text: string, limit = MAX_JSON_DEPTH): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
      continue;
    }
    if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > limit) return true;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return false;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Why PostgreSQL could not store a text (NUL, a lone UTF-16 surrogate), or undefined. */
export function unstorable(text: string): string | undefined {
  if (text.includes('\u0000')) return 'must not contain the NUL character (\\u0000)';
  if (LONE_SURROGATE.test(text)) return 'must not contain a lone surrogate (invalid Unicode, e.g. \\ud800)';
  return undefined;
}

/**
 * Every string (and key) of a parsed value that PostgreSQL cannot store, with its path (`a.b.0`),
 * walked without recursion. One place for every endpoint, so that no request reaches a handler
 * with text the database would refuse with a 500.
 */
export function unstorableFields(value: unknown, root = ''): FieldError[] {
  const problems: FieldError[] = [];
  const stack: [unknown, string][] = [[value, root]];
  while (stack.length > 0 && problems.length < 20) {
    const [v, path] = stack.pop()!;
    if (typeof v === 'string') {
      const why = unstorable(v);
      if (why) problems.push({ field: path || '(body)', message: `${path || 'the body'} ${why}` });
    } else if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push([v[i], path ? `${path}.${i}` : String(i)]);
    } else if (v !== null && typeof v === 'object') {
      for (const [k, child] of Object.entries(v)) {
        const at = path ? `${path}.${k}` : k;
        const why = unstorable(k);
        if (why) problems.push({ field: at, message: `a key ${why}` });
        else stack.push([child, at]);
      }
    }
  }
  return problems;
}

/** Throws a 400 naming the fields when a value holds text PostgreSQL cannot store. */
export function assertStorable(value: unknown, root = ''): void {
  const problems = unstorableFields(value, root);
  if (problems.length > 0) throw DomainError.validation(problems);
}

/** Throws a 400 when a JSON text is nested deeper than the limit. */
export function assertJsonDepth(text: string, limit = MAX_JSON_DEPTH): void {
  if (jsonDepthExceeds(text, limit)) throw DomainError.validation([{ field: '(body)', message: `the JSON body is nested deeper than ${limit} levels` }]);
}
