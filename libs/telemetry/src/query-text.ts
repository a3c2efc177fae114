/**
 * SQL text with every literal (quoted string, dollar-quoted string, number) replaced by `?`, as the
 * OpenTelemetry database conventions ask of query text that is not parameterized. MikroORM writes
 * the values of its inserts and updates into the statement it sends, so the text the pg
 * instrumentation records would otherwise carry a case's description, a resident's phone number and
 * every event payload into the tracing backend. Identifiers (`"quoted"` too), keywords, comments
 * and placeholders (`$1`) are kept. Text it cannot read to the end (an unterminated literal) is cut
 * there, so that nothing unread is kept.
 */
export function withoutLiterals(sql: string): string {
  let out = '';
  let i = 0;
  const n = sql.length;
  while (i < n) {
    const c = sql[i]!;
    const prev = i > 0 ? sql[i - 1]! : '';
    if (c === "'") {
      // E'…' strings take backslash escapes; in the others a backslash is an ordinary character.
      const escapes = /[eE]/.test(prev) && !/[\w$]/.test(i > 1 ? sql[i - 2]! : '');
      const end = endOfQuoted(sql, i, escapes);
      out += '?';
      if (end < 0) return out;
      i = end;
      continue;
    }
    if (c === '"') {
      const end = sql.indexOf('"', i + 1);
      if (end < 0) return `${out}?`;
      out += sql.slice(i, end + 1);
      i = end + 1;
      continue;
    }
    if (c === '$' && !/[\w$]/.test(prev)) {
      const tag = /^\$([A-Za-z_][\w]*)?\$/.exec(sql.slice(i));
      if (tag) {
        const end = sql.indexOf(tag[0], i + tag[0].length);
        out += '?';
        if (end < 0) return out;
        i = end + tag[0].length;
        continue;
      }
    }
    if (c === '-' && sql[i + 1] === '-') {
      const end = sql.indexOf('\n', i);
      out += end < 0 ? sql.slice(i) : sql.slice(i, end);
      i = end < 0 ? n : end;
      continue;
    }
    if (c === '/' && sql[i + 1] === '*') {
      const end = sql.indexOf('*/', i + 2);
      if (end < 0) return out;
      out += sql.slice(i, end + 2);
      i = end + 2;
      continue;
    }
    if (/[0-9]/.test(c) && !/[\w$.]/.test(prev)) {
      const num = /^[0-9]+(\.[0-9]*)?([eE][+-]?[0-9]+)?/.exec(sql.slice(i))![0];
      out += '?';
      i += num.length;
      continue;
    }
    out += c;
    i++;
  }
  return out;
}

/** The index just past the quoted literal opening at `start`, or -1 when it does not end. */
function endOfQuoted(sql: string, start: number, escapes: boolean): number {
  let i = start + 1;
  while (i < sql.length) {
    const c = sql[i]!;
    if (escapes && c === '\\') {
      i += 2;
      continue;
    }
    if (c === "'") {
      if (sql[i + 1] === "'") {
        i += 2;
        continue;
      }
      return i + 1;
    }
    i++;
  }
  return -1;
}
