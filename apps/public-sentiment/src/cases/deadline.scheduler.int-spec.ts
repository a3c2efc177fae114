import pg from 'pg';
import { aReport, startInfra, startService, type TestInfra, type TestService } from '@gm/testing';
import { configSchema, type AppConfig } from '../config/config';
import { AppModule } from '../app.module';

const GRID = '350206001001-07';
const CASES = 20;

describe('public-sentiment: the deadline scheduler with two instances on one database (real PostgreSQL, NATS)', () => {
  let infra: TestInfra;
  let a: TestService<AppConfig>;
  let b: TestService<AppConfig>;
  let db: pg.Client;
  let token: string;

  beforeAll(async () => {
    infra = await startInfra();
    // Two replicas of one tier's public-sentiment, both scanning every 50 ms.
    const env = infra.env({ CASE_DEADLINE_SCAN_MS: '50' });
    a = await startService({ configSchema, module: (c, l) => AppModule.forRoot(c, l) }, env);
    b = await startService({ configSchema, module: (c, l) => AppModule.forRoot(c, l) }, env);
    token = await infra.oidc.tokenFor('community');
    db = new pg.Client({ connectionString: infra.db.url });
    await db.connect();
  });

  afterAll(async () => {
    await db?.end();
    await Promise.allSettled([a?.close(), b?.close()]);
    await infra?.close();
  });

  const report = async (svc: TestService<AppConfig>, categoryCode = 'SJ0101') => {
    const res = await fetch(`${svc.url}/api/v1/cases`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify(aReport({ gridCode: GRID, categoryCode })),
    });
    expect(res.status).toBe(201);
    return ((await res.json()) as { caseId: string }).caseId;
  };
  const countOf = async (type: string, ids: string[]) =>
    (
      await db.query<{ subject: string; n: number }>(
        `SELECT payload->>'subject' AS subject, count(*)::int AS n FROM public_sentiment.outbox WHERE type = $1 AND payload->>'subject' = ANY($2) GROUP BY 1`,
        [type, ids],
      )
    ).rows;
  const waitFor = async (check: () => Promise<boolean>, ms = 15_000) => {
    const until = Date.now() + ms;
    while (!(await check())) {
      if (Date.now() > until) throw new Error('timed out waiting');
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  it('raises exactly one overdue event per case and step, however many scans of both instances see it', async () => {
    const ids: string[] = [];
    for (let i = 0; i < CASES; i++) ids.push(await report(i % 2 ? a : b));
    expect(await countOf('gm.case.overdue.v1', ids)).toEqual([]);
    // Their accept deadline passes (as if two hours had gone by).
    await db.query(`UPDATE public_sentiment.cases SET yellow_at = now() - interval '2 hours', deadline_at = now() - interval '1 hour' WHERE id = ANY($1)`, [ids]);
    await waitFor(async () => (await countOf('gm.case.overdue.v1', ids)).length === CASES);
    // Let both instances scan many more times.
    await new Promise((r) => setTimeout(r, 1_000));
    const counts = await countOf('gm.case.overdue.v1', ids);
    expect(counts).toHaveLength(CASES);
    expect(counts.every((c) => c.n === 1)).toBe(true);
    const marked = await db.query(`SELECT count(*)::int AS n FROM public_sentiment.cases WHERE id = ANY($1) AND overdue_step_seq = step_seq`, [ids]);
    expect(marked.rows[0].n).toBe(CASES);
  });

  it('a new step gets its own overdue event; past the escalation threshold the case is marked for the parent tier once', async () => {
    const id = await report(a);
    await db.query(`UPDATE public_sentiment.cases SET deadline_at = now() - interval '1 minute', yellow_at = now() - interval '2 minutes' WHERE id = $1`, [id]);
    await waitFor(async () => (await countOf('gm.case.overdue.v1', [id])).length === 1);
    // Accepting starts the next step; its deadline passes too, then the escalation threshold.
    const res = await fetch(`${a.url}/api/v1/cases/${id}/actions/accept`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: '{}' });
    expect(res.status).toBe(200);
    await db.query(
      `UPDATE public_sentiment.cases SET deadline_at = now() - interval '2 days', yellow_at = now() - interval '3 days', escalate_at = now() - interval '1 day' WHERE id = $1`,
      [id],
    );
    await waitFor(async () => (await countOf('gm.case.escalation-due.v1', [id])).length === 1);
    await new Promise((r) => setTimeout(r, 500));
    expect(await countOf('gm.case.overdue.v1', [id])).toEqual([{ subject: id, n: 2 }]);
    expect(await countOf('gm.case.escalation-due.v1', [id])).toEqual([{ subject: id, n: 1 }]);
    const list = await fetch(`${b.url}/api/v1/cases?escalationDue=true`, { headers: { authorization: `Bearer ${token}` } });
    expect(((await list.json()) as { items: { id: string }[] }).items.map((i) => i.id)).toEqual([id]);
  });
});
