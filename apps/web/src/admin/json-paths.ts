/**
 * Where each dotted path (`grades.good`, `deadlines.3.minutes`, as the API names fields in its
 * validation errors) starts in a JSON text: its 1-based line, and the offsets of that line, so an
 * error can point at the place in the editor. Undefined when the text is not JSON.
 */
export function linesOfPaths(text: string): Map<string, number> | undefined {
  try {
    JSON.parse(text);
  } catch {
    return undefined;
  }
  const out = new Map<string, number>();
  let i = 0;
  let line = 1;
  const space = () => {
    while (i < text.length && /\s/.test(text[i]!)) {
      if (text[i] === '\n') line++;
      i++;
    }
  };
  const string = (): string => {
    const start = i++;
    while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
    i++;
    return JSON.parse(text.slice(start, i)) as string;
  };
  // The text parsed above, so this walk may trust its shape.
  const value = (path: string): void => {
    space();
    const c = text[i];
    if (c === '{' || c === '[') {
      const close = c === '{' ? '}' : ']';
      i++;
      space();
      if (text[i] === close) {
        i++;
        return;
      }
      for (let n = 0; ; n++) {
        space();
        let member = String(n);
        const at = line;
        if (c === '{') {
          member = string();
          space();
          i++; // the colon
        }
        const p = path ? `${path}.${member}` : member;
        out.set(p, at);
        value(p);
        space();
        if (text[i++] === close) return;
      }
    }
    if (c === '"') {
      string();
      return;
    }
    while (i < text.length && !/[\s,\]}]/.test(text[i]!)) i++;
  };
  value('');
  return out;
}

/** The line of `field`, or of its nearest enclosing path the text has (a missing member is reported at its parent). */
export function lineOf(lines: Map<string, number> | undefined, field: string): number | undefined {
  if (!lines) return undefined;
  for (let parts = field.split('.'); parts.length > 0; parts = parts.slice(0, -1)) {
    const line = lines.get(parts.join('.'));
    if (line !== undefined) return line;
  }
  return undefined;
}

/** Start and end offsets of a 1-based line of `text` (for selecting it in a text area). */
export function lineRange(text: string, line: number): [number, number] {
  let start = 0;
  for (let n = 1; n < line; n++) {
    const next = text.indexOf('\n', start);
    if (next < 0) break;
    start = next + 1;
  }
  const end = text.indexOf('\n', start);
  return [start, end < 0 ? text.length : end];
}
