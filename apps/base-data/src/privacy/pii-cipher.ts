import { createCipheriv, createDecipheriv, hash, randomFillSync } from 'node:crypto';

export interface PiiValues {
  readonly idNumber?: string | undefined;
  readonly phone?: string | undefined;
}

const FORMAT = 1;
const AAD = Buffer.from('gm:base-data:pii:v1');
/** Names sealed for the journey between tiers (ADR 0012): boxes of their own kind, never taken for identifier boxes. */
const NAME_AAD = Buffer.from('gm:base-data:name:v1');
const PROPOSAL_AAD = Buffer.from('gm:base-data:proposal:v1');
const SEP = '\u001f';
const HEAD = 31; // format 1 + key id 2 + IV 12 + tag 16

/** IVs drawn from a refilled pool of random bytes: one syscall per 4096 boxes, not one per box. */
class IvPool {
  private pool = Buffer.alloc(12 * 4096);
  private next = this.pool.length;
  take(target: Buffer, offset: number): void {
    if (this.next === this.pool.length) {
      randomFillSync(this.pool);
      this.next = 0;
    }
    this.pool.copy(target, offset, this.next, this.next + 12);
    this.next += 12;
  }
}

/**
 * Encryption of personal identifiers at rest, and keyed hashes to find them by exact value.
 *
 * - One AES-256-GCM box per record holds its identifiers (one cipher call per row matters at a
 *   million rows). Layout: format (1 byte) · key id (2) · IV (12) · tag (16) · ciphertext.
 * - Keys are versioned: the box names its key, so old boxes open while new ones use the current
 *   key; re-encryption moves rows to the current key.
 * - Hashes are HMAC-SHA256 (RFC 2104) computed from one-shot SHA-256 calls, with a domain label
 *   per kind so that an ID and a phone never share a hash.
 */
export class PiiCipher {
  private readonly keys: ReadonlyMap<number, Buffer>;
  readonly currentKeyId: number;

  /** The key ids this tier can open, current first. */
  get keyIds(): number[] {
    return [this.currentKeyId, ...[...this.keys.keys()].filter((k) => k !== this.currentKeyId)];
  }
  private readonly ipad: Buffer;
  private readonly opad: Buffer;
  private readonly ivs = new IvPool();

  constructor(keys: readonly string[], hashKey: string) {
    const parsed = keys.map((k) => {
      const [id, b64] = k.split(':');
      const key = Buffer.from(b64 ?? '', 'base64');
      if (key.length !== 32) throw new Error('PII keys must be 32 bytes');
      return [Number(id), key] as const;
    });
    if (parsed.length === 0) throw new Error('at least one PII key is needed');
    this.keys = new Map(parsed);
    this.currentKeyId = parsed[0]![0];
    const hk = Buffer.alloc(64);
    Buffer.from(hashKey, 'base64').copy(hk);
    this.ipad = Buffer.from(hk.map((b) => b ^ 0x36));
    this.opad = Buffer.from(hk.map((b) => b ^ 0x5c));
  }

  seal(values: PiiValues): Buffer {
    // Plain text: ID, unit separator, phone ("" for none). GCM is a stream mode: same length out.
    return this.sealWith(Buffer.from(`${values.idNumber ?? ''}${SEP}${values.phone ?? ''}`, 'utf8'), AAD);
  }

  open(box: Buffer): PiiValues {
    const [i = '', p = ''] = this.openWith(box, AAD).split(SEP);
    return { ...(i !== '' && { idNumber: i }), ...(p !== '' && { phone: p }) };
  }

  /** A name in a box of its own, for a message that crosses to another tier. */
  sealName(name: string): Buffer {
    return this.sealWith(Buffer.from(name, 'utf8'), NAME_AAD);
  }

  openName(box: Buffer): string {
    return this.openWith(box, NAME_AAD);
  }

  /** A change proposal's body as the worker sent it (it may hold a newcomer's ID number, name and phone). */
  sealProposal(body: unknown): Buffer {
    return this.sealWith(Buffer.from(JSON.stringify(body), 'utf8'), PROPOSAL_AAD);
  }

  openProposal(box: Buffer): unknown {
    return JSON.parse(this.openWith(box, PROPOSAL_AAD)) as unknown;
  }

  private sealWith(plain: Buffer, aad: Buffer): Buffer {
    const key = this.keys.get(this.currentKeyId)!;
    const box = Buffer.allocUnsafe(HEAD + plain.length);
    box.writeUInt8(FORMAT, 0);
    box.writeUInt16BE(this.currentKeyId, 1);
    this.ivs.take(box, 3);
    const cipher = createCipheriv('aes-256-gcm', key, box.subarray(3, 15));
    cipher.setAAD(aad);
    cipher.update(plain).copy(box, HEAD);
    cipher.final();
    cipher.getAuthTag().copy(box, 15);
    return box;
  }

  private openWith(box: Buffer, aad: Buffer): string {
    if (box.readUInt8(0) !== FORMAT) throw new Error('unknown PII box format');
    const keyId = box.readUInt16BE(1);
    const key = this.keys.get(keyId);
    if (!key) throw new PiiKeyMissing(keyId);
    const decipher = createDecipheriv('aes-256-gcm', key, box.subarray(3, 15));
    decipher.setAAD(aad);
    decipher.setAuthTag(box.subarray(15, 31));
    return Buffer.concat([decipher.update(box.subarray(HEAD)), decipher.final()]).toString('utf8');
  }

  keyIdOf(box: Buffer): number {
    return box.readUInt16BE(1);
  }

  /** HMAC-SHA256(hashKey, kind ":" value) */
  hash(kind: 'id' | 'phone', normalized: string): Buffer {
    const inner = hash('sha256', Buffer.concat([this.ipad, Buffer.from(`${kind}:${normalized}`, 'utf8')]), 'buffer');
    return hash('sha256', Buffer.concat([this.opad, inner]), 'buffer');
  }
}

/** A box sealed with a key id this tier is not configured with (a key not yet rolled out here, or one retired too early). */
export class PiiKeyMissing extends Error {
  constructor(readonly keyId: number) {
    super(`PII key ${keyId} is not configured`);
    this.name = 'PiiKeyMissing';
  }
}
