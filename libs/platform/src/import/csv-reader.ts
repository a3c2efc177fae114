/**
 * A streaming RFC 4180 CSV reader: quoted fields with commas, doubled quotes and line breaks,
 * CRLF or LF, a UTF-8 BOM. Each record comes with the 1-based line number it starts on, so that
 * errors can name it. Lines without a quote take a fast path (a plain split).
 */
export interface CsvRecord {
  readonly line: number;
  readonly fields: string[];
}

export interface CsvReadProgress {
  bytes: number;
}

export async function* readCsv(input: AsyncIterable<Buffer | string>, progress?: CsvReadProgress): AsyncGenerator<CsvRecord> {
  const decoder = new TextDecoder('utf-8');
  let buf = '';
  let line = 0; // physical lines consumed
  let first = true;
  for await (const chunk of input) {
    if (progress) progress.bytes += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length;
    buf += typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
    if (first && buf.length > 0) {
      if (buf.charCodeAt(0) === 0xfeff) buf = buf.slice(1);
      first = false;
    }
    let pos = 0;
    // The next quote at or after pos (-1: none in the buffer); found once, not once per line.
    let quote = buf.indexOf('"');
    for (;;) {
      const nl = buf.indexOf('\n', pos);
      if (nl < 0) break;
      if (quote >= 0 && quote < pos) quote = buf.indexOf('"', pos);
      if (quote < 0 || quote > nl) {
        // Fast path: a whole record on one line, no quotes.
        const end = nl > pos && buf.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
        line += 1;
        if (end > pos) yield { line, fields: buf.slice(pos, end).split(',') };
        pos = nl + 1;
        continue;
      }
      const parsed = parseQuoted(buf, pos);
      if (!parsed) break; // the record continues in the next chunk
      const start = line + 1;
      line += parsed.lines;
      yield { line: start, fields: parsed.fields };
      pos = parsed.next;
    }
    buf = buf.slice(pos);
  }
  buf += decoder.decode();
  if (buf.length > 0) {
    const text = buf.endsWith('\n') ? buf : `${buf}\n`;
    const parsed = parseQuoted(text, 0);
    if (!parsed) throw new CsvSyntaxError(line + 1, 'unterminated quoted field');
    const start = line + 1;
    if (!(parsed.fields.length === 1 && parsed.fields[0] === '')) yield { line: start, fields: parsed.fields };
  }
}

export class CsvSyntaxError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(`line ${line}: ${message}`);
  }
}

/** Parses one record starting at `pos`; undefined when the buffer ends inside it. */
function parseQuoted(buf: string, pos: number): { fields: string[]; next: number; lines: number } | undefined {
  const fields: string[] = [];
  let field = '';
  let i = pos;
  let lines = 1;
  let quoted = false;
  let atFieldStart = true;
  while (i < buf.length) {
    const c = buf[i]!;
    if (quoted) {
      if (c === '"') {
        if (buf[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        if (i + 1 >= buf.length) return undefined;
        quoted = false;
        i += 1;
        continue;
      }
      if (c === '\n') lines += 1;
      field += c;
      i += 1;
      continue;
    }
    if (c === '"' && atFieldStart) {
      quoted = true;
      atFieldStart = false;
      i += 1;
      continue;
    }
    if (c === ',') {
      fields.push(field);
      field = '';
      atFieldStart = true;
      i += 1;
      continue;
    }
    if (c === '\n' || (c === '\r' && buf[i + 1] === '\n')) {
      fields.push(field);
      return { fields, next: c === '\n' ? i + 1 : i + 2, lines };
    }
    if (c === '\r' && i + 1 >= buf.length) return undefined;
    field += c;
    atFieldStart = false;
    i += 1;
  }
  return undefined;
}
