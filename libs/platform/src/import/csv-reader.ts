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
    const records: CsvRecord[] = [];
    const at = parseRecords(buf, line, (r) => records.push(r));
    yield* records;
    line = at.line;
    buf = buf.slice(at.pos);
  }
  buf += decoder.decode();
  for (const r of parseLast(buf, line)) yield r;
}

/**
 * Parses the complete records of `text` (which starts on a record boundary, after `line` physical
 * lines) and returns where the first incomplete one starts: the reader keeps that part for the
 * next chunk. Empty lines are skipped but counted.
 */
export function parseRecords(text: string, line: number, emit: (record: CsvRecord) => void): { pos: number; line: number } {
  let pos = 0;
  // The next quote at or after pos (-1: none in the text); found once, not once per line.
  let quote = text.indexOf('"');
  for (;;) {
    const nl = text.indexOf('\n', pos);
    if (nl < 0) break;
    if (quote >= 0 && quote < pos) quote = text.indexOf('"', pos);
    if (quote < 0 || quote > nl) {
      // Fast path: a whole record on one line, no quotes.
      const end = nl > pos && text.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
      line += 1;
      if (end > pos) emit({ line, fields: text.slice(pos, end).split(',') });
      pos = nl + 1;
      continue;
    }
    const parsed = parseQuoted(text, pos);
    if (!parsed) break; // the record continues in the next chunk
    emit({ line: line + 1, fields: parsed.fields });
    line += parsed.lines;
    pos = parsed.next;
  }
  return { pos, line };
}

/** The rest of a file after its last chunk: one record without its line break, or an unterminated quote. */
function parseLast(rest: string, line: number): CsvRecord[] {
  if (rest.length === 0) return [];
  const text = rest.endsWith('\n') ? rest : `${rest}\n`;
  const parsed = parseQuoted(text, 0);
  if (!parsed) throw new CsvSyntaxError(line + 1, 'unterminated quoted field');
  return parsed.fields.length === 1 && parsed.fields[0] === '' ? [] : [{ line: line + 1, fields: parsed.fields }];
}

/**
 * Parses a whole piece of a file that ends on a record boundary (or at the end of the file), as a
 * worker thread does with what `CsvChunker` cut: every record, or a `CsvSyntaxError` naming the
 * line of an unterminated quote.
 */
export function parseCsvPiece(text: string, line: number, emit: (record: CsvRecord) => void): void {
  const at = parseRecords(text, line, emit);
  for (const r of parseLast(text.slice(at.pos), at.line)) emit(r);
}

/**
 * Cuts a CSV byte stream into pieces that end on record boundaries (a line break outside quotes,
 * judged exactly as the parser does), so that worker threads can parse them apart. Each piece
 * comes with the physical line it starts after.
 */
export class CsvChunker {
  private pending: Buffer[] = [];
  private size = 0;

  /** `lines`: the physical lines before the first byte pushed (the header's). */
  constructor(
    private lines = 0,
    private readonly target = 1 << 18,
  ) {}

  /** Adds bytes; returns the pieces complete so far (each about `target` bytes or more). */
  push(chunk: Buffer): { bytes: Buffer; line: number }[] {
    this.pending.push(chunk);
    this.size += chunk.length;
    if (this.size < this.target) return [];
    const buf = this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending, this.size);
    const end = recordEnd(buf, 'last');
    if (end === 0) {
      this.pending = [buf];
      return []; // one record longer than the target: wait for its end
    }
    const piece = { bytes: buf.subarray(0, end), line: this.lines };
    this.lines += countLineBreaks(piece.bytes);
    this.pending = end < buf.length ? [buf.subarray(end)] : [];
    this.size = buf.length - end;
    return [piece];
  }

  /** What is left at the end of the input (the last record may lack its line break). */
  end(): { bytes: Buffer; line: number } | undefined {
    if (this.size === 0) return undefined;
    const piece = { bytes: Buffer.concat(this.pending, this.size), line: this.lines };
    this.pending = [];
    this.size = 0;
    return piece;
  }
}

const QUOTE = 0x22;
const COMMA = 0x2c;
const LF = 0x0a;

/**
 * The offset after the first or the last line break of `buf` that ends a record (0: none), with
 * the parser's quote rules; `buf` starts on a record boundary.
 */
export function recordEnd(buf: Buffer, which: 'first' | 'last'): number {
  if (buf.indexOf(QUOTE) < 0) return (which === 'first' ? buf.indexOf(LF) : buf.lastIndexOf(LF)) + 1;
  let end = 0;
  let quoted = false;
  let atFieldStart = true;
  for (let i = 0; i < buf.length; i++) {
    const c = buf[i]!;
    if (quoted) {
      if (c === QUOTE) {
        if (buf[i + 1] === QUOTE) i += 1;
        else quoted = false;
      }
      continue;
    }
    if (c === QUOTE && atFieldStart) {
      quoted = true;
      atFieldStart = false;
    } else if (c === COMMA || c === LF) {
      atFieldStart = true;
      if (c === LF) {
        end = i + 1;
        if (which === 'first') break;
      }
    } else atFieldStart = false;
  }
  return end;
}

export function countLineBreaks(buf: Buffer): number {
  let n = 0;
  for (let i = buf.indexOf(LF); i >= 0; i = buf.indexOf(LF, i + 1)) n += 1;
  return n;
}

export class CsvSyntaxError extends Error {
  constructor(
    readonly line: number,
    readonly detail: string,
  ) {
    super(`line ${line}: ${detail}`);
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
