import { createCipheriv, createHmac, randomBytes } from 'node:crypto';
import { PiiCipher } from './pii-cipher';

const k = () => randomBytes(32).toString('base64');

describe('PiiCipher', () => {
  const hashKey = k();
  const v1 = `1:${k()}`;
  const v2 = `2:${k()}`;
  const id = '350299199001011232';
  const phone = '14000138000';

  it('seals and opens identifiers; the box holds neither in clear', () => {
    const c = new PiiCipher([v1], hashKey);
    const box = c.seal({ idNumber: id, phone });
    expect(box.toString('latin1')).not.toContain(id);
    expect(box.toString('latin1')).not.toContain(phone);
    expect(c.open(box)).toEqual({ idNumber: id, phone });
    expect(c.open(c.seal({ idNumber: id }))).toEqual({ idNumber: id });
  });

  it('seals a name in a box of its own kind: it opens as a name, never as identifiers, and holds no clear text', () => {
    const c = new PiiCipher([v1], hashKey);
    const box = c.sealName('测试姓名');
    expect(box.toString('utf8')).not.toContain('测试');
    expect(c.openName(box)).toBe('测试姓名');
    expect(() => c.open(box)).toThrow();
    expect(() => c.openName(c.seal({ idNumber: id }))).toThrow();
  });

  it('uses a fresh IV each time', () => {
    const c = new PiiCipher([v1], hashKey);
    expect(c.seal({ idNumber: id }).equals(c.seal({ idNumber: id }))).toBe(false);
  });

  it('detects tampering', () => {
    const c = new PiiCipher([v1], hashKey);
    const box = c.seal({ idNumber: id });
    box[box.length - 1]! ^= 1;
    expect(() => c.open(box)).toThrow();
  });

  it('rotates: the current key seals, retired keys still open, a missing key is named', () => {
    const old = new PiiCipher([v1], hashKey);
    const box1 = old.seal({ idNumber: id });
    const rotated = new PiiCipher([v2, v1], hashKey);
    expect(rotated.currentKeyId).toBe(2);
    expect(rotated.open(box1)).toEqual({ idNumber: id });
    expect(rotated.keyIdOf(rotated.seal({ idNumber: id }))).toBe(2);
    expect(() => new PiiCipher([v2], hashKey).open(box1)).toThrow('PII key 1 is not configured');
  });

  it('hashes with HMAC-SHA256, separated by kind', () => {
    const c = new PiiCipher([v1], hashKey);
    const expected = createHmac('sha256', Buffer.from(hashKey, 'base64')).update(`id:${id}`).digest();
    expect(c.hash('id', id).equals(expected)).toBe(true);
    expect(c.hash('id', '14000138000').equals(c.hash('phone', '14000138000'))).toBe(false);
    expect(new PiiCipher([v1], k()).hash('id', id).equals(expected)).toBe(false);
  });

  it('hashes as HMAC-SHA256 whatever the length, and each result is its own buffer', () => {
    const c = new PiiCipher([v1], hashKey);
    const hmac = (text: string) => createHmac('sha256', Buffer.from(hashKey, 'base64')).update(text).digest();
    for (const value of ['', '1', '电话13800138000', 'x'.repeat(188), 'x'.repeat(189), '号'.repeat(100)]) {
      expect(c.hash('phone', value).equals(hmac(`phone:${value}`))).toBe(true);
    }
    const a = c.hash('id', '1');
    const b = c.hash('id', '2');
    expect(a.equals(hmac('id:1'))).toBe(true);
    expect(a.equals(b)).toBe(false);
  });

  describe('box formats (ADR 0018)', () => {
    /** A box as sealed before format 2: AES-256-GCM, format 1 · key id · IV 12 · tag 16 · ciphertext. */
    const formatOneBox = (keySpec: string, plain: string, aad: string): Buffer => {
      const [id, b64] = keySpec.split(':');
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', Buffer.from(b64!, 'base64'), iv);
      cipher.setAAD(Buffer.from(aad));
      const body = Buffer.concat([cipher.update(Buffer.from(plain, 'utf8')), cipher.final()]);
      const head = Buffer.alloc(3);
      head.writeUInt8(1, 0);
      head.writeUInt16BE(Number(id), 1);
      return Buffer.concat([head, iv, cipher.getAuthTag(), body]);
    };

    it('seals in format 2: XChaCha20-Poly1305 with a 24-byte nonce, the tag before the ciphertext', () => {
      const c = new PiiCipher([v1], hashKey);
      const box = c.seal({ idNumber: id, phone });
      expect(box.readUInt8(0)).toBe(2);
      expect(box.readUInt16BE(1)).toBe(1);
      expect(box.length).toBe(3 + 24 + 16 + Buffer.byteLength(`${id}\u001f${phone}`));
      expect(c.isCurrentFormat(box)).toBe(true);
    });

    it('still opens format-1 boxes (AES-256-GCM) with the same keys, of every kind', () => {
      const c = new PiiCipher([v2, v1], hashKey);
      const old = formatOneBox(v1, `${id}\u001f${phone}`, 'gm:base-data:pii:v1');
      expect(c.isCurrentFormat(old)).toBe(false);
      expect(c.open(old)).toEqual({ idNumber: id, phone });
      expect(c.openName(formatOneBox(v1, '测试姓名', 'gm:base-data:name:v1'))).toBe('测试姓名');
      // A format-1 box of one kind still never opens as another.
      expect(() => c.open(formatOneBox(v1, '测试姓名', 'gm:base-data:name:v1'))).toThrow();
      // Re-encryption's step: opened, sealed again, now format 2 under the current key.
      const again = c.seal(c.open(old));
      expect({ format: again.readUInt8(0), key: c.keyIdOf(again) }).toEqual({ format: 2, key: 2 });
    });

    it('seals format 1 (AES-256-GCM) when told to, for a federation not yet upgraded; both open either', () => {
      const old = new PiiCipher([v1], hashKey, 1);
      const box = old.seal({ idNumber: id, phone });
      expect(box.readUInt8(0)).toBe(1);
      expect(box.length).toBe(31 + Buffer.byteLength(`${id}\u001f${phone}`));
      expect(old.isCurrentFormat(box)).toBe(true);
      const current = new PiiCipher([v1], hashKey);
      expect(current.open(box)).toEqual({ idNumber: id, phone });
      expect(current.isCurrentFormat(box)).toBe(false);
      expect(old.open(current.seal({ phone }))).toEqual({ phone });
    });

    it('refuses a format-2 box whose tag, nonce or key id was changed', () => {
      const c = new PiiCipher([v2, v1], hashKey);
      for (const at of [3, 3 + 24, 3 + 24 + 15]) {
        const box = c.seal({ idNumber: id });
        box[at]! ^= 1;
        expect(() => c.open(box)).toThrow();
      }
      const box = c.seal({ idNumber: id });
      box.writeUInt16BE(1, 1);
      expect(() => c.open(box)).toThrow();
      expect(() => c.open(Buffer.from([9, 0, 1]))).toThrow('unknown PII box format');
    });
  });
});
