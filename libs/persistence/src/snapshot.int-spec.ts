import pg from 'pg';
import { provideDatabase, type TestDatabase } from '@gm/testing';
import { RawSql } from './bulk';

/** RawSql.snapshot against a real PostgreSQL: two reads agree although a write commits between them. */
describe('RawSql.snapshot', () => {
  let db: TestDatabase;
  let sql: RawSql;
  let other: pg.Client;

  beforeAll(async () => {
    db = await provideDatabase();
    sql = new RawSql(db.url);
    other = new pg.Client({ connectionString: db.url });
    await other.connect();
    await other.query('CREATE TABLE items (id int PRIMARY KEY, parent int NOT NULL)');
    await other.query('INSERT INTO items VALUES (1, 7)');
  });
  afterAll(async () => {
    await other?.end();
    await sql?.close();
    await db?.drop();
  });

  const count = async (c: Pick<pg.PoolClient, 'query'>) => Number((await c.query<{ n: string }>('SELECT count(*) AS n FROM items WHERE parent = 7')).rows[0]!.n);

  it('sees what was committed when it began, not what commits during it', async () => {
    const [first, second] = await sql.snapshot(async (client) => {
      const a = await count(client);
      await other.query('INSERT INTO items VALUES (2, 7)'); // committed by another session meanwhile
      return [a, await count(client)];
    });
    expect([first, second]).toEqual([1, 1]);
    // A plain transaction (read committed) sees it at once, and so does the next snapshot.
    expect(await sql.transaction(count)).toBe(2);
    expect(await sql.snapshot(count)).toBe(2);
  });

  it('is read only', async () => {
    await expect(sql.snapshot((client) => client.query('INSERT INTO items VALUES (3, 7)'))).rejects.toThrow(/read-only transaction/);
    expect(await count(other)).toBe(2);
  });
});
