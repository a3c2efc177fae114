import { provideDatabase, type TestDatabase } from '@gm/testing';
import { RawSql } from './bulk';
import { BinaryCopyRows, copyLine, type CopyCell, type CopyColumnType } from './copy-format';

/** Both COPY formats written here and read back by a real PostgreSQL: what goes in comes out. */
describe('COPY rows, text and binary, into PostgreSQL', () => {
  let db: TestDatabase;
  let sql: RawSql;
  const types: CopyColumnType[] = ['int4', 'float8', 'bool', 'text', 'bytea', 'uuid', 'date', 'text[]'];
  const ddl = 'CREATE TEMP TABLE t (n int, x float8, b boolean, s text, raw bytea, id uuid, d date, tags text[]) ON COMMIT DROP';
  const rows: CopyCell[][] = [
    [1, 2.5, true, 'plain', Buffer.from([0, 1, 0xfe, 0xff]), 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '1984-01-30', ['key', 'vulnerable']],
    [2, -0.125, false, '王小明 \\ tab\there\nnew line', Buffer.alloc(0), 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A12', '2000-02-29', []],
    [3, 0, true, '"quoted", {braced}', Buffer.from('\\x41'), '00000000-0000-0000-0000-000000000000', '1900-03-01', ['with "quote"', 'back\\slash', 'a,b']],
    [4, null, null, null, null, null, null, null],
  ];
  const expected = [
    { n: 1, x: 2.5, b: true, s: 'plain', raw: '0001feff', id: 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', d: '1984-01-30', tags: ['key', 'vulnerable'] },
    { n: 2, x: -0.125, b: false, s: '王小明 \\ tab\there\nnew line', raw: '', id: 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a12', d: '2000-02-29', tags: [] },
    { n: 3, x: 0, b: true, s: '"quoted", {braced}', raw: '5c783431', id: '00000000-0000-0000-0000-000000000000', d: '1900-03-01', tags: ['with "quote"', 'back\\slash', 'a,b'] },
    { n: 4, x: null, b: null, s: null, raw: null, id: null, d: null, tags: null },
  ];
  const readBack = `SELECT n, x, b, s, encode(raw, 'hex') AS raw, id::text, to_char(d, 'YYYY-MM-DD') AS d, tags FROM t ORDER BY n`;

  beforeAll(async () => {
    db = await provideDatabase();
    sql = new RawSql(db.url);
  });
  afterAll(async () => {
    await sql?.close();
    await db?.drop();
  });

  it('binary: every column type, NULLs, and rows across several chunks', async () => {
    const got = await sql.transaction(async (client) => {
      await client.query(ddl);
      const w = new BinaryCopyRows(types);
      const chunks: Buffer[] = [];
      for (const r of rows) {
        w.add(r);
        chunks.push(w.take());
      }
      await sql.copyInBinary(client, 'COPY t FROM STDIN (FORMAT binary)', chunks);
      return (await client.query(readBack)).rows;
    });
    expect(got).toEqual(expected);
  });

  it('binary with line numbers first, as imports stage rows', async () => {
    const got = await sql.transaction(async (client) => {
      await client.query('CREATE TEMP TABLE staged (line int, s text, d date) ON COMMIT DROP');
      const w = new BinaryCopyRows(['int4', 'text', 'date']);
      w.addNumbered(7, ['x', '2024-12-31']);
      w.addNumbered(9, ['y', null]);
      await sql.copyInBinary(client, 'COPY staged FROM STDIN (FORMAT binary)', [w.take()]);
      return (await client.query(`SELECT line, s, to_char(d, 'YYYY-MM-DD') AS d FROM staged ORDER BY line`)).rows;
    });
    expect(got).toEqual([
      { line: 7, s: 'x', d: '2024-12-31' },
      { line: 9, s: 'y', d: null },
    ]);
  });

  it('text: the same values through copyLine', async () => {
    const got = await sql.transaction(async (client) => {
      await client.query(ddl);
      await sql.copyIn(client, 'COPY t FROM STDIN', rows.map(copyLine));
      return (await client.query(readBack)).rows;
    });
    expect(got).toEqual(expected);
  });
});

describe('BinaryCopyRows refuses values that do not fit their column', () => {
  it.each([
    [['uuid'], ['not-a-uuid'], 'column 0: a UUID is expected'],
    [['uuid'], ['a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a1g'], 'column 0: a UUID is expected'],
    [['date'], ['2023-02-29'], 'column 0: a date (YYYY-MM-DD) is expected'],
    [['date'], ['2024-13-01'], 'column 0: a date (YYYY-MM-DD) is expected'],
    [['date'], ['20240101'], 'column 0: a date (YYYY-MM-DD) is expected'],
    [['int4', 'bool'], [1, 'yes'], 'column 1: a boolean is expected'],
    [['int4'], ['1'], 'column 0: a number is expected'],
    [['bytea'], ['\\x00'], 'column 0: bytes are expected'],
    [['text[]'], ['{a}'], 'column 0: an array of texts is expected'],
    [['text', 'text'], ['only one'], '1 values for 2 columns'],
  ] as [CopyColumnType[], CopyCell[], string][])('%j %j', (types, values, message) => {
    expect(() => new BinaryCopyRows(types).add(values)).toThrow(message);
  });
});
