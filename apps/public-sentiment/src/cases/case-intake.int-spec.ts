import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { caseViewSchema, deskReportResultSchema, errorBodySchema } from '@gm/contracts';
import { aReport, expectShape, startInfra, startService, type TestInfra, type TestService } from '@gm/testing';
import { configSchema, type AppConfig } from '../config/config';
import { AppModule } from '../app.module';

describe('public-sentiment desk intake (real PostgreSQL/PostGIS, NATS, OIDC)', () => {
  let infra: TestInfra;
  let svc: TestService<AppConfig>;
  let token: string;

  beforeAll(async () => {
    infra = await startInfra();
    svc = await startService({ configSchema, module: (c, l) => AppModule.forRoot(c, l) }, infra.env());
    token = await infra.oidc.tokenFor('community');
  });
  afterAll(async () => {
    await svc?.close();
    await infra?.close();
  });

  const post = (body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${svc.url}/api/v1/cases`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, ...headers },
      body: JSON.stringify(body),
    });

  it('stores a case with a PostGIS point and its outbox event in one transaction', async () => {
    const res = await post(aReport({ gridCode: '350206001001-07' }));
    expect(res.status).toBe(201);
    const body = expectShape(deskReportResultSchema, await res.json());
    expect(body.state).toBe('reported');
    expect(body.caseNo).toMatch(/^350206-\d{8}-\d{6}$/);

    const c = new pg.Client({ connectionString: infra.db.url });
    await c.connect();
    try {
      const row = await c.query(
        `SELECT ST_SRID(location) AS srid, ST_X(location) AS lng, ST_Y(location) AS lat FROM public_sentiment.cases WHERE id = $1`,
        [body.caseId],
      );
      expect(row.rows[0]).toEqual({ srid: 4326, lng: 118.1456, lat: 24.5123 });
      const outbox = await c.query(`SELECT type, payload->'data'->>'caseId' AS case_id FROM public_sentiment.outbox`);
      expect(outbox.rows).toEqual([{ type: 'gm.case.reported.v1', case_id: body.caseId }]);
    } finally {
      await c.end();
    }
  });

  it('answers a replay with the first answer and a changed body under the same key with 409', async () => {
    const key = randomUUID();
    const first = await post(aReport({ gridCode: '350206001001-07', clientId: key }));
    const again = await post(aReport({ gridCode: '350206001001-07', clientId: key }));
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(await again.json()).toEqual(await first.json());

    const changed = await post(aReport({ gridCode: '350206001001-07', clientId: key, description: 'something else' }));
    expect(changed.status).toBe(409);
    expect(expectShape(errorBodySchema, await changed.json()).code).toBe('CASE.IDEMPOTENCY_CONFLICT');
  });

  it('reads a case back within scope and hides it outside', async () => {
    const created = (await (await post(aReport({ gridCode: '350206001001-07' }))).json()) as { caseId: string };
    const mine = await fetch(`${svc.url}/api/v1/cases/${created.caseId}`, { headers: { authorization: `Bearer ${token}` } });
    expect(mine.status).toBe(200);
    expect(expectShape(caseViewSchema, await mine.json()).id).toBe(created.caseId);
    const other = await infra.oidc.tokenFor('community-other');
    const theirs = await fetch(`${svc.url}/api/v1/cases/${created.caseId}`, { headers: { authorization: `Bearer ${other}` } });
    expect(theirs.status).toBe(404);
  });

  it('stores reports sent at once together (fewer transactions than reports), each numbered once; one sent again within them is a replay', async () => {
    const key = randomUUID();
    const first = await post(aReport({ gridCode: '350206001001-07', clientId: key }));
    expect(first.status).toBe(201);
    const firstBody = (await first.json()) as { caseId: string };
    // 40 new reports and, among them, the first one sent again (a handheld that did not hear the answer).
    const sent = [
      ...Array.from({ length: 20 }, (_, i) => aReport({ gridCode: '350206001001-07', clientId: randomUUID(), description: `井盖缺失 #${i} (manhole cover missing)` })),
      aReport({ gridCode: '350206001001-07', clientId: key }),
      ...Array.from({ length: 20 }, (_, i) => aReport({ gridCode: '350206001001-07', clientId: randomUUID(), description: `井盖缺失 #${20 + i} (manhole cover missing)` })),
    ];
    const answers = await Promise.all(sent.map(async (b) => ({ res: await post(b), clientId: b.clientId })));
    expect(answers.map((a) => a.res.status)).toEqual(sent.map(() => 201));
    const bodies = await Promise.all(answers.map(async (a) => ({ replayed: a.res.headers.get('idempotent-replayed'), body: (await a.res.json()) as { caseId: string; caseNo: string; clientId: string } })));
    expect(bodies[20]!.replayed).toBe('true');
    expect(bodies[20]!.body.caseId).toBe(firstBody.caseId);
    const created = bodies.filter((_, i) => i !== 20);
    expect(created.every((b) => b.replayed === null)).toBe(true);
    expect(created.map((b) => b.body.clientId)).toEqual(sent.filter((_, i) => i !== 20).map((b) => b.clientId));
    expect(new Set(created.map((b) => b.body.caseNo)).size).toBe(40);

    const c = new pg.Client({ connectionString: infra.db.url });
    await c.connect();
    try {
      const ids = created.map((b) => b.body.caseId);
      const txs = await c.query<{ n: number }>(`SELECT count(DISTINCT xmin::text)::int AS n FROM public_sentiment.cases WHERE id = ANY($1::uuid[])`, [ids]);
      expect(txs.rows[0]!.n).toBeLessThan(40);
      const events = await c.query<{ n: number }>(`SELECT count(*)::int AS n FROM public_sentiment.outbox WHERE type = 'gm.case.reported.v1' AND payload->'data'->>'caseId' = ANY($1::text[])`, [ids]);
      expect(events.rows[0]!.n).toBe(40);
      const once = await c.query<{ n: number }>(`SELECT count(*)::int AS n FROM public_sentiment.cases WHERE idempotency_key = $1`, [key]);
      expect(once.rows[0]!.n).toBe(1);
    } finally {
      await c.end();
    }
  });

  it('stores a report sent five times at once once: one answer is new, the others replay it', async () => {
    const report = aReport({ gridCode: '350206001001-07', clientId: randomUUID() });
    const others = Array.from({ length: 10 }, () => aReport({ gridCode: '350206001001-07', clientId: randomUUID() }));
    const answers = await Promise.all([...Array.from({ length: 5 }, () => report), ...others].map((b) => post(b)));
    expect(answers.map((a) => a.status)).toEqual(answers.map(() => 201));
    const copies = await Promise.all(answers.slice(0, 5).map(async (a) => ({ replayed: a.headers.get('idempotent-replayed'), caseId: ((await a.json()) as { caseId: string }).caseId })));
    expect(copies.filter((c) => c.replayed === 'true')).toHaveLength(4);
    expect(new Set(copies.map((c) => c.caseId)).size).toBe(1);
  });
});
