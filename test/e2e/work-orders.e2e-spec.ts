import { randomBytes } from 'node:crypto';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstream, jetstreamManager, type JetStreamClient } from '@nats-io/jetstream';
import {
  departmentFeed,
  errorBodySchema,
  inboxPageSchema,
  namespace,
  scopedSubject,
  streamName,
  subscriptionCreatedSchema,
  workOrderCreatedSchema,
  workOrderDetailSchema,
  workOrderKpiListSchema,
  workOrderPageSchema,
} from '@gm/contracts';
import { aCaseReported, DEMO_GRID, expectShape, startInfra, startService, WebhookReceiver, type TestInfra, type TestService } from '@gm/testing';
import { AppModule } from '../../apps/service-office/src/app.module';
import { configSchema, type AppConfig } from '../../apps/service-office/src/config/config';
import { eventually } from './support';

/** Where the problem is, and a check-in 40 m north of it (a thousandth of a degree is ~111 m). */
const PLACE = { latitude: 24.4795, longitude: 118.0894 };
const NEARBY = { latitude: 24.47986, longitude: 118.0894 };
const FAR = { latitude: 24.4895, longitude: 118.0894 };

describe('service-office: work orders (吹哨报到) from whistle to resolution, urged when overdue, with receipts, events and KPIs (real PostgreSQL, NATS JetStream, OIDC, HTTP receiver)', () => {
  let infra: TestInfra;
  let svc: TestService<AppConfig>;
  let nc: NatsConnection;
  let js: JetStreamClient;
  const tokens: Record<string, string> = {};
  let receiver: WebhookReceiver;
  let caseNo: string;

  const call = async (user: string, method: string, path: string, body?: unknown) => {
    const res = await fetch(`${svc.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${tokens[user]}`, 'accept-language': 'en', ...(body !== undefined && { 'content-type': 'application/json' }) },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    return { status: res.status, body: (await res.json()) as unknown };
  };
  const fieldsOf = (body: unknown) => expectShape(errorBodySchema, body).errors?.map((d) => d.field);
  const inMinutes = (m: number) => new Date(Date.now() + m * 60_000).toISOString();
  const whistle = (user: string, over: Record<string, unknown> = {}) =>
    call(user, 'POST', '/api/v1/work-orders', {
      departments: ['urban-management'],
      caseNo,
      title: '占道堆物清理 Clear the goods blocking the lane',
      needed: '请派人到场清理并执法 Send someone to clear it and enforce',
      place: { address: '演示路 12 号 12 Demo Road', location: PLACE },
      arriveBy: inMinutes(60),
      deadline: inMinutes(240),
      ...over,
    });

  beforeAll(async () => {
    infra = await startInfra();
    svc = await startService(
      { configSchema, module: (c, l) => AppModule.forRoot(c, l) },
      infra.env({ WEBHOOK_ALLOW_HOSTS: '127.0.0.1', WEBHOOK_POLL_MS: '100', URGE_POLL_MS: '100' }),
    );
    nc = await connect({ servers: infra.nats.url });
    js = jetstream(nc);
    for (const u of ['admin', 'community', 'community-other', 'street', 'department', 'department-water', 'auditor']) tokens[u] = await infra.oidc.tokenFor(u);
    // service-office learns of the case from the tier's case events (the consumer creates the stream: publish once it exists).
    const reported = aCaseReported({ categoryCode: 'SJ0101', gridCode: DEMO_GRID });
    caseNo = reported.data.caseNo;
    const ns = namespace(infra.nats.namespace);
    await eventually('the case stream', async () => js.publish(scopedSubject(ns, reported.type), JSON.stringify(reported), { msgID: reported.id }).then(() => true, () => false));
    // Known once a whistle naming it fails on nothing but the (unknown) department.
    await eventually('the case known to service-office', async () => {
      const res = await whistle('community', { departments: ['no-such-department'] });
      return res.status === 400 && !fieldsOf(res.body)?.includes('caseNo');
    });
    const secret = `whsec_${randomBytes(32).toString('base64')}`;
    receiver = await new WebhookReceiver(secret).start();
    const sub = await call('department', 'POST', '/api/v1/subscriptions', { url: receiver.url, secret, filters: { eventTypes: ['gm.workorder.whistled.v1', 'gm.workorder.acknowledged.v1', 'gm.workorder.arrived.v1', 'gm.workorder.resolved.v1', 'gm.workorder.urged.v1'] } });
    expect(sub.status).toBe(201);
    expectShape(subscriptionCreatedSchema, sub.body);
  });

  afterAll(async () => {
    await receiver?.stop();
    await nc?.close();
    await svc?.close();
    await infra?.close();
  });

  it('whistle → acknowledge → check in on site → resolve with evidence; every step a receipt and a signed event to the department; others may not act', async () => {
    const created = await whistle('community', { departments: ['urban-management', 'water'] });
    expect(created.status).toBe(201);
    const [urban, water] = expectShape(workOrderCreatedSchema, created.body).items;
    expect(urban).toMatchObject({ department: 'urban-management', status: 'whistled', caseNo, categoryCode: 'SJ0101', gridCode: DEMO_GRID, orgUnit: '350206001001', overdue: [] });
    expect(water).toMatchObject({ department: 'water', status: 'whistled' });
    expect(urban!.no).toMatch(/^GD\d{8}\d{6}$/);
    const path = `/api/v1/work-orders/${urban!.id}`;

    // Another department sees nothing of it and may not act on it; the whistler may not act for the department.
    expect((await call('department-water', 'GET', path)).status).toBe(404);
    expect((await call('department-water', 'POST', `${path}/acknowledge`, {})).status).toBe(404);
    expect((await call('community', 'POST', `${path}/acknowledge`, {})).status).toBe(403);
    // A neighbouring community does not see it; the street above does.
    expect((await call('community-other', 'GET', path)).status).toBe(404);
    expect((await call('street', 'GET', path)).status).toBe(200);
    // Resolving before checking in is refused.
    expect((await call('department', 'POST', `${path}/resolve`, { note: 'done', evidence: ['wo/photo-1.jpg'] })).status).toBe(409);

    expect((await call('department', 'POST', `${path}/acknowledge`, { note: '已安排执法队 On our way' })).status).toBe(200);
    const far = await call('department', 'POST', `${path}/arrive`, { location: FAR });
    expect(far.status).toBe(400);
    expect(fieldsOf(far.body)).toEqual(['location']);
    const arrived = await call('department', 'POST', `${path}/arrive`, { location: NEARBY });
    expect(arrived.status).toBe(200);
    const noEvidence = await call('department', 'POST', `${path}/resolve`, { note: '已清理', evidence: [] });
    expect(noEvidence.status).toBe(400);
    expect(fieldsOf(noEvidence.body)).toEqual(['evidence']);
    const resolved = await call('department', 'POST', `${path}/resolve`, { note: '已清理并教育 Cleared', evidence: ['wo/photo-1.jpg'] });
    expect(resolved.status).toBe(200);
    const detail = expectShape(workOrderDetailSchema, resolved.body);
    expect(detail).toMatchObject({ status: 'resolved', overdue: [] });
    expect(detail.acknowledgedAt).not.toBeNull();
    expect(detail.receipts.map((r) => [r.action, r.actor.role])).toEqual([
      ['whistle', 'community-staff'],
      ['acknowledge', 'department'],
      ['arrive', 'department'],
      ['resolve', 'department'],
    ]);
    expect(detail.receipts[2]!.distanceM).toBeGreaterThan(30);
    expect(detail.receipts[2]!.distanceM).toBeLessThan(50);
    expect(detail.receipts[3]).toMatchObject({ note: '已清理并教育 Cleared', evidence: ['wo/photo-1.jpg'] });
    // A closed work order takes no more steps.
    expect((await call('department', 'POST', `${path}/decline`, { reason: 'late' })).status).toBe(409);

    // The department's webhook got each step, verified and in order, and nothing of water's work order.
    const ours = await eventually('four deliveries', async () => {
      const got = receiver.accepted.filter((d) => (d.event.data as { workOrderId?: string }).workOrderId === urban!.id);
      return got.length >= 4 && got;
    });
    expect(ours.map((d) => d.event.type)).toEqual(['gm.workorder.whistled.v1', 'gm.workorder.acknowledged.v1', 'gm.workorder.arrived.v1', 'gm.workorder.resolved.v1']);
    expect(ours[0]!.event.data).toMatchObject({ no: urban!.no, department: 'urban-management', caseNo, gridCode: DEMO_GRID });
    expect(JSON.stringify(ours)).not.toContain('演示路');
    expect(receiver.accepted.some((d) => (d.event.data as { workOrderId?: string }).workOrderId === water!.id)).toBe(false);
    expect(receiver.rejected).toEqual([]);

    // The department's own NATS stream holds its work-order events, and water's holds water's.
    const jsm = await jetstreamManager(nc);
    const ns = namespace(infra.nats.namespace);
    const urbanFeed = await eventually('urban feed', async () => {
      const info = await jsm.streams.info(streamName(ns, departmentFeed('urban-management'))).catch(() => undefined);
      return info && info.state.messages >= 4 && info;
    });
    expect(urbanFeed.state.messages).toBeGreaterThanOrEqual(4);
    const waterFeed = await jsm.streams.info(streamName(ns, departmentFeed('water')));
    expect(waterFeed.state.messages).toBe(1);

    // The case's timeline reads the work orders by case number.
    const ofCase = expectShape(workOrderPageSchema, (await call('community', 'GET', `/api/v1/work-orders?caseNo=${caseNo}`)).body);
    expect(ofCase.items.map((w) => w.id).sort()).toEqual([urban!.id, water!.id].sort());
    // The department's users find the whistle in their inbox; the whistler finds the department's answers.
    const deptInbox = expectShape(inboxPageSchema, (await call('department', 'GET', '/api/v1/inbox')).body);
    expect(deptInbox.items.filter((m) => m.ref.id === urban!.id).map((m) => m.title.en)).toEqual(['New work order']);
    expect(expectShape(inboxPageSchema, (await call('department-water', 'GET', '/api/v1/inbox')).body).items.map((m) => m.ref.id)).toEqual([water!.id]);
    const whistlerInbox = expectShape(inboxPageSchema, (await call('community', 'GET', '/api/v1/inbox')).body);
    expect(whistlerInbox.items.filter((m) => m.ref.id === urban!.id).map((m) => m.title.zh)).toEqual(['工单已办结', '部门已到场', '部门已响应']);
    expect(whistlerInbox.items[0]!.body.zh).toContain('已清理并教育 Cleared');
    // A department lists its own only.
    const waterList = expectShape(workOrderPageSchema, (await call('department-water', 'GET', '/api/v1/work-orders')).body);
    expect(waterList.items.every((w) => w.department === 'water')).toBe(true);
  });

  it('a work order past its time limits is urged once per limit missed; the whistler urges by hand; KPIs count what was on time', async () => {
    const soon = (ms: number) => new Date(Date.now() + ms).toISOString();
    const created = await whistle('community', { departments: ['water'], caseNo: undefined, gridCode: DEMO_GRID, title: '井盖缺失 A manhole cover is missing', arriveBy: soon(1500), deadline: soon(2500) });
    expect(created.status).toBe(201);
    const [wo] = expectShape(workOrderCreatedSchema, created.body).items;
    expect(wo!.caseNo).toBeNull();
    const path = `/api/v1/work-orders/${wo!.id}`;

    const urged = await eventually('three urges', async () => {
      const d = expectShape(workOrderDetailSchema, (await call('community', 'GET', path)).body);
      return d.receipts.filter((r) => r.action === 'urge').length >= 3 && d;
    });
    expect(urged.receipts.filter((r) => r.action === 'urge').map((r) => [r.note, r.actor.role])).toEqual([
      ['overdue: respond', 'scheduler'],
      ['overdue: arrive', 'scheduler'],
      ['overdue: resolve', 'scheduler'],
    ]);
    expect(urged.overdue).toEqual(['respond', 'arrive', 'resolve']);
    expect(urged.urgeCount).toBe(3);
    // Each urge reached the water department's inbox, in its language.
    const waterInbox = expectShape(inboxPageSchema, (await call('department-water', 'GET', '/api/v1/inbox')).body);
    expect(waterInbox.items.filter((m) => m.ref.id === wo!.id).map((m) => m.body.en.match(/\((not [a-z ]+)\)$/)?.[1])).toEqual(['not resolved in time', 'not on site in time', 'not answered in time', undefined]);
    // Once per limit: later sweeps add nothing.
    await new Promise((r) => setTimeout(r, 500));
    expect(expectShape(workOrderDetailSchema, (await call('community', 'GET', path)).body).urgeCount).toBe(3);

    const byHand = await call('community', 'POST', `${path}/urge`, { note: '请尽快到场 Please come at once' });
    expect(byHand.status).toBe(200);
    expect(expectShape(workOrderDetailSchema, byHand.body).urgeCount).toBe(4);
    expect((await call('department-water', 'POST', `${path}/urge`, {})).status).toBe(403);

    const overdue = expectShape(workOrderPageSchema, (await call('community', 'GET', '/api/v1/work-orders?overdue=true')).body);
    expect(overdue.items.map((w) => w.id)).toContain(wo!.id);

    // Water checks in late and declines; urban management resolved its one on time (the test above).
    expect((await call('department-water', 'POST', `${path}/arrive`, { location: NEARBY })).status).toBe(200);
    expect((await call('department-water', 'POST', `${path}/decline`, { reason: '需燃气公司处理 For the gas company' })).status).toBe(200);

    const kpis = expectShape(workOrderKpiListSchema, (await call('street', 'GET', '/api/v1/work-orders/kpis')).body);
    const byDept = Object.fromEntries(kpis.items.map((k) => [k.department, k]));
    expect(byDept['urban-management']).toMatchObject({ total: 1, responseRate: 1, onTimeArrivalRate: 1, resolutionRate: 1, urged: 0 });
    // Water: two work orders. The first (test above) is still open and within its limits: nothing of it is due yet.
    expect(byDept['water']).toMatchObject({ total: 2, open: 1, respondDue: 1, respondedOnTime: 0, arriveDue: 1, arrivedOnTime: 0, resolveDue: 1, resolved: 0, urged: 1 });
    expect(byDept['water']!.resolutionRate).toBe(0);
    // A department sees its own KPIs only.
    const own = expectShape(workOrderKpiListSchema, (await call('department-water', 'GET', '/api/v1/work-orders/kpis')).body);
    expect(own.items.map((k) => k.department)).toEqual(['water']);

    // The scheduler's urge reached urban management's webhook? No: it was water's. Urban management's receiver heard no urge.
    expect(receiver.accepted.some((d) => d.event.type === 'gm.workorder.urged.v1')).toBe(false);
  });

  it('bad whistles get 400 naming the field; a neighbouring community may not whistle about a case outside its area', async () => {
    const cases: [Record<string, unknown>, string[]][] = [
      [{ departments: ['no-such-department'] }, ['departments.0']],
      [{ departments: [] }, ['departments']],
      [{ caseNo: 'NO-SUCH-CASE' }, ['caseNo']],
      [{ arriveBy: new Date(Date.now() - 60_000).toISOString() }, ['arriveBy']],
      [{ deadline: inMinutes(30) }, ['deadline']],
      [{ arriveBy: 'tomorrow' }, ['arriveBy']],
      [{ place: { address: '' } }, ['place.address']],
      [{ title: 'x'.repeat(101) }, ['title']],
      [{ gridCode: '350206001002-01', caseNo: undefined }, ['gridCode']],
      [{ priority: 'high' }, ['priority']],
    ];
    for (const [over, fields] of cases) {
      const res = await whistle('community', over);
      expect([JSON.stringify(over), res.status]).toEqual([JSON.stringify(over), 400]);
      expect(fieldsOf(res.body)).toEqual(fields);
    }
    const unknown = await whistle('community', { priority: 'high' });
    expect(expectShape(errorBodySchema, unknown.body).errors?.[0]?.message).toContain('priority');
    const outside = await whistle('community-other');
    expect(outside.status).toBe(400);
    expect(fieldsOf(outside.body)).toEqual(['caseNo']);
    // Departments and auditors do not whistle.
    expect((await whistle('department')).status).toBe(403);
    expect((await whistle('auditor')).status).toBe(403);
    expect((await call('admin', 'GET', '/api/v1/work-orders/kpis?from=2026-12-06T00:00:00Z&to=2026-12-01T00:00:00Z')).status).toBe(400);
  });
});
