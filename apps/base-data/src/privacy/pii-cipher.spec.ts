import { createHmac, randomBytes } from 'node:crypto';
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
});
