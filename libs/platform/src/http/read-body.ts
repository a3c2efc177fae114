import type { Readable } from 'node:stream';
import { DomainError } from '@gm/contracts';

/** Reads a streamed request body (see `streamedContentTypes`) as UTF-8, refusing more than `maxBytes`. */
export async function readBodyText(body: unknown, maxBytes: number): Promise<string> {
  if (typeof body === 'string') return body;
  if (!body || typeof (body as Readable)[Symbol.asyncIterator] !== 'function') {
    throw new DomainError('REQUEST.MALFORMED_BODY', 'expected a request body');
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body as Readable) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    size += buf.length;
    if (size > maxBytes) {
      (body as Readable).destroy();
      throw new DomainError('REQUEST.BODY_TOO_LARGE', `the body exceeds ${maxBytes} bytes`);
    }
    chunks.push(buf);
  }
  return Buffer.concat(chunks).toString('utf8');
}
