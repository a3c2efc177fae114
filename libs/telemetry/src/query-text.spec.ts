import { withoutLiterals } from './query-text';

describe('withoutLiterals', () => {
  it("replaces the values MikroORM writes into its statements, keeping identifiers and placeholders", () => {
    const sql = `insert into "public_sentiment"."cases" ("id", "description", "urge_count") values ('5b0c…', '联系人电话 14000138000，身份证 350299199001011232', 0) returning "version"`;
    expect(withoutLiterals(sql)).toBe(`insert into "public_sentiment"."cases" ("id", "description", "urge_count") values (?, ?, ?) returning "version"`);
    expect(withoutLiterals('SELECT pg_advisory_lock($1) FROM t WHERE a = $2::uuid')).toBe('SELECT pg_advisory_lock($1) FROM t WHERE a = $2::uuid');
  });

  it("reads doubled quotes, E'…' escapes, dollar quoting and numbers as parts of one literal", () => {
    expect(withoutLiterals(`select 'it''s 138', E'a\\'b', $$x 'y'$$, $tag$z$tag$, 3.5e2, -7 from trx1`)).toBe('select ?, E?, ?, ?, ?, -? from trx1');
    // A backslash ends nothing in a standard string.
    expect(withoutLiterals(`select 'C:\\' as p, 'x'`)).toBe('select ? as p, ?');
  });

  it('keeps comments and quoted identifiers with digits, and cuts text whose literal does not end', () => {
    expect(withoutLiterals(`select "col 1" /* traceparent='00-1' */ from t -- 42\nwhere x = 1`)).toBe(`select "col 1" /* traceparent='00-1' */ from t -- 42\nwhere x = ?`);
    expect(withoutLiterals(`update t set note = 'unterminated 14000138000`)).toBe('update t set note = ?');
  });
});
