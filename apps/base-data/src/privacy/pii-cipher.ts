import { createCipheriv, createDecipheriv, hash, randomFillSync } from 'node:crypto';
import sodium from 'sodium-native';

export interface PiiValues {
  readonly idNumber?: string | undefined;
  readonly phone?: string | undefined;
}

/** Boxes sealed before ADR 0018: AES-256-GCM, 12-byte IV. Always opened; sealed only with PII_SEAL_FORMAT=1. */
const FORMAT_AES_GCM = 1;
/** XChaCha20-Poly1305 (libsodium), 24-byte nonce: what `seal` writes by default. */
const FORMAT_XCHACHA = 2;
/** The box formats (a box's first byte). */
export type PiiBoxFormat = typeof FORMAT_AES_GCM | typeof FORMAT_XCHACHA;
const AAD = Buffer.from('gm:base-data:pii:v1');
/** Names sealed for the journey between tiers (ADR 0012): boxes of their own kind, never taken for identifier boxes. */
const NAME_AAD = Buffer.from('gm:base-data:name:v1');
const PROPOSAL_AAD = Buffer.from('gm:base-data:proposal:v1');
const SEP = '\u001f';
const AES_HEAD = 31; // format 1 + key id 2 + IV 12 + tag 16
const NONCE = 24;
const TAG = 16;
const HEAD = 3 + NONCE + TAG; // format 1 + key id 2 + nonce 24 + tag 16

/** Nonces drawn from a refilled pool of random bytes: one syscall per 4096 boxes, not one per box. */
class NoncePool {
  private pool = Buffer.alloc(NONCE * 4096);
  private next = this.pool.length;
  take(target: Buffer, offset: number, length = NONCE): void {
    if (this.next + length > this.pool.length) {
      randomFillSync(this.pool);
      this.next = 0;
    }
    this.pool.copy(target, offset, this.next, this.next + length);
    this.next += length;
  }
}

/**
 * Encryption of personal identifiers at rest, and keyed hashes to find them by exact value.
 *
 * - One box per record holds its identifiers (one cipher call per row matters at a million rows):
 *   XChaCha20-Poly1305 from libsodium (ADR 0018; one call of ~1 µs, where Node's AES-256-GCM
 *   spent ~15 µs setting up a cipher context per box). Layout: format 2 (1 byte) · key id (2) ·
 *   nonce (24, random) · tag (16) · ciphertext. Boxes of format 1 (AES-256-GCM: format · key id ·
 *   IV 12 · tag 16 · ciphertext) still open, with the same keys; re-encryption rewrites them.
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
  private readonly nonces = new NoncePool();
  /**
   * SHA-256 states that have absorbed the ipad and the opad block: each hash starts from a copy,
   * so the key's two blocks are not compressed again for every value (two compressions of four).
   */
  private readonly innerStart = Buffer.alloc(sodium.crypto_hash_sha256_STATEBYTES);
  private readonly outerStart = Buffer.alloc(sodium.crypto_hash_sha256_STATEBYTES);
  private readonly state = Buffer.alloc(sodium.crypto_hash_sha256_STATEBYTES);
  /** The message (up to 192 bytes) and the inner digest. */
  private readonly message = Buffer.alloc(192);
  private readonly inner = Buffer.alloc(32);

  /**
   * `sealFormat` 2 (the default) or 1: a federation whose tiers do not all run a version that opens
   * format 2 keeps sealing format 1 until they do (ADR 0018). Both are always opened.
   */
  constructor(
    keys: readonly string[],
    hashKey: string,
    readonly sealFormat: PiiBoxFormat = FORMAT_XCHACHA,
  ) {
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
    sodium.crypto_hash_sha256_init(this.innerStart);
    sodium.crypto_hash_sha256_update(this.innerStart, this.ipad);
    sodium.crypto_hash_sha256_init(this.outerStart);
    sodium.crypto_hash_sha256_update(this.outerStart, this.opad);
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
    if (this.sealFormat === FORMAT_AES_GCM) return this.sealAesGcm(plain, aad, key);
    const box = Buffer.allocUnsafe(HEAD + plain.length);
    box.writeUInt8(FORMAT_XCHACHA, 0);
    box.writeUInt16BE(this.currentKeyId, 1);
    this.nonces.take(box, 3);
    sodium.crypto_aead_xchacha20poly1305_ietf_encrypt_detached(box.subarray(HEAD), box.subarray(3 + NONCE, HEAD), plain, aad, null, box.subarray(3, 3 + NONCE), key);
    return box;
  }

  private sealAesGcm(plain: Buffer, aad: Buffer, key: Buffer): Buffer {
    const box = Buffer.allocUnsafe(AES_HEAD + plain.length);
    box.writeUInt8(FORMAT_AES_GCM, 0);
    box.writeUInt16BE(this.currentKeyId, 1);
    this.nonces.take(box, 3, 12);
    const cipher = createCipheriv('aes-256-gcm', key, box.subarray(3, 15));
    cipher.setAAD(aad);
    cipher.update(plain).copy(box, AES_HEAD);
    cipher.final();
    cipher.getAuthTag().copy(box, 15);
    return box;
  }

  private openWith(box: Buffer, aad: Buffer): string {
    const format = box.readUInt8(0);
    if (format !== FORMAT_XCHACHA && format !== FORMAT_AES_GCM) throw new Error('unknown PII box format');
    const keyId = box.readUInt16BE(1);
    const key = this.keys.get(keyId);
    if (!key) throw new PiiKeyMissing(keyId);
    if (format === FORMAT_AES_GCM) {
      const decipher = createDecipheriv('aes-256-gcm', key, box.subarray(3, 15));
      decipher.setAAD(aad);
      decipher.setAuthTag(box.subarray(15, AES_HEAD));
      return Buffer.concat([decipher.update(box.subarray(AES_HEAD)), decipher.final()]).toString('utf8');
    }
    if (box.length < HEAD) throw new Error('PII box too short');
    const plain = Buffer.allocUnsafe(box.length - HEAD);
    sodium.crypto_aead_xchacha20poly1305_ietf_decrypt_detached(plain, null, box.subarray(HEAD), box.subarray(3 + NONCE, HEAD), aad, box.subarray(3, 3 + NONCE), key);
    return plain.toString('utf8');
  }

  /** Whether the box is of the format `seal` writes now (re-encryption rewrites the others). */
  isCurrentFormat(box: Buffer): boolean {
    return box.readUInt8(0) === this.sealFormat;
  }

  keyIdOf(box: Buffer): number {
    return box.readUInt16BE(1);
  }

  /** HMAC-SHA256(hashKey, kind ":" value), from libsodium's SHA-256 resumed after the pads (no allocation but the result). */
  hash(kind: 'id' | 'phone', normalized: string): Buffer {
    const text = `${kind}:${normalized}`;
    if (Buffer.byteLength(text, 'utf8') > this.message.length) {
      const inner = hash('sha256', Buffer.concat([this.ipad, Buffer.from(text, 'utf8')]), 'buffer');
      return hash('sha256', Buffer.concat([this.opad, inner]), 'buffer');
    }
    const n = this.message.write(text, 0, 'utf8');
    this.innerStart.copy(this.state);
    sodium.crypto_hash_sha256_update(this.state, this.message.subarray(0, n));
    sodium.crypto_hash_sha256_final(this.state, this.inner);
    this.outerStart.copy(this.state);
    sodium.crypto_hash_sha256_update(this.state, this.inner);
    const out = Buffer.allocUnsafe(32);
    sodium.crypto_hash_sha256_final(this.state, out);
    return out;
  }
}

/** A box sealed with a key id this tier is not configured with (a key not yet rolled out here, or one retired too early). */
export class PiiKeyMissing extends Error {
  constructor(readonly keyId: number) {
    super(`PII key ${keyId} is not configured`);
    this.name = 'PiiKeyMissing';
  }
}
