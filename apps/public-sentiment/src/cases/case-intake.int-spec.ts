import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { aReport, startInfra, startService, type TestInfra, type TestService } from '@gm/testing';
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
    const body = (await res.json()) as { caseId: string; caseNo: string; state: string };
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
    expect(((await changed.json()) as { code: string }).code).toBe('CASE.IDEMPOTENCY_CONFLICT');
  });

  it('reads a case back within scope and hides it outside', async () => {
    const created = (await (await post(aReport({ gridCode: '350206001001-07' }))).json()) as { caseId: string };
    const mine = await fetch(`${svc.url}/api/v1/cases/${created.caseId}`, { headers: { authorization: `Bearer ${token}` } });
    expect(mine.status).toBe(200);
    const other = await infra.oidc.tokenFor('community-other');
    const theirs = await fetch(`${svc.url}/api/v1/cases/${created.caseId}`, { headers: { authorization: `Bearer ${other}` } });
    expect(theirs.status).toBe(404);
  });
});
