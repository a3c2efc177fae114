import { ChunkAssembler, ChunkRejected } from './chunk-assembler';

const h = (size: string | undefined, etag = '"e1"', contentType = 'image/jpeg') => ({ size, etag, contentType });
const bytes = (n: number, fill = 1) => new Uint8Array(n).fill(fill);

describe('ChunkAssembler', () => {
  it('puts chunks together in order and keeps the announced type', () => {
    const a = new ChunkAssembler(1000, 4);
    a.add(h('10'), bytes(4, 1));
    expect(a.offset).toBe(4);
    a.add(h('10'), bytes(4, 2));
    expect(a.complete).toBe(false);
    a.add(h('10'), bytes(2, 3));
    expect(a.complete).toBe(true);
    expect(a.chunks).toBe(3);
    const { bytes: all, contentType } = a.result();
    expect([...all]).toEqual([1, 1, 1, 1, 2, 2, 2, 2, 3, 3]);
    expect(contentType).toBe('image/jpeg');
  });

  it('is complete at once for an empty object', () => {
    const a = new ChunkAssembler(1000, 4);
    a.add(h('0'), bytes(0));
    expect(a.complete).toBe(true);
    expect(a.result().bytes.length).toBe(0);
  });

  it.each([
    ['no size', undefined, /no valid size/],
    ['a size that is not a whole number', '1e15', /no valid size/],
    ['a negative size', '-1', /no valid size/],
    ['Infinity', 'Infinity', /no valid size/],
    ['more than this tier accepts', '1001', /more than the 1000 this tier accepts/],
  ])('refuses %s', (_what, size, message) => {
    expect(() => new ChunkAssembler(1000, 4).add(h(size), bytes(1))).toThrow(message);
  });

  it('refuses a chunk longer than a chunk, one running past the end, and an empty one before the end', () => {
    expect(() => new ChunkAssembler(1000, 4).add(h('10'), bytes(5))).toThrow(/more than 4/);
    const past = new ChunkAssembler(1000, 4);
    past.add(h('6'), bytes(4));
    expect(() => past.add(h('6'), bytes(3))).toThrow(/past the end/);
    expect(() => new ChunkAssembler(1000, 4).add(h('6'), bytes(0))).toThrow(ChunkRejected);
  });

  it('refuses a chunk asked for further on than the chunks so far end (one before it came short)', () => {
    const a = new ChunkAssembler(1000, 4);
    a.add(h('12'), bytes(3), 0);
    expect(() => a.add(h('12'), bytes(4), 4)).toThrow(/a chunk for 4 where 3 was due/);
  });

  it('refuses a size or an ETag that changes between chunks (the object was replaced meanwhile)', () => {
    const size = new ChunkAssembler(1000, 4);
    size.add(h('8'), bytes(4));
    expect(() => size.add(h('9'), bytes(4))).toThrow(/changed/);
    const etag = new ChunkAssembler(1000, 4);
    etag.add(h('8', '"e1"'), bytes(4));
    expect(() => etag.add(h('8', '"e2"'), bytes(4))).toThrow(/changed/);
  });

  it('stores a type that is not an attachment type as application/octet-stream', () => {
    const a = new ChunkAssembler(1000, 4);
    a.add(h('1', '"e"', 'text/html'), bytes(1));
    expect(a.result().contentType).toBe('application/octet-stream');
  });

  it('will not give a result before the last chunk', () => {
    const a = new ChunkAssembler(1000, 4);
    a.add(h('8'), bytes(4));
    expect(() => a.result()).toThrow(/incomplete: 4 of 8/);
  });
});
