import { createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';

/** RFC 4180 field: quoted when it holds a comma, a quote or a line break. */
export function csvField(value: string | number | boolean | null | undefined): string {
  if (value === null || value === undefined) return '';
  const s = String(value);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Buffered CSV file writer that respects back-pressure. */
export class CsvWriter {
  private readonly stream: WriteStream;
  private buffer: string[] = [];
  rows = 0;

  constructor(path: string, header: readonly string[]) {
    this.stream = createWriteStream(path, { encoding: 'utf8' });
    this.buffer.push(`${header.join(',')}\n`);
  }

  async row(values: readonly (string | number | boolean | null | undefined)[]): Promise<void> {
    this.buffer.push(`${values.map(csvField).join(',')}\n`);
    this.rows += 1;
    if (this.buffer.length >= 4096) await this.flush();
  }

  private async flush(): Promise<void> {
    if (this.buffer.length === 0) return;
    const ok = this.stream.write(this.buffer.join(''));
    this.buffer = [];
    if (!ok) await once(this.stream, 'drain');
  }

  async close(): Promise<void> {
    await this.flush();
    this.stream.end();
    await once(this.stream, 'finish');
  }
}
