/**
 * Rows in PostgreSQL's `COPY` formats, text and binary. Kept apart from the connection code (no
 * `pg` here) so that import worker threads load only this.
 *
 * The binary format carries each value as its length and its bytes: nothing to escape and nothing
 * for the server to parse (no hex for `bytea`, no text for numbers and dates).
 */

/** The column types a binary COPY row can carry; each must be the staging table's exact type. */
export type CopyColumnType = 'int4' | 'float8' | 'bool' | 'text' | 'bytea' | 'uuid' | 'date' | 'text[]';

/** A value for one column: `null`/`undefined` is SQL NULL. */
export type CopyCell = string | number | boolean | Uint8Array | readonly string[] | null | undefined;

/** `PGCOPY\n\377\r\n\0`, then flags (0) and the header extension's length (0). */
export const BINARY_COPY_HEADER: Buffer = Buffer.concat([Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1'), Buffer.alloc(8)]);
/** The field count −1 that ends the data. */
export const BINARY_COPY_TRAILER: Buffer = Buffer.from([0xff, 0xff]);

const TEXT_OID = 25;
/** PostgreSQL's dates count days from 2000-01-01 (day 10,957 of the Unix epoch). */
const PG_EPOCH_DAYS = 10_957;
/** Value of each hex digit's character code; -1 for any other character. */
const HEX = new Int8Array(128).fill(-1);
for (let i = 0; i < 16; i++) HEX['0123456789abcdef'.charCodeAt(i)] = HEX['0123456789ABCDEF'.charCodeAt(i)] = i;

/** Appends rows to a growing buffer; `take()` hands over what was written (for a worker: a transferable buffer of its own). */
export class BinaryCopyRows {
  private buf: Buffer;
  private at = 0;

  constructor(
    private readonly types: readonly CopyColumnType[],
    private readonly initialBytes = 1 << 16,
  ) {
    this.buf = Buffer.allocUnsafe(initialBytes);
  }

  /** Bytes written since the last `take()`. */
  get length(): number {
    return this.at;
  }

  add(values: readonly CopyCell[]): void {
    const types = this.types;
    if (values.length !== types.length) throw new Error(`binary COPY row: ${values.length} values for ${types.length} columns`);
    this.room(2);
    this.at = this.buf.writeInt16BE(types.length, this.at);
    for (let i = 0; i < types.length; i++) this.cell(types[i]!, values[i], i);
  }

  /** A staging row: its line number first (the writer's first type must be `int4`), then the values. */
  addNumbered(line: number, values: readonly CopyCell[]): void {
    const types = this.types;
    if (values.length + 1 !== types.length || types[0] !== 'int4') throw new Error(`binary COPY row: a line and ${values.length} values for ${types.join(', ')}`);
    this.room(10);
    this.at = this.buf.writeInt16BE(types.length, this.at);
    this.at = this.buf.writeInt32BE(4, this.at);
    this.at = this.buf.writeInt32BE(line, this.at);
    for (let i = 1; i < types.length; i++) this.cell(types[i]!, values[i - 1], i);
  }

  /** What was written since the last call, in a buffer that owns its memory; the writer starts empty. */
  take(): Buffer {
    const out = Buffer.from(new ArrayBuffer(this.at));
    this.buf.copy(out, 0, 0, this.at);
    this.at = 0;
    if (this.buf.length > this.initialBytes * 16) this.buf = Buffer.allocUnsafe(this.initialBytes);
    return out;
  }

  private cell(type: CopyColumnType, v: CopyCell, column: number): void {
    if (v === null || v === undefined) {
      this.room(4);
      this.at = this.buf.writeInt32BE(-1, this.at);
      return;
    }
    switch (type) {
      case 'text':
        return this.text(String(v));
      case 'int4':
        this.room(8);
        this.at = this.buf.writeInt32BE(4, this.at);
        this.at = this.buf.writeInt32BE(this.number(v, column), this.at);
        return;
      case 'float8':
        this.room(12);
        this.at = this.buf.writeInt32BE(8, this.at);
        this.at = this.buf.writeDoubleBE(this.number(v, column), this.at);
        return;
      case 'bool':
        if (typeof v !== 'boolean') throw new Error(`binary COPY column ${column}: a boolean is expected`);
        this.room(5);
        this.at = this.buf.writeInt32BE(1, this.at);
        this.buf[this.at++] = v ? 1 : 0;
        return;
      case 'bytea': {
        if (!(v instanceof Uint8Array)) throw new Error(`binary COPY column ${column}: bytes are expected`);
        this.room(4 + v.length);
        this.at = this.buf.writeInt32BE(v.length, this.at);
        this.buf.set(v, this.at);
        this.at += v.length;
        return;
      }
      case 'uuid':
        if (typeof v !== 'string' || !this.uuid(v)) throw new Error(`binary COPY column ${column}: a UUID is expected`);
        return;
      case 'date': {
        const days = typeof v === 'string' ? pgDays(v) : undefined;
        if (days === undefined) throw new Error(`binary COPY column ${column}: a date (YYYY-MM-DD) is expected`);
        this.room(8);
        this.at = this.buf.writeInt32BE(4, this.at);
        this.at = this.buf.writeInt32BE(days, this.at);
        return;
      }
      case 'text[]':
        if (!Array.isArray(v)) throw new Error(`binary COPY column ${column}: an array of texts is expected`);
        return this.textArray(v as readonly string[]);
    }
  }

  private number(v: CopyCell, column: number): number {
    if (typeof v !== 'number' || Number.isNaN(v)) throw new Error(`binary COPY column ${column}: a number is expected`);
    return v;
  }

  /** A text as UTF-8: short ASCII by hand (a call of `Buffer.write` costs more than the copy). */
  private text(s: string): void {
    const n = s.length;
    this.room(4 + n * 3);
    const buf = this.buf;
    const start = this.at + 4;
    let i = 0;
    for (; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) break;
      buf[start + i] = c;
    }
    const bytes = i === n ? n : i + buf.write(s.slice(i), start + i, 'utf8');
    buf.writeInt32BE(bytes, this.at);
    this.at = start + bytes;
  }

  /** 8-4-4-4-12 hex digits as 16 bytes; false when `s` is not a UUID. */
  private uuid(s: string): boolean {
    if (s.length !== 36 || s[8] !== '-' || s[13] !== '-' || s[18] !== '-' || s[23] !== '-') return false;
    this.room(20);
    const buf = this.buf;
    const start = this.at + 4;
    let k = 0;
    for (let i = 0; i < 36; i += 2) {
      if (i === 8 || i === 13 || i === 18 || i === 23) i += 1;
      const hi = HEX[s.charCodeAt(i)] ?? -1;
      const lo = HEX[s.charCodeAt(i + 1)] ?? -1;
      if (hi < 0 || lo < 0) return false;
      buf[start + k++] = (hi << 4) | lo;
    }
    buf.writeInt32BE(16, this.at);
    this.at = start + 16;
    return true;
  }

  /** A one-dimensional text array without NULLs (an empty one has no dimension). */
  private textArray(items: readonly string[]): void {
    const start = this.at;
    this.room(24);
    this.at += 4; // length, written last
    this.at = this.buf.writeInt32BE(items.length > 0 ? 1 : 0, this.at);
    this.at = this.buf.writeInt32BE(0, this.at);
    this.at = this.buf.writeInt32BE(TEXT_OID, this.at);
    if (items.length > 0) {
      this.at = this.buf.writeInt32BE(items.length, this.at);
      this.at = this.buf.writeInt32BE(1, this.at);
    }
    for (const item of items) this.text(item);
    this.buf.writeInt32BE(this.at - start - 4, start);
  }

  private room(bytes: number): void {
    if (this.at + bytes <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.at + bytes));
    this.buf.copy(next, 0, 0, this.at);
    this.buf = next;
  }
}

/** Days from 2000-01-01 of a `YYYY-MM-DD` date (undefined for anything else, or a day that does not exist). */
function pgDays(s: string): number | undefined {
  if (s.length !== 10 || s[4] !== '-' || s[7] !== '-') return undefined;
  const y = digits(s, 0, 4);
  const m = digits(s, 5, 7);
  const d = digits(s, 8, 10);
  if (y < 0 || m < 1 || m > 12 || d < 1 || d > daysInMonth(y, m)) return undefined;
  return daysFromCivil(y, m, d) - PG_EPOCH_DAYS;
}

const daysInMonth = (y: number, m: number) => (m === 2 ? (y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0) ? 29 : 28) : [4, 6, 9, 11].includes(m) ? 30 : 31);

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil), without a Date object per row. */
function daysFromCivil(year: number, m: number, d: number): number {
  const y = m <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m > 2 ? m - 3 : m + 9) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

function digits(s: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    n = n * 10 + c;
  }
  return n;
}

const COPY_ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };
const escapeCopy = (s: string) => (/[\\\t\n\r]/.test(s) ? s.replace(/[\\\t\n\r]/g, (c) => COPY_ESCAPES[c]!) : s);

/**
 * A value in PostgreSQL's COPY text format (tab-separated): \N for null, control characters
 * escaped; bytes as `bytea` hex, an array of texts as an array literal.
 */
export function copyValue(value: CopyCell): string {
  if (value === null || value === undefined) return '\\N';
  if (value instanceof Uint8Array) return `\\\\x${Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('hex')}`;
  if (Array.isArray(value)) return escapeCopy(`{${(value as readonly string[]).map((v) => `"${v.replace(/["\\]/g, '\\$&')}"`).join(',')}}`);
  return escapeCopy(String(value));
}

export function copyLine(values: readonly CopyCell[]): string {
  return `${values.map(copyValue).join('\t')}\n`;
}
