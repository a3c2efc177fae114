import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { MikroORM } from '@mikro-orm/postgresql';
import { aReport, startInfra, startService, type TestInfra, type TestService } from '@gm/testing';
import { configSchema, type AppConfig } from '../config/config';
import { AppModule } from '../app.module';
import { CaseRepository } from './case.repository';

const GRID = '350206001001-07';
const CHILD = '350206001001-08';
const CONSUMER = 'repository-test';

/** The statements a batch of federation copies or workflow actions runs, against real PostgreSQL. */
describe('CaseRepository: one statement for a batch (real PostgreSQL/PostGIS)', () => {
  let infra: TestInfra;
  let svc: TestService<AppConfig>;
  let db: pg.Client;
  let repo: CaseRepository;
  let orm: MikroORM;
  let token: string;

  beforeAll(async () => {
    infra = await startInfra();
    svc = await startService({ configSchema, module: (c, l) => AppModule.forRoot(c, l) }, infra.env({ CASE_DEADLINE_SCAN_MS: '0' }));
    repo = svc.app.get(CaseRepository);
    orm = svc.app.get(MikroORM);
    token = await infra.oidc.tokenFor('community');
    db = new pg.Client({ connectionString: infra.db.url });
    await db.connect();
  });

  afterAll(async () => {
    await db?.end();
    await svc?.close();
    await infra?.close();
  });

  const report = async () => {
    const res = await fetch(`${svc.url}/api/v1/cases`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(aReport({ gridCode: GRID })),
    });
    expect(res.status).toBe(201);
    return ((await res.json()) as { caseId: string }).caseId;
  };
  const act = async (id: string, action: string) => {
    const res = await fetch(`${svc.url}/api/v1/cases/${id}/actions/${action}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(res.status).toBe(200);
  };
  const escalation = (sourceCaseId: string) => ({ event: { id: randomUUID(), type: 'gm.uplink.case-escalated.v1' }, source: { tier: CHILD, caseId: sourceCaseId } });

  it('admitReports finds the reports sent before and numbers only the new ones, in the order given, with one statement', async () => {
    const id = await report();
    const existing = (await db.query<{ s: string; k: string }>(`SELECT reporter_subject AS s, idempotency_key AS k FROM public_sentiment.cases WHERE id = $1`, [id])).rows[0]!;
    const [a, b] = [randomUUID(), randomUUID()];
    const admitted = await orm.em.fork().transactional((tx) =>
      repo.admitReports(tx, [
        { subject: existing.s, key: a },
        { subject: existing.s, key: existing.k },
        { subject: existing.s, key: b },
      ]),
    );
    expect(admitted.map((x) => x.earlier)).toEqual([false, true, false]);
    expect(admitted[1]!.sequence).toBeNull();
    const [first, third] = [admitted[0]!.sequence!, admitted[2]!.sequence!];
    expect(third).toBe(first + 1);
    // Nothing drawn for the one sent before: the next number follows the last one given.
    const next = await orm.em.fork().transactional((tx) => repo.admitReports(tx, [{ subject: existing.s, key: randomUUID() }]));
    expect(next).toEqual([{ earlier: false, sequence: third + 1 }]);
    expect(await orm.em.fork().transactional((tx) => repo.admitReports(tx, []))).toEqual([]);
  });

  it('admitCopies claims each new event once, finds existing copies, and numbers only the copies to make', async () => {
    // A copy this tier already holds of the child's case `held`.
    const held = randomUUID();
    const copyId = await report();
    await db.query(`UPDATE public_sentiment.cases SET source_tier = $1, source_case_id = $2 WHERE id = $3`, [CHILD, held, copyId]);
    const applied = escalation(randomUUID());
    await orm.em.fork().transactional((tx) => repo.admitCopies(tx, CONSUMER, [applied]));

    const fresh = escalation(randomUUID());
    const again = escalation(held);
    const items = [fresh, { ...fresh }, again, applied, escalation(randomUUID())];
    const admitted = await orm.em.fork().transactional((tx) => repo.admitCopies(tx, CONSUMER, items));

    expect(admitted.map((a) => a.claimed)).toEqual([true, false, true, false, true]);
    expect(admitted.map((a) => a.existingId)).toEqual([null, null, copyId, null, null]);
    expect(admitted.map((a) => a.sequence === null)).toEqual([false, true, true, true, false]);
    expect(admitted[0]!.sequence).not.toBe(admitted[4]!.sequence);
    const inbox = await db.query<{ event_id: string }>(`SELECT event_id FROM public_sentiment.inbox WHERE consumer = $1`, [CONSUMER]);
    expect(inbox.rows.map((r) => r.event_id).sort()).toEqual([applied, fresh, again, items[4]!].map((i) => i.event.id).sort());
    expect(await orm.em.fork().transactional((tx) => repo.admitCopies(tx, CONSUMER, []))).toEqual([]);
  });

  it("storedTimelines reads several cases' timelines in one statement, each in its order", async () => {
    const [a, b] = [await report(), await report()];
    await act(a, 'accept');
    await act(a, 'register');
    await act(b, 'accept');
    const none = randomUUID();
    const timelines = await orm.em.fork().transactional((tx) => repo.storedTimelines(tx, [a, b, none]));
    expect(timelines.get(a)!.map((e) => e.action)).toEqual(['report', 'accept', 'register']);
    expect(timelines.get(b)!.map((e) => e.action)).toEqual(['report', 'accept']);
    expect(timelines.get(none)).toEqual([]);
    expect(timelines.get(a)![1]!.at).toBeInstanceOf(Date);
  });

  it('storedTimelines keeps the stored order where the ids gain a digit (999 before 1000, not as text)', async () => {
    const { rows } = await db.query<{ m: string }>(`SELECT coalesce(max(id), 0)::text AS m FROM public_sentiment.case_transitions`);
    const next = 10 ** (rows[0]!.m.length + 1);
    await db.query(`SELECT setval(pg_get_serial_sequence('public_sentiment.case_transitions', 'id'), $1)`, [next - 2]);
    const id = await report();
    await act(id, 'accept');
    await act(id, 'register');
    const timeline = (await orm.em.fork().transactional((tx) => repo.storedTimelines(tx, [id]))).get(id)!;
    expect(timeline.map((e) => `${e.action}#${e.id}`)).toEqual([`report#${next - 1}`, `accept#${next}`, `register#${next + 1}`]);
  });

  it('refuses array elements it cannot pass as a literal (never builds a malformed array)', async () => {
    await expect(orm.em.fork().transactional((tx) => repo.storedTimelines(tx, ['a,b']))).rejects.toThrow('not a plain array element');
    await expect(orm.em.fork().transactional((tx) => repo.storedTimelines(tx, ['NULL']))).rejects.toThrow('not a plain array element');
  });
});
