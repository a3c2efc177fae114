import { isAttachmentType } from './attachment-types';

/** One chunk's answer as it came over the link: what the headers said and the payload. */
export interface ChunkHeaders {
  readonly size: string | undefined;
  readonly etag: string | undefined;
  readonly contentType: string | undefined;
}

/**
 * Puts an attachment together from the chunks another tier sends, trusting nothing it says: the
 * size must be a whole number no larger than this tier accepts, and stay the same, with the same
 * ETag, from the first chunk to the last; a chunk may be no longer than a chunk and may not run
 * past the end; a type that is not an attachment type is stored as `application/octet-stream`
 * (so a copy is never served as, say, HTML). Memory is bounded by `maxBytes`.
 */
export class ChunkAssembler {
  private readonly parts: Uint8Array[] = [];
  private received = 0;
  private size: number | undefined;
  private etag: string | undefined;
  private contentType = 'application/octet-stream';

  constructor(
    private readonly maxBytes: number,
    private readonly chunkBytes: number,
  ) {}

  /** Where the next chunk starts. */
  get offset(): number {
    return this.received;
  }

  get complete(): boolean {
    return this.size !== undefined && this.received === this.size;
  }

  get chunks(): number {
    return this.parts.length;
  }

  /** The total size, once the first chunk has told it. */
  get total(): number | undefined {
    return this.size;
  }

  /**
   * Takes the chunk that was asked for at `askedAt`, which must be where the chunks so far end;
   * throws a `ChunkRejected` saying what is wrong with it.
   */
  add(h: ChunkHeaders, bytes: Uint8Array, askedAt: number = this.received): void {
    if (askedAt !== this.received) throw new ChunkRejected(`a chunk for ${askedAt} where ${this.received} was due (a short chunk before it)`);
    const size = h.size !== undefined && /^\d{1,15}$/.test(h.size) ? Number(h.size) : undefined;
    if (size === undefined) throw new ChunkRejected(`no valid size (${JSON.stringify(h.size ?? null)})`);
    if (size > this.maxBytes) throw new ChunkRejected(`${size} bytes, more than the ${this.maxBytes} this tier accepts`);
    if (this.size === undefined) {
      this.size = size;
      this.etag = h.etag;
      if (h.contentType && isAttachmentType(h.contentType)) this.contentType = h.contentType;
    } else if (size !== this.size || h.etag !== this.etag) {
      throw new ChunkRejected('the attachment changed while it was being read');
    }
    if (bytes.length > this.chunkBytes) throw new ChunkRejected(`a chunk of ${bytes.length} bytes, more than ${this.chunkBytes}`);
    if (this.received + bytes.length > size) throw new ChunkRejected(`a chunk running past the end (${this.received} + ${bytes.length} > ${size})`);
    if (bytes.length === 0 && this.received < size) throw new ChunkRejected(`an empty chunk at ${this.received} of ${size}`);
    this.parts.push(bytes);
    this.received += bytes.length;
  }

  result(): { bytes: Buffer; contentType: string } {
    if (!this.complete) throw new Error(`incomplete: ${this.received} of ${this.size ?? '?'} bytes`);
    return { bytes: Buffer.concat(this.parts), contentType: this.contentType };
  }
}

export class ChunkRejected extends Error {
  override readonly name = 'ChunkRejected';
}
