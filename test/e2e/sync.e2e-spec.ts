import { randomUUID } from 'node:crypto';
import { casePageSchema, caseViewSchema, syncResultSchema, type SyncItem } from '@gm/contracts';
import { subjectOf } from '@gm/auth';
import { aFix, aReport, expectShape, startInfra, startService, type TestInfra } from '@gm/testing';
import * as publicSentiment from '../../apps/public-sentiment/src/app.module';
import * as psConfig from '../../apps/public-sentiment/src/config/config';
import { eventually, sql, startSlice, type Slice } from './support';

describe("a handheld's offline queue synced: POST /api/v1/sync at mobile-gateway (real PostgreSQL/PostGIS, NATS JetStream, OIDC; public-sentiment behind it)", () => {
  let infra: TestInfra;
  let slice: Slice;
  let worker: string;

  beforeAll(async () => {
    infra = await startInfra();
    slice = await startSlice(infra);
    worker = await infra.oidc.tokenFor('gw-07');
  });

  afterAll(async () => {
    await slice?.close();
    await infra?.close();
  });

  const sync = async (items: SyncItem[], token = worker, language = 'en') => {
    const res = await fetch(`${slice.gw.url}/api/v1/sync`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'accept-language': language },
      body: JSON.stringify({ items }),
    });
    return { status: res.status, body: (await res.json()) as unknown };
  };
  const fix = aFix;
  /** A report as the device queues it: its clientId is the item's. */
  const report = (overrides: Parameters<typeof aReport>[0] = {}) => {
    const { clientId: _made, ...body } = aReport(overrides);
    return body;
  };
  const casesOf = async (clientIds: string[]) =>
    (await sql<{ n: number }>(infra, 'SELECT count(*)::int AS n FROM public_sentiment.cases WHERE idempotency_key = ANY($1)', [clientIds]))[0]!.n;
  const positionBatches = async () => (await sql<{ n: number }>(infra, `SELECT count(*)::int AS n FROM mobile_gateway.outbox WHERE type = 'gm.worker.positions-reported.v1'`))[0]!.n;

  it('answers each item on its own: the good ones are stored, another grid is 403, a bad body and bad fixes are 400 naming the field; the rest of the batch is not held back', async () => {
    const ids = Array.from({ length: 6 }, () => randomUUID());
    const before = await positionBatches();
    const { status, body } = await sync([
      { clientId: ids[0]!, type: 'report', body: report({ description: '井盖缺失 (manhole cover missing) #1' }) },
      { clientId: ids[1]!, type: 'report', body: report({ gridCode: '350206001001-08', description: '别的网格 (another grid)' }) },
      { clientId: ids[2]!, type: 'positions', body: { fixes: [fix(3), fix(2)] } },
      { clientId: ids[3]!, type: 'positions', body: { fixes: [fix(2), fix(-30)] } },
      { clientId: ids[4]!, type: 'positions', body: { fixes: [fix(1, { latitude: 91 })] } },
      { clientId: ids[5]!, type: 'report', body: { ...report(), description: '' } },
    ]);
    expect(status).toBe(200);
    const { items } = expectShape(syncResultSchema, body);
    expect(items.map((i) => [i.clientId, i.status, i.replayed])).toEqual([
      [ids[0], 201, false],
      [ids[1], 403, false],
      [ids[2], 202, false],
      [ids[3], 400, false],
      [ids[4], 400, false],
      [ids[5], 400, false],
    ]);
    expect(items[0]!.result).toMatchObject({ caseId: expect.any(String) });
    expect(items[1]!.error).toMatchObject({ code: 'AUTH.OUT_OF_SCOPE' });
    expect(items[2]!.result).toMatchObject({ accepted: 2 });
    expect(items[3]!.error?.errors).toEqual([{ field: 'fixes.1.at', message: 'is in the future' }]);
    expect(items[4]!.error?.errors).toEqual([expect.objectContaining({ field: 'fixes.0.latitude', message: expect.stringMatching(/between -90 and 90/) })]);
    expect(items[5]!.error?.errors).toEqual([expect.objectContaining({ field: 'description' })]);
    expect(await casesOf(ids)).toBe(1);
    expect((await positionBatches()) - before).toBe(1);
  });

  it('a replayed batch changes nothing and is answered as the first time', async () => {
    const ids = [randomUUID(), randomUUID(), randomUUID()];
    const items: SyncItem[] = [
      { clientId: ids[0]!, type: 'report', body: report({ description: '路灯不亮 (street light out)' }) },
      { clientId: ids[1]!, type: 'positions', body: { fixes: [fix(5), fix(4)] } },
      { clientId: ids[2]!, type: 'report', body: report({ gridCode: '350206001001-08' }) },
    ];
    const first = expectShape(syncResultSchema, (await sync(items)).body).items;
    const casesAfterFirst = await casesOf(ids);
    const batchesAfterFirst = await positionBatches();
    // The answer was lost on the way; the device sends the same batch again, twice, at once.
    const [again, andAgain] = await Promise.all([sync(items), sync(items)]);
    for (const replay of [again, andAgain]) {
      const answers = expectShape(syncResultSchema, replay.body).items;
      expect(answers.map((a) => [a.status, a.replayed])).toEqual([
        [201, true],
        [202, true],
        [403, true],
      ]);
      expect(answers.map((a) => a.result ?? a.error?.code)).toEqual(first.map((a) => a.result ?? a.error?.code));
    }
    expect(casesAfterFirst).toBe(1);
    expect(await casesOf(ids)).toBe(1);
    expect(await positionBatches()).toBe(batchesAfterFirst);
  });

  it('refuses a malformed batch as a whole, naming the field, and a client id used for another kind of item; the gateway stays up', async () => {
    const empty = await sync([]);
    expect(empty.status).toBe(400);
    expect(empty.body).toMatchObject({ code: 'REQUEST.VALIDATION_FAILED', errors: [expect.objectContaining({ field: 'items' })] });
    const badType = await sync([{ clientId: randomUUID(), type: 'selfie' as never, body: {} }]);
    expect(badType.status).toBe(400);
    expect(badType.body).toMatchObject({ errors: [expect.objectContaining({ field: 'items.0.type' })] });

    const id = randomUUID();
    expect(expectShape(syncResultSchema, (await sync([{ clientId: id, type: 'positions', body: { fixes: [fix(1)] } }])).body).items[0]!.status).toBe(202);
    const reused = expectShape(syncResultSchema, (await sync([{ clientId: id, type: 'report', body: report() }], worker, 'zh-CN')).body).items[0]!;
    expect(reused).toMatchObject({ status: 409, error: { code: 'CASE.IDEMPOTENCY_CONFLICT', errors: [{ field: 'clientId' }] } });
    expect(reused.error!.message).toMatch(/[\u4e00-\u9fff]/);
    expect(await casesOf([id])).toBe(0);

    const staff = await sync([{ clientId: randomUUID(), type: 'positions', body: { fixes: [fix(1)] } }], await infra.oidc.tokenFor('community'));
    expect(staff.status).toBe(403);
    expect((await fetch(`${slice.gw.url}/readyz`)).status).toBe(200);
  });

  it("the worker's tasks: a case dispatched to gw-07 is on its list and not on gw-08's; acted on through the sync, once however often it is sent, the workflow's rules holding", async () => {
    const [reported] = expectShape(syncResultSchema, (await sync([{ clientId: randomUUID(), type: 'report', body: report({ description: '路面塌陷 (road surface caved in)' }) }])).body).items;
    const caseId = (reported!.result as { caseId: string }).caseId;
    const community = await infra.oidc.tokenFor('community');
    const act = async (action: string, body: unknown = {}) => {
      const res = await fetch(`${slice.ps.url}/api/v1/cases/${caseId}/actions/${action}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${community}` }, body: JSON.stringify(body) });
      expect({ action, status: res.status }).toEqual({ action, status: 200 });
    };
    await act('accept');
    await act('register');
    await act('dispatch', { assignee: { kind: 'worker', code: subjectOf('gw-07') } });
    const tasks = async (token: string) => {
      const res = await fetch(`${slice.gw.url}/api/v1/tasks`, { headers: { authorization: `Bearer ${token}` } });
      expect(res.status).toBe(200);
      return expectShape(casePageSchema, await res.json()).items.map((c) => c.id);
    };
    expect(await tasks(worker)).toContain(caseId);
    expect(await tasks(await infra.oidc.tokenFor('gw-08'))).not.toContain(caseId);
    // Urged by the community: the task carries it, with its deadline and light.
    await act('urge', { note: '请尽快处置 (please hurry)' });
    const mine = expectShape(casePageSchema, await (await fetch(`${slice.gw.url}/api/v1/tasks`, { headers: { authorization: `Bearer ${worker}` } })).json()).items.find((c) => c.id === caseId)!;
    expect(mine).toMatchObject({ state: 'dispatched', urgeCount: 1, light: expect.stringMatching(/green|yellow|red/), deadlineAt: expect.any(String) });

    const start: SyncItem = { clientId: randomUUID(), type: 'case-action', body: { caseId, action: 'start' } };
    const [started] = expectShape(syncResultSchema, (await sync([start])).body).items;
    expect(started).toMatchObject({ status: 200, replayed: false });
    expect(caseViewSchema.parse(started!.result).state).toBe('in_progress');
    const [again] = expectShape(syncResultSchema, (await sync([start])).body).items;
    expect(again).toMatchObject({ status: 200, replayed: true });
    // Handling needs a note and photos: refused by item, naming what is missing; the case stays in progress.
    const [handled] = expectShape(syncResultSchema, (await sync([{ clientId: randomUUID(), type: 'case-action', body: { caseId, action: 'handle', body: { note: '已设置警示 (warning signs set up)' } } }])).body).items;
    expect(handled).toMatchObject({ status: 400, error: { code: 'REQUEST.VALIDATION_FAILED' } });
    expect(JSON.stringify(handled!.error)).toContain('evidence');
    const transitions = await sql<{ n: number }>(infra, "SELECT count(*)::int AS n FROM public_sentiment.case_transitions WHERE case_id = $1 AND action = 'start'", [caseId]);
    expect(transitions).toEqual([{ n: 1 }]);
    expect(await tasks(worker)).toContain(caseId);
  });

  it('a report queued while the case service is away is answered 202 and not recorded; sent again once it is back, it becomes its case, once', async () => {
    const id = randomUUID();
    const item: SyncItem = { clientId: id, type: 'report', body: report({ description: '消防通道堵塞 (fire lane blocked)' }) };
    await slice.ps.close();
    let ps: Awaited<ReturnType<typeof startService>> | undefined;
    try {
      const queued = expectShape(syncResultSchema, (await sync([item])).body).items[0]!;
      expect(queued).toMatchObject({ status: 202, replayed: false, result: { status: 'queued', clientId: id } });
      expect(await sql(infra, 'SELECT count(*)::int AS n FROM mobile_gateway.sync_items WHERE client_id = $1', [id])).toEqual([{ n: 0 }]);
    } finally {
      ps = await startService({ configSchema: psConfig.configSchema, module: (c, l) => publicSentiment.AppModule.forRoot(c, l) }, infra.env());
    }
    try {
      // The device sends it again until it learns its case (the gateway's own forwarder may have handed it over already); either way the answer is its one case.
      const stored = await eventually('the queued report to become its case', async () => {
        const answer = expectShape(syncResultSchema, (await sync([item])).body).items[0]!;
        return answer.status === 201 ? answer : undefined;
      });
      expect(stored).toMatchObject({ status: 201, result: { caseId: expect.any(String) } });
      const again = expectShape(syncResultSchema, (await sync([item])).body).items[0]!;
      expect(again).toMatchObject({ status: 201, replayed: true, result: stored.result });
      expect(await casesOf([id])).toBe(1);
    } finally {
      await ps.close();
    }
  });

});
