import { randomUUID } from 'node:crypto';
import { casePageSchema, dutyViewSchema, errorBodySchema, handoverPageSchema, handoverViewSchema, syncResultSchema, type SyncItem } from '@gm/contracts';
import { subjectOf } from '@gm/auth';
import { aReport, expectShape, startInfra, startService, type TestInfra, type TestService } from '@gm/testing';
import type { ServiceConfig } from '@gm/platform';
import * as systemAdmin from '../../apps/system-admin/src/app.module';
import * as saConfig from '../../apps/system-admin/src/config/config';
import { sql, startSlice, type Slice } from './support';

const COMMUNITY = '350206001001';

/**
 * A/B posts (AB岗) at a tier's mobile-gateway with public-sentiment and system-admin's roster
 * behind it: going off duty hands the grid over to the A/B partner, whose task list then holds the
 * worker's tasks and who may act on them; a third worker sees none of it; a leave is scheduled by
 * staff; every hand-over is recorded and listed for the console.
 */
describe('A/B posts: a worker off duty or on leave is covered by the A/B partner (real PostgreSQL, NATS JetStream, OIDC)', () => {
  let infra: TestInfra;
  let slice: Slice;
  let sa: TestService<ServiceConfig>;
  const tokens: Record<string, string> = {};

  beforeAll(async () => {
    infra = await startInfra();
    [slice, sa] = await Promise.all([startSlice(infra), startService({ configSchema: saConfig.configSchema, module: (c, l) => systemAdmin.AppModule.forRoot(c as saConfig.AppConfig, l), streamedContentTypes: ['text/csv'] }, infra.env())]);
    for (const u of ['gw-07', 'gw-08', 'gw-other', 'gl-07', 'community', 'admin']) tokens[u] = await infra.oidc.tokenFor(u);
    const post = async (path: string, body: string) => {
      const res = await fetch(`${sa.url}${path}`, { method: 'POST', headers: { 'content-type': 'text/csv', authorization: `Bearer ${tokens['admin']}` }, body });
      expect({ path, status: res.status }).toEqual({ path, status: 200 });
    };
    await post(
      '/api/v1/org-units/import',
      ['code,name,level,parent_code', '350206,思明区,district,', '350206001,街道,street,350206', `${COMMUNITY},社区,community,350206001`, `${COMMUNITY}-07,七格,grid,${COMMUNITY}`, `${COMMUNITY}-08,八格,grid,${COMMUNITY}`, '350206001002,邻社区,community,350206001', '350206001002-01,一格,grid,350206001002'].join('\n'),
    );
    await post(
      '/api/v1/staff/import',
      ['unit_code,username,display_name,post,employment,ab_partner', `${COMMUNITY}-07,gw-07,演示甲,grid-worker,full-time,gw-08`, `${COMMUNITY}-08,gw-08,演示乙,grid-worker,full-time,gw-07`, '350206001002-01,gw-other,演示丙,grid-worker,full-time,'].join('\n'),
    );
  });

  afterAll(async () => {
    await Promise.allSettled([slice?.close(), sa?.close()]);
    await infra?.close();
  });

  const call = async (user: string, method: string, path: string, body?: unknown) => {
    const res = await fetch(`${slice.gw.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${tokens[user]}`, 'accept-language': 'en', ...(body !== undefined && { 'content-type': 'application/json' }) },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    return { status: res.status, body: (await res.json()) as unknown };
  };
  const tasks = async (user: string) => expectShape(casePageSchema, (await call(user, 'GET', '/api/v1/tasks')).body).items.map((c) => c.id);
  const sync = async (user: string, items: SyncItem[]) => expectShape(syncResultSchema, (await call(user, 'POST', '/api/v1/sync', { items })).body).items;

  /** A case of grid -07 dispatched to gw-07. */
  async function dispatchedToA(): Promise<string> {
    const { clientId: _c, ...body } = aReport({ description: 'A/B 岗测试 (A/B post test)' });
    const [reported] = await sync('gw-07', [{ clientId: randomUUID(), type: 'report', body }]);
    const caseId = (reported!.result as { caseId: string }).caseId;
    for (const [action, b] of [['accept', {}], ['register', {}], ['dispatch', { assignee: { kind: 'worker', code: subjectOf('gw-07') } }]] as const) {
      const res = await fetch(`${slice.ps.url}/api/v1/cases/${caseId}/actions/${action}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${tokens['community']}` }, body: JSON.stringify(b) });
      expect({ action, status: res.status }).toEqual({ action, status: 200 });
    }
    return caseId;
  }

  it("off duty: A's task is on B's list (not on a third worker's), B acts on it, the hand-over is recorded; back on duty, it is A's alone again", async () => {
    const caseId = await dispatchedToA();
    expect(await tasks('gw-07')).toContain(caseId);
    expect(await tasks('gw-08')).not.toContain(caseId);
    const start: SyncItem = { clientId: randomUUID(), type: 'case-action', body: { caseId, action: 'start' } };
    // Before the hand-over, B may not act on A's case (it does not exist for B), nor report in A's grid.
    expect((await sync('gw-08', [start]))[0]).toMatchObject({ status: 404 });
    const inAsGrid = () => {
      const { clientId: _c, ...body } = aReport({ gridCode: `${COMMUNITY}-07`, description: '代岗上报 (reported while covering)' });
      return { clientId: randomUUID(), type: 'report' as const, body };
    };
    expect((await sync('gw-08', [inAsGrid()]))[0]).toMatchObject({ status: 403, error: { code: 'AUTH.OUT_OF_SCOPE' } });

    const off = await call('gw-07', 'PUT', '/api/v1/duty', { onDuty: false });
    expect(off.status).toBe(200);
    const duty = expectShape(dutyViewSchema, off.body);
    expect(duty).toMatchObject({ onDuty: false, coveredBy: { worker: 'gw-07', coveredBy: 'gw-08', gridCode: `${COMMUNITY}-07`, reason: 'off-duty', active: true, recordedBy: 'gw-07' } });
    expect(expectShape(dutyViewSchema, (await call('gw-08', 'GET', '/api/v1/duty')).body).covering.map((h) => h.worker)).toEqual(['gw-07']);

    expect(await tasks('gw-08')).toContain(caseId);
    expect(await tasks('gw-other')).not.toContain(caseId);
    // While covering, B reports in A's grid too.
    expect((await sync('gw-08', [inAsGrid()]))[0]).toMatchObject({ status: 201, result: { gridCode: `${COMMUNITY}-07` } });
    const started = await sync('gw-08', [{ ...start, clientId: randomUUID() }]);
    expect(started[0]).toMatchObject({ status: 200, result: { state: 'in_progress' } });
    const [actor] = await sql<{ actor_subject: string }>(infra, "SELECT actor_subject FROM public_sentiment.case_transitions WHERE case_id = $1 AND action = 'start'", [caseId]);
    expect(actor!.actor_subject).toBe(subjectOf('gw-08'));
    // The third worker (another community) cannot act on it, covering or not.
    expect((await sync('gw-other', [{ clientId: randomUUID(), type: 'case-action', body: { caseId, action: 'handle', body: { note: 'x' } } }]))[0]).toMatchObject({ status: 404 });

    // The console's list: who covers whom in the community.
    const listed = expectShape(handoverPageSchema, (await call('community', 'GET', '/api/v1/handovers?active=true')).body).items;
    expect(listed.map((h) => [h.worker, h.coveredBy, h.active])).toEqual([['gw-07', 'gw-08', true]]);

    const on = expectShape(dutyViewSchema, (await call('gw-07', 'PUT', '/api/v1/duty', { onDuty: true })).body);
    expect(on).toMatchObject({ onDuty: true, coveredBy: null });
    expect(await tasks('gw-08')).not.toContain(caseId);
    expect(await tasks('gw-07')).toContain(caseId);
    const history = expectShape(handoverPageSchema, (await call('community', 'GET', '/api/v1/handovers')).body).items;
    expect(history[0]).toMatchObject({ worker: 'gw-07', active: false, endedAt: expect.any(String) });
  });

  it('a leave scheduled by the grid leader: B covers A from its start until its end; bad input is refused naming the field', async () => {
    const from = new Date(Date.now() - 60_000).toISOString();
    const until = new Date(Date.now() + 3_600_000).toISOString();
    const made = await call('gl-07', 'POST', '/api/v1/handovers', { worker: 'gw-07', from, until, note: '病假 (sick leave)' });
    expect(made.status).toBe(201);
    const leave = expectShape(handoverViewSchema, made.body);
    expect(leave).toMatchObject({ worker: 'gw-07', coveredBy: 'gw-08', reason: 'leave', active: true, recordedBy: 'gl-07' });
    const caseId = await dispatchedToA();
    expect(await tasks('gw-08')).toContain(caseId);

    for (const [body, field] of [
      [{ worker: 'gw-07', from: until, until: from }, 'until'],
      [{ worker: 'nobody', from, until }, 'worker'],
      [{ worker: 'gw-07', from, until, coveredBy: 'gw-other' }, 'coveredBy'],
      [{ worker: 'gw-07', from, until, coveredBy: 'gw-07' }, 'coveredBy'],
    ] as const) {
      const res = await call('community', 'POST', '/api/v1/handovers', body);
      expect({ body, status: res.status }).toEqual({ body, status: 400 });
      expect(expectShape(errorBodySchema, res.body).errors?.map((e) => e.field)).toContain(field);
    }
    // A worker outside the caller's unit: the grid leader of -07 cannot put -08's worker on leave.
    expect((await call('gl-07', 'POST', '/api/v1/handovers', { worker: 'gw-08', from, until })).status).toBe(403);

    const ended = await call('gl-07', 'POST', `/api/v1/handovers/${leave.id}/end`);
    expect(ended.status).toBe(200);
    expect(expectShape(handoverViewSchema, ended.body)).toMatchObject({ active: false, endedAt: expect.any(String) });
    expect(await tasks('gw-08')).not.toContain(caseId);
    expect((await call('gl-07', 'POST', `/api/v1/handovers/${leave.id}/end`)).status).toBe(409);
  });

  it('a worker with no A/B partner cannot go off duty (409 naming why), and stays on duty', async () => {
    const res = await call('gw-other', 'PUT', '/api/v1/duty', { onDuty: false });
    expect(res.status).toBe(409);
    expect(expectShape(errorBodySchema, res.body).code).toBe('HANDOVER.NO_PARTNER');
    expect(expectShape(dutyViewSchema, (await call('gw-other', 'GET', '/api/v1/duty')).body).onDuty).toBe(true);
  });
});
