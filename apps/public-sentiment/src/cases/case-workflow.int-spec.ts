import { randomUUID } from 'node:crypto';
import pg from 'pg';
import {
  Rpc,
  caseDuplicatesSchema,
  casePageSchema,
  caseStatsSchema,
  caseTimelineSchema,
  caseViewSchema,
  deskReportResultSchema,
  errorBodySchema,
  namespace,
} from '@gm/contracts';
import { RpcClient } from '@gm/messaging';
import { startTelemetry, type Telemetry } from '@gm/telemetry';
import { TEST_TIER, aReport, expectShape, startInfra, startService, type TestInfra, type TestService } from '@gm/testing';
import { configSchema, type AppConfig } from '../config/config';
import { AppModule } from '../app.module';
import type { CaseView } from './case-view';

const GRID = '350206001001-07';

type Json = Record<string, unknown>;

describe('public-sentiment: the case workflow (real PostgreSQL/PostGIS, NATS JetStream, OIDC)', () => {
  let infra: TestInfra;
  let svc: TestService<AppConfig>;
  let db: pg.Client;
  let rpc: RpcClient;
  const tokens: Record<string, string> = {};

  beforeAll(async () => {
    infra = await startInfra();
    // The scheduler is driven by hand here (scan()), except in the two-instance test.
    svc = await startService({ configSchema, module: (c, l) => AppModule.forRoot(c, l) }, infra.env({ CASE_DEADLINE_SCAN_MS: '0' }));
    for (const user of ['gw-07', 'gw-other', 'community', 'community-other', 'street', 'district', 'department', 'department-water', 'auditor']) {
      tokens[user] = await infra.oidc.tokenFor(user);
    }
    db = new pg.Client({ connectionString: infra.db.url });
    await db.connect();
    rpc = new RpcClient({ servers: [infra.nats.url], namespace: namespace(infra.nats.namespace), tier: TEST_TIER, service: 'mobile-gateway' });
  });

  afterAll(async () => {
    await rpc?.onApplicationShutdown();
    await db?.end();
    await svc?.close();
    await infra?.close();
  });

  const call = async (user: string, method: string, path: string, body?: unknown) => {
    const res = await fetch(`${svc.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${tokens[user]}`, ...(body !== undefined && { 'content-type': 'application/json' }) },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, body: (text && res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text) as Json & CaseView, text };
  };
  const act = (user: string, id: string, action: string, body: Json = {}) => call(user, 'POST', `/api/v1/cases/${id}/actions/${action}`, body);
  const expectOk = async (p: Promise<{ status: number; body: CaseView; text: string }>, state?: string) => {
    const r = await p;
    if (r.status !== 200) throw new Error(`expected 200, got ${r.status}: ${r.text}`);
    const view = expectShape(caseViewSchema, r.body);
    if (state) expect(view.state).toBe(state);
    return view;
  };
  /** A case reported at the community's desk (the `community` user is its reporter). */
  const deskCase = async (overrides: Json = {}) => {
    const res = await call('community', 'POST', '/api/v1/cases', aReport({ gridCode: GRID, ...overrides }));
    expect(res.status).toBe(201);
    return expectShape(deskReportResultSchema, res.body);
  };
  const events = async (caseId: string) =>
    (await db.query<{ type: string; data: Json }>(`SELECT type, payload->'data' AS data FROM public_sentiment.outbox WHERE payload->>'subject' = $1 ORDER BY seq`, [caseId])).rows;
  const row = async (caseId: string) => (await db.query(`SELECT * FROM public_sentiment.cases WHERE id = $1`, [caseId])).rows[0] as Json;

  /** Takes a new case from reported to dispatched. */
  const toDispatched = async (id: string) => {
    await expectOk(act('community', id, 'accept'), 'accepted');
    await expectOk(act('community', id, 'register'), 'registered');
    return expectOk(act('community', id, 'dispatch', { assignee: { kind: 'department', code: 'urban-management' } }), 'dispatched');
  };

  it('takes a case through every step to closed and rated, keeping the first responder and the timeline', async () => {
    const { caseId } = await deskCase();
    const reported = await expectOk(call('community', 'GET', `/api/v1/cases/${caseId}`), 'reported');
    expect(reported.step).toBe('accept');
    expect(reported.light).toBe('green');
    expect(reported.availableActions).toEqual(expect.arrayContaining(['accept', 'reject']));

    await toDispatched(caseId);
    await expectOk(act('department', caseId, 'start'), 'in_progress');
    await expectOk(act('department', caseId, 'handle', { note: '已清运完毕', evidence: ['cases/demo/after-1.jpg'] }), 'handled');
    await expectOk(act('gw-07', caseId, 'verify', { location: { latitude: 24.5123, longitude: 118.1456 } }), 'verified');
    const closed = await expectOk(act('street', caseId, 'close'), 'closed');
    expect(closed.closedAt).not.toBeNull();
    expect(closed.step).toBeNull();
    expect(closed.light).toBeNull();
    const rated = await expectOk(act('community', caseId, 'rate', { rating: 5, comment: '处理及时' }), 'closed');
    expect(rated.rating).toBe(5);
    // The one who accepted stays the accountable owner, whoever handled the case.
    const communitySubject = (await row(caseId))['reporter_subject'];
    expect(rated.owner).toBe(communitySubject);

    const timeline = await call('community', 'GET', `/api/v1/cases/${caseId}/timeline`);
    const { entries } = expectShape(caseTimelineSchema, timeline.body);
    expect(entries.map((e) => `${e.action}:${e.to}`)).toEqual([
      'report:reported',
      'accept:accepted',
      'register:registered',
      'dispatch:dispatched',
      'start:in_progress',
      'handle:handled',
      'verify:verified',
      'close:closed',
      'rate:closed',
    ]);
    expect(entries[5]?.attachments).toEqual(['cases/demo/after-1.jpg']);
    expect(entries[5]?.actor.role).toBe('department');
    expect(entries[6]?.location).toEqual({ latitude: 24.5123, longitude: 118.1456 });
    expect(entries[8]?.actor.role).toBe('reporter');

    // Every status change is an event for the reporter's notification channel.
    const types = (await events(caseId)).map((e) => e.type);
    expect(types).toEqual([
      'gm.case.reported.v1',
      'gm.case.accepted.v1',
      'gm.case.registered.v1',
      'gm.case.dispatched.v1',
      'gm.case.started.v1',
      'gm.case.handled.v1',
      'gm.case.verified.v1',
      'gm.case.closed.v1',
      'gm.case.rated.v1',
    ]);
    const closedEvent = (await events(caseId)).find((e) => e.type === 'gm.case.closed.v1')!;
    expect(closedEvent.data['reporters']).toEqual([communitySubject]);
  });

  it('refuses what the state, the role or the inputs do not allow, with clear 409/403/400 answers and no change', async () => {
    const { caseId } = await deskCase();
    const early = await act('community', caseId, 'close');
    expect(early.status).toBe(409);
    expect(early.body['code']).toBe('CASE.TRANSITION_FORBIDDEN');
    const byAuditor = await act('auditor', caseId, 'accept');
    expect(byAuditor.status).toBe(403);
    await expectOk(act('community', caseId, 'accept'), 'accepted');
    const noReason = await act('community', caseId, 'reject', {});
    expect(noReason.status).toBe(400);
    expect((noReason.body['errors'] as { field: string }[]).map((e) => e.field)).toEqual(['reason']);
    const unknownField = await act('community', caseId, 'reject', { reason: 'x', phone: '14000138000' });
    expect(unknownField.status).toBe(400);
    const badAction = await act('community', caseId, 'teleport');
    expect(badAction.status).toBe(400);
    expect(((badAction.body['errors'] as { field: string }[])[0])?.field).toBe('action');
    expect((await row(caseId))['state']).toBe('accepted');
  });

  it('returns a handled case and re-dispatches it, counting the rework', async () => {
    const { caseId } = await deskCase();
    await toDispatched(caseId);
    await expectOk(act('department', caseId, 'handle', { note: '已处理', evidence: ['cases/demo/a.jpg'] }), 'handled');
    const returned = await expectOk(act('gw-07', caseId, 'return', { reason: '现场核查仍有垃圾 (still dirty on site)' }), 'returned');
    expect(returned.reworkCount).toBe(1);
    expect(returned.step).toBe('dispatch');
    const again = await expectOk(act('community', caseId, 'dispatch', { assignee: { kind: 'unit', code: GRID } }), 'dispatched');
    expect(again.assignee).toEqual({ kind: 'unit', code: GRID });
    expect(again.reworkCount).toBe(1);
    const returnedEvent = (await events(caseId)).find((e) => e.type === 'gm.case.returned.v1')!;
    expect(returnedEvent.data['reworkCount']).toBe(1);
  });

  it('puts a case on hold (clock paused: no deadline) and resumes it with the deadline moved by the time held', async () => {
    const { caseId } = await deskCase();
    const dispatched = await toDispatched(caseId);
    const before = new Date(dispatched.deadlineAt!);
    const held = await expectOk(act('street', caseId, 'hold', { reason: '需市级资金，纳入挂账 (needs city funding)' }), 'on_hold');
    expect(held.deadlineAt).toBeNull();
    expect(held.light).toBeNull();
    expect(held.onHoldSince).not.toBeNull();
    // Pretend the hold began on a Monday morning two weeks ago (every working minute since then was on hold).
    await db.query(`UPDATE public_sentiment.cases SET held_at = $2 WHERE id = $1`, [caseId, new Date('2026-11-16T08:30:00+08:00')]);
    const resumed = await expectOk(act('street', caseId, 'resume'), 'dispatched');
    const r = await row(caseId);
    // At least the ten working days of the two weeks before this one were on hold (7 working hours each).
    expect(Number(r['step_paused_minutes'])).toBeGreaterThanOrEqual(10 * 7 * 60);
    // The deadline moved later by the held time: at least two calendar weeks past the one before the hold.
    expect(new Date(resumed.deadlineAt!).getTime() - before.getTime()).toBeGreaterThan(14 * 24 * 3_600_000);
    expect(resumed.light).toBe('green');
    const types = (await events(caseId)).map((e) => e.type);
    expect(types.slice(-2)).toEqual(['gm.case.held.v1', 'gm.case.resumed.v1']);
  });

  it("a department user sees and acts on its own department's cases only: another department's is 404 to it and absent from its lists", async () => {
    const { caseId } = await deskCase();
    await toDispatched(caseId); // to urban-management, the department of the demo user `department`
    // The water authority: the case does not exist for it, in a list, a read or an action.
    expect((await act('department-water', caseId, 'start')).status).toBe(404);
    expect((await call('department-water', 'GET', `/api/v1/cases/${caseId}`)).status).toBe(404);
    expect((await call('department-water', 'GET', `/api/v1/cases/${caseId}/timeline`)).status).toBe(404);
    const listed = async (user: string) => expectShape(casePageSchema, (await call(user, 'GET', '/api/v1/cases?limit=200&state=dispatched')).body).items.map((i) => i.id);
    expect(await listed('department-water')).not.toContain(caseId);
    // Its own department acts on it and lists it; every case it lists is its own.
    expect(await listed('department')).toContain(caseId);
    const own = await db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM public_sentiment.cases WHERE id = ANY($1) AND NOT (assignee_kind = 'department' AND assignee_code = 'urban-management')",
      [await listed('department')],
    );
    expect(own.rows[0]!.n).toBe(0);
    await expectOk(act('department', caseId, 'start'), 'in_progress');
    // District staff still reach every case of their subtree.
    expect((await call('district', 'GET', `/api/v1/cases/${caseId}`)).status).toBe(200);
  });

  it('voids a case with a reason; nothing more can happen to it', async () => {
    const { caseId } = await deskCase();
    await expectOk(act('community', caseId, 'void', { reason: '重复录入 (entered twice)' }), 'voided');
    expect((await act('community', caseId, 'accept')).status).toBe(409);
    const entries = (await call('community', 'GET', `/api/v1/cases/${caseId}/timeline`)).body['entries'] as { note: string }[];
    expect(entries[1]?.note).toBe('重复录入 (entered twice)');
  });

  it('suggests nearby open cases of the same category as duplicates; a merged case follows its primary and both reporters hear the outcome', async () => {
    const location = { latitude: 24.5201, longitude: 118.1502 };
    const primary = await deskCase({ location, categoryCode: 'SJ0201' });
    const nearLocation = { latitude: 24.52013, longitude: 118.15022 }; // ~4 m away
    const dupRes = await call('gw-07', 'POST', '/api/v1/cases', aReport({ gridCode: GRID, location: nearLocation, categoryCode: 'SJ0201' }));
    expect(dupRes.status).toBe(403); // grid workers report through the handheld, not the desk
    const dup = await rpc.request(Rpc.reportCase, { report: aReport({ gridCode: GRID, location: nearLocation, categoryCode: 'SJ0201' }), idempotencyKey: randomUUID(), channel: 'handheld' }, { authorization: `Bearer ${tokens['gw-07']}` });
    // The desk intake itself suggests the nearby open case.
    const atDesk = await call('community', 'POST', '/api/v1/cases', aReport({ gridCode: GRID, location: nearLocation, categoryCode: 'SJ0201' }));
    expect((atDesk.body['possibleDuplicates'] as { caseId: string }[]).map((d) => d.caseId)).toEqual(expect.arrayContaining([primary.caseId, dup.caseId]));
    await expectOk(act('community', atDesk.body['caseId'] as string, 'void', { reason: '重复登记 (entered twice)' }), 'voided');
    const farAway = await deskCase({ location: { latitude: 24.53, longitude: 118.16 }, categoryCode: 'SJ0201' });
    const otherCategory = await deskCase({ location: nearLocation, categoryCode: 'SJ0101' });

    const suggestions = await call('community', 'GET', `/api/v1/cases/${dup.caseId}/duplicates`);
    const { items } = expectShape(caseDuplicatesSchema, suggestions.body);
    expect(items.map((i) => i.caseId)).toEqual([primary.caseId]);
    expect(items[0]!.distanceM).toBeGreaterThan(1);
    expect(items[0]!.distanceM).toBeLessThan(10);
    expect(items.map((i) => i.caseId)).not.toContain(farAway.caseId);
    expect(items.map((i) => i.caseId)).not.toContain(otherCategory.caseId);

    const wrong = await act('community', dup.caseId, 'merge', { primaryCaseId: otherCategory.caseId });
    expect(wrong.status).toBe(409);
    expect(expectShape(errorBodySchema, wrong.body).code).toBe('CASE.MERGE_TARGET_INVALID');
    const merged = await expectOk(act('community', dup.caseId, 'merge', { primaryCaseId: primary.caseId }), 'merged');
    expect(merged.primaryCaseId).toBe(primary.caseId);

    await toDispatched(primary.caseId);
    await expectOk(act('department', primary.caseId, 'handle', { note: '已清除', evidence: ['cases/demo/b.jpg'] }), 'handled');
    await expectOk(act('gw-07', primary.caseId, 'verify'), 'verified');
    await expectOk(act('community', primary.caseId, 'close'), 'closed');
    const closedEvent = (await events(primary.caseId)).find((e) => e.type === 'gm.case.closed.v1')!;
    const dupReporter = (await row(dup.caseId))['reporter_subject'];
    const primaryReporter = (await row(primary.caseId))['reporter_subject'];
    expect(new Set(closedEvent.data['reporters'] as string[])).toEqual(new Set([primaryReporter, dupReporter]));
  });

  it('lets the reporter reopen a closed case within the window (rework) and refuses after it', async () => {
    const closeCase = async () => {
      const { caseId } = await deskCase();
      await toDispatched(caseId);
      await expectOk(act('department', caseId, 'handle', { note: 'done', evidence: ['cases/demo/c.jpg'] }), 'handled');
      await expectOk(act('community', caseId, 'verify'), 'verified');
      await expectOk(act('community', caseId, 'close'), 'closed');
      return caseId;
    };
    const recent = await closeCase();
    const notReporter = await act('street', recent, 'reopen', { reason: '仍未解决' });
    expect(notReporter.status).toBe(403);
    const reopened = await expectOk(act('community', recent, 'reopen', { reason: '问题复发 (came back)' }), 'returned');
    expect(reopened.reworkCount).toBe(1);
    expect(reopened.closedAt).toBeNull();

    const old = await closeCase();
    // Closed eight days ago: past the default seven-day window.
    await db.query(`UPDATE public_sentiment.cases SET closed_at = now() - interval '8 days' WHERE id = $1`, [old]);
    const late = await act('community', old, 'reopen', { reason: '问题复发' });
    expect(late.status).toBe(409);
    expect(late.body['code']).toBe('CASE.REOPEN_WINDOW_PASSED');
    expect((await row(old))['state']).toBe('closed');
  });

  it('an emergency skips the queue and notifies the street and the owner department at once', async () => {
    const ordinary = await deskCase();
    const emergency = await deskCase({ categoryCode: 'SJ0403', description: '燃气泄漏，已疏散 (gas leak)' });
    expect(emergency.urgency).toBe('emergency');
    const notice = (await events(emergency.caseId)).find((e) => e.type === 'gm.case.emergency.v1');
    expect(notice?.data['notify']).toEqual({ street: '350206001', department: 'gas' });
    const view = await expectOk(call('community', 'GET', `/api/v1/cases/${emergency.caseId}`));
    expect(view.triage).toBe('emergency');
    // Ten natural minutes to accept an emergency, nights and holidays included.
    expect(new Date(view.deadlineAt!).getTime() - new Date(view.reportedAt).getTime()).toBe(10 * 60_000);
    const queue = await call('community', 'GET', `/api/v1/cases?sort=priority&state=reported&limit=200`);
    const ids = (queue.body['items'] as { id: string }[]).map((i) => i.id);
    expect(ids.indexOf(emergency.caseId)).toBeLessThan(ids.indexOf(ordinary.caseId));
    expect((queue.body['items'] as { urgency: string }[])[0]?.urgency).toBe('emergency');
  });

  it('closes a problem handled on the spot in one step, with photo evidence', async () => {
    const res = await rpc.request(
      Rpc.reportCase,
      { report: aReport({ gridCode: GRID, triage: 'on_the_spot', evidence: ['cases/demo/fixed.jpg'] }), idempotencyKey: randomUUID(), channel: 'handheld' },
      { authorization: `Bearer ${tokens['gw-07']}` },
    );
    expect(res.state).toBe('closed');
    const entries = (await call('community', 'GET', `/api/v1/cases/${res.caseId}/timeline`)).body['entries'] as { action: string; attachments: string[] }[];
    expect(entries.map((e) => e.action)).toEqual(['report', 'self_handle']);
    expect(entries[1]?.attachments).toEqual(['cases/demo/fixed.jpg']);
  });

  it('urges a case and handles an extension request: the deadline moves by the approved minutes', async () => {
    const { caseId } = await deskCase();
    const dispatched = await toDispatched(caseId);
    const urged = await expectOk(act('street', caseId, 'urge', { note: '请今日内处理 (today please)' }));
    expect(urged.urgeCount).toBe(1);
    await expectOk(act('department', caseId, 'request_extension', { reason: '需采购配件', extensionMinutes: 420 }));
    expect((await act('department', caseId, 'approve_extension')).status).toBe(403);
    const approved = await expectOk(act('district', caseId, 'approve_extension'));
    expect(approved.pendingExtensionMinutes).toBeNull();
    // 420 working minutes = one more working day: the deadline moves by at least a day.
    expect(new Date(approved.deadlineAt!).getTime() - new Date(dispatched.deadlineAt!).getTime()).toBeGreaterThanOrEqual(24 * 3_600_000);
    expect((await act('district', caseId, 'deny_extension', { reason: 'x' })).body['code']).toBe('CASE.NO_EXTENSION_REQUEST');
  });

  describe('lists, counts and export', () => {
    it('filters by state, category and light; pages with a cursor without gaps or repeats; counts per state', async () => {
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const res = await call('community', 'GET', `/api/v1/cases?limit=3${cursor ? `&cursor=${cursor}` : ''}`);
        expect(res.status).toBe(200);
        const page = expectShape(casePageSchema, res.body);
        seen.push(...page.items.map((i) => i.id));
        cursor = page.nextCursor;
      } while (cursor);
      const total = Number((await db.query(`SELECT count(*) FROM public_sentiment.cases WHERE grid_code LIKE '350206001001%'`)).rows[0].count);
      expect(seen).toHaveLength(total);
      expect(new Set(seen).size).toBe(total);

      const closed = await call('community', 'GET', '/api/v1/cases?state=closed&limit=200');
      expect((closed.body['items'] as { state: string }[]).every((i) => i.state === 'closed')).toBe(true);
      const stats = expectShape(caseStatsSchema, (await call('community', 'GET', '/api/v1/cases/stats')).body);
      expect(stats.total).toBe(total);
      expect(stats.byState.closed).toBe((closed.body['items'] as unknown[]).length);

      // Make one case overdue: the red filter finds it, the green one does not.
      const { caseId } = await deskCase({ categoryCode: 'SJ0501' });
      await db.query(`UPDATE public_sentiment.cases SET yellow_at = now() - interval '2 hours', deadline_at = now() - interval '1 hour' WHERE id = $1`, [caseId]);
      const red = (await call('community', 'GET', '/api/v1/cases?light=red&category=SJ05')).body['items'] as { id: string; light: string }[];
      expect(red.map((i) => i.id)).toEqual([caseId]);
      expect(red[0]?.light).toBe('red');
      const green = (await call('community', 'GET', '/api/v1/cases?light=green&category=SJ05')).body['items'] as { id: string }[];
      expect(green.map((i) => i.id)).not.toContain(caseId);
    });

    it("reporter=me lists only the caller's own reports (a grid worker's 我的案件)", async () => {
      const { caseId } = await deskCase({ description: 'reported at the desk, not by the worker' });
      const mine = async (user: string) => (expectShape(casePageSchema, (await call(user, 'GET', '/api/v1/cases?reporter=me&limit=200')).body)).items.map((i) => i.id);
      const reporterOf = async (ids: string[]) => (await db.query<{ reporter_subject: string }>('SELECT DISTINCT reporter_subject FROM public_sentiment.cases WHERE id = ANY($1)', [ids])).rows;
      const communityOwn = await mine('community');
      expect(communityOwn).toContain(caseId);
      expect(await reporterOf(communityOwn)).toHaveLength(1);
      expect(await mine('gw-07')).not.toContain(caseId);
    });

    it('answers bad filters with 400 naming the field', async () => {
      for (const [query, field] of [
        ['reporter=someone', 'reporter'],
        ['state=open', 'state'],
        ['light=blue', 'light'],
        ['limit=0', 'limit'],
        ['from=yesterday', 'from'],
        ['cursor=abc', 'cursor'],
        ['colour=red', 'colour'],
      ] as const) {
        const res = await call('community', 'GET', `/api/v1/cases?${query}`);
        expect(res.status).toBe(400);
        expect(expectShape(errorBodySchema, res.body).errors?.some((e) => e.field === field || e.field.startsWith(`${field}.`))).toBe(true);
      }
    });

    it('exports the filtered list as CSV with Chinese headers', async () => {
      const res = await call('community', 'GET', '/api/v1/cases/export.csv?state=closed');
      expect(res.status).toBe(200);
      const lines = res.text.replace(/^\uFEFF/, '').trim().split('\r\n');
      expect(lines[0]).toContain('案件编号 case_no');
      const closed = (await call('community', 'GET', '/api/v1/cases?state=closed&limit=200')).body['items'] as { caseNo: string }[];
      expect(lines.slice(1).map((l) => l.split(',')[0]).sort()).toEqual(closed.map((c) => c.caseNo).sort());
    });
  });

  describe('scope: a caller never sees or changes a case outside their org unit subtree', () => {
    let caseId: string;
    beforeAll(async () => {
      caseId = (await deskCase()).caseId;
    });

    it('detail, timeline and duplicates answer 404 to the neighbouring community', async () => {
      for (const path of [`/api/v1/cases/${caseId}`, `/api/v1/cases/${caseId}/timeline`, `/api/v1/cases/${caseId}/duplicates`]) {
        expect((await call('community-other', 'GET', path)).status).toBe(404);
      }
    });

    it('a transition by the neighbouring community answers 404 and changes nothing', async () => {
      const res = await act('community-other', caseId, 'accept');
      expect(res.status).toBe(404);
      expect((await row(caseId))['state']).toBe('reported');
    });

    it('the list, the counts and the export of the neighbouring community hold none of ours; asking for our unit is 403', async () => {
      const list = await call('community-other', 'GET', '/api/v1/cases?limit=200');
      expect((list.body['items'] as { gridCode: string }[]).every((i) => i.gridCode.startsWith('350206001002'))).toBe(true);
      const stats = await call('community-other', 'GET', '/api/v1/cases/stats');
      const theirs = Number((await db.query(`SELECT count(*) FROM public_sentiment.cases WHERE grid_code LIKE '350206001002%'`)).rows[0].count);
      expect(stats.body['total']).toBe(theirs);
      const csv = await call('community-other', 'GET', '/api/v1/cases/export.csv');
      expect(csv.text).not.toContain((await row(caseId))['case_no'] as string);
      expect((await call('community-other', 'GET', '/api/v1/cases?unit=350206001001')).status).toBe(403);
      expect((await call('community-other', 'GET', '/api/v1/cases/export.csv?unit=350206001001')).status).toBe(403);
    });

    it('a grid worker of another community cannot act on it either', async () => {
      expect((await act('gw-other', caseId, 'verify')).status).toBe(404);
    });
  });

  describe('actions that arrive together are committed together, each answered on its own (group commit)', () => {
    // The W3C propagator and the context manager, as main.ts starts them (spans are not exported).
    let telemetry: Telemetry;
    beforeAll(() => {
      telemetry = startTelemetry({ serviceName: 'public-sentiment-test' });
    });
    afterAll(() => telemetry?.shutdown());

    /** An action with its own W3C trace (the id of which the action's events must carry). */
    const traced = async (user: string, id: string, action: string, body: Json = {}) => {
      const traceId = randomUUID().replace(/-/g, '');
      const res = await fetch(`${svc.url}/api/v1/cases/${id}/actions/${action}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${tokens[user]}`, 'content-type': 'application/json', traceparent: `00-${traceId}-${'1'.repeat(16)}-01` },
        body: JSON.stringify(body),
      });
      return { status: res.status, traceId, body: (await res.json()) as Json };
    };
    /** Rows changed by one transaction share its id (xmin): how many transactions wrote these cases. */
    const transactionsOf = async (ids: string[]) =>
      (await db.query<{ x: string; n: number }>(`SELECT xmin::text AS x, count(*)::int AS n FROM public_sentiment.cases WHERE id = ANY($1::uuid[]) GROUP BY 1`, [ids])).rows;

    it('commits 40 accepts sent at once in fewer transactions than actions, a refused one failing alone; each event carries its own trace', async () => {
      const ids = await Promise.all(Array.from({ length: 40 }, async () => (await deskCase()).caseId));
      const closedEarly = ids[7]!; // closing a case just reported is refused (409) in whichever batch it lands
      const answers = await Promise.all(ids.map((id) => (id === closedEarly ? traced('community', id, 'close') : traced('community', id, 'accept'))));

      expect(answers.map((a) => a.status)).toEqual(ids.map((id) => (id === closedEarly ? 409 : 200)));
      expect(answers[7]!.body['code']).toBe('CASE.TRANSITION_FORBIDDEN');
      expect(answers.filter((a) => a.status === 200).every((a) => a.body['state'] === 'accepted')).toBe(true);
      expect((await row(closedEarly))['state']).toBe('reported');
      expect((await events(closedEarly)).map((e) => e.type)).toEqual(['gm.case.reported.v1']);

      const accepted = ids.filter((id) => id !== closedEarly);
      const txs = await transactionsOf(accepted);
      expect(txs.reduce((n, t) => n + t.n, 0)).toBe(39);
      expect(txs.length).toBeLessThan(39); // some shared a transaction
      for (const [i, id] of ids.entries()) {
        if (id === closedEarly) continue;
        const rows = await db.query<{ type: string; tp: string }>(
          `SELECT type, payload->>'traceparent' AS tp FROM public_sentiment.outbox WHERE payload->>'subject' = $1 ORDER BY seq`,
          [id],
        );
        expect(rows.rows.map((r) => r.type)).toEqual(['gm.case.reported.v1', 'gm.case.accepted.v1']);
        expect(rows.rows[1]!.tp).toContain(answers[i]!.traceId);
        // So does its log line.
        const logged = svc.logs.entries().filter((l) => l['msg'] === 'case.transition' && l['caseId'] === id);
        expect(logged.map((l) => l['trace_id'])).toEqual([answers[i]!.traceId]);
      }
    });

    it('when a batch fails in the database, runs its actions again one by one: only the failing one fails, nothing else is lost', async () => {
      const ids = await Promise.all(Array.from({ length: 24 }, async () => (await deskCase()).caseId));
      const [slow1, slow2, poisoned] = [ids[0]!, ids[1]!, ids[5]!];
      // A database that refuses to update this one case (as a constraint or a lost connection would),
      // and that is slow to update two others: sent first, they keep both lanes busy while the rest
      // arrive, so that the rest, the poisoned one with them, wait and share a batch.
      await db.query(`CREATE OR REPLACE FUNCTION public_sentiment.refuse_poisoned() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN IF OLD.id = '${poisoned}' THEN RAISE EXCEPTION 'refused by the test'; END IF; PERFORM pg_sleep(0.4); RETURN NEW; END $$`);
      await db.query(`CREATE TRIGGER refuse_poisoned BEFORE UPDATE ON public_sentiment.cases FOR EACH ROW
        WHEN (OLD.id IN ('${poisoned}', '${slow1}', '${slow2}')) EXECUTE FUNCTION public_sentiment.refuse_poisoned()`);
      const rolledBackBefore = svc.logs.entries().filter((l) => l['msg'] === 'case.actions_rolled_back').length;
      try {
        const first = [traced('community', slow1, 'accept'), traced('community', slow2, 'accept')];
        await new Promise((r) => setTimeout(r, 100));
        const answers = await Promise.all([...first, ...ids.slice(2).map((id) => traced('community', id, 'accept'))]);
        expect(answers.map((a) => a.status)).toEqual(ids.map((id) => (id === poisoned ? 500 : 200)));
      } finally {
        await db.query(`DROP TRIGGER refuse_poisoned ON public_sentiment.cases`);
      }
      // The poisoned case shared a batch, which was rolled back and run again one by one (logged
      // with the failure's kind and SQLSTATE, never the statement).
      const rolledBack = svc.logs.entries().filter((l) => l['msg'] === 'case.actions_rolled_back').slice(rolledBackBefore);
      expect(rolledBack).toHaveLength(1);
      expect(rolledBack[0]!['size']).toBe(22);
      expect(rolledBack[0]!['error']).toMatch(/ P0001$/);
      expect((await row(poisoned))['state']).toBe('reported');
      expect((await events(poisoned)).map((e) => e.type)).toEqual(['gm.case.reported.v1']);
      for (const id of ids.filter((i) => i !== poisoned)) {
        expect((await row(id))['state']).toBe('accepted');
        expect((await events(id)).map((e) => e.type)).toEqual(['gm.case.reported.v1', 'gm.case.accepted.v1']);
      }
      // And the service goes on: the same case is accepted once the database takes it.
      await expectOk(act('community', poisoned, 'accept'), 'accepted');
    });

    it('a batch that meets a lock held outside the queue gives up after the lock timeout: the others go on, the locked one waits alone', async () => {
      const ids = await Promise.all(Array.from({ length: 12 }, async () => (await deskCase()).caseId));
      const [slow1, slow2, locked] = [ids[0]!, ids[1]!, ids[5]!];
      await db.query(`CREATE OR REPLACE FUNCTION public_sentiment.slow_update() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN PERFORM pg_sleep(0.4); RETURN NEW; END $$`);
      await db.query(`CREATE TRIGGER slow_update BEFORE UPDATE ON public_sentiment.cases FOR EACH ROW
        WHEN (OLD.id IN ('${slow1}', '${slow2}')) EXECUTE FUNCTION public_sentiment.slow_update()`);
      // Someone else holds the row lock of one case (a long transaction outside the queue).
      const holder = new pg.Client({ connectionString: infra.db.url });
      await holder.connect();
      await holder.query('BEGIN');
      await holder.query(`SELECT 1 FROM public_sentiment.cases WHERE id = $1 FOR UPDATE`, [locked]);
      const rolledBackBefore = svc.logs.entries().filter((l) => l['msg'] === 'case.actions_rolled_back').length;
      try {
        const first = [traced('community', slow1, 'accept'), traced('community', slow2, 'accept')];
        await new Promise((r) => setTimeout(r, 100));
        const started = Date.now();
        const lockedAnswer = traced('community', locked, 'accept');
        const others = await Promise.all([...first, ...ids.slice(2).filter((id) => id !== locked).map((id) => traced('community', id, 'accept'))]);
        // Everything else is answered while the lock is still held.
        expect(others.map((a) => a.status)).toEqual(others.map(() => 200));
        expect(Date.now() - started).toBeLessThan(8000);
        expect(await Promise.race([lockedAnswer.then(() => 'answered'), new Promise((r) => setTimeout(() => r('waiting'), 300))])).toBe('waiting');
        await holder.query('COMMIT');
        expect((await lockedAnswer).status).toBe(200);
      } finally {
        await holder.query('ROLLBACK').catch(() => undefined);
        await holder.end();
        await db.query(`DROP TRIGGER slow_update ON public_sentiment.cases`);
      }
      const rolledBack = svc.logs.entries().filter((l) => l['msg'] === 'case.actions_rolled_back').slice(rolledBackBefore);
      expect(rolledBack).toHaveLength(1);
      expect(rolledBack[0]!['error']).toMatch(/ 55P03$/); // lock_not_available
      for (const id of ids) expect((await row(id))['state']).toBe('accepted');
    });
  });
});
