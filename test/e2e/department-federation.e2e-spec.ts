import { randomBytes, randomUUID } from 'node:crypto';
import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { departmentCommandViewSchema, inboxPageSchema, workOrderCreatedSchema, workOrderDetailSchema, type CloudEvent, type DepartmentCommandView } from '@gm/contracts';
import { departmentInboxPrefix, departmentUserOf } from '@gm/messaging';
import type { ServiceConfig } from '@gm/platform';
import { aReport, DEMO_CHAIN, demoChainTiers, expectShape, provideDatabase, provideOidc, startFederation, startService, WebhookReceiver, type TestDatabase, type TestFederation, type TestOidc, type TestService } from '@gm/testing';
import * as publicSentiment from '../../apps/public-sentiment/src/app.module';
import * as psConfig from '../../apps/public-sentiment/src/config/config';
import * as serviceOffice from '../../apps/service-office/src/app.module';
import * as soConfig from '../../apps/service-office/src/config/config';
import { eventually, tierEnv } from './support';

const { district: DISTRICT, street: STREET, community: COMMUNITY, grid: GRID } = DEMO_CHAIN;
const TIERS = demoChainTiers('district', 'community');
const URBAN_FEED = `DEPT_urban-management_${DISTRICT}`;

type Json = Record<string, unknown>;

describe('departments across tiers (ADR 0015): a district department hears a community’s case dispatched to it, answers it from the district, and nothing is lost or doubled while the link is cut (real nats-server leafnodes, a database per tier, HTTP receiver)', () => {
  let fed: TestFederation;
  let oidc: TestOidc;
  let receiver: WebhookReceiver;
  let deptNc: NatsConnection;
  const dbs = new Map<string, TestDatabase>();
  const so = new Map<string, TestService<ServiceConfig>>();
  let ps: TestService<ServiceConfig>;
  const tokens: Record<string, string> = {};

  const http = async (base: string, user: string, method: string, path: string, body?: unknown) => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${tokens[user]}`, ...(body !== undefined && { 'content-type': 'application/json' }) },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    return { status: res.status, body: (await res.json()) as Json };
  };
  const atCommunity = (user: string, method: string, path: string, body?: unknown) => http(ps.url, user, method, path, body);
  const office = (tier: string, user: string, method: string, path: string, body?: unknown) => http(so.get(tier)!.url, user, method, path, body);
  const act = async (id: string, action: string, body: Json = {}) => expect((await atCommunity('community', 'POST', `/api/v1/cases/${id}/actions/${action}`, body)).status).toBe(200);
  const caseState = async (id: string) => (await atCommunity('community', 'GET', `/api/v1/cases/${id}`)).body['state'];
  const command = async (body: Json): Promise<DepartmentCommandView> => {
    const res = await office(DISTRICT, 'department', 'POST', '/api/v1/department-commands', body);
    expect(res.status).toBe(202);
    return expectShape(departmentCommandViewSchema, res.body);
  };
  const settled = (id: string) =>
    eventually(`command ${id} settled`, async () => {
      const c = expectShape(departmentCommandViewSchema, (await office(DISTRICT, 'department', 'GET', `/api/v1/department-commands/${id}`)).body);
      return c.status !== 'pending' && c;
    }, 30_000);
  const delivered = (pred: (e: { type: string; data?: unknown }) => boolean) => receiver.accepted.filter((d) => pred(d.event));
  /** What the department's own NATS consumer reads of its feed at the district. */
  const feed = async (): Promise<CloudEvent[]> => {
    const jsm = await jetstreamManager(deptNc);
    const name = `urban-${Math.random().toString(36).slice(2, 8)}`;
    await jsm.consumers.add(URBAN_FEED, { durable_name: name, ack_policy: AckPolicy.Explicit, deliver_policy: DeliverPolicy.All });
    const consumer = await jetstream(deptNc).consumers.get(URBAN_FEED, name);
    const out: CloudEvent[] = [];
    for (;;) {
      let n = 0;
      for await (const m of await consumer.fetch({ max_messages: 100, expires: 1000 })) {
        out.push(m.json<CloudEvent>());
        m.ack();
        n++;
      }
      if (n === 0) return out;
    }
  };

  beforeAll(async () => {
    oidc = await provideOidc();
    fed = await startFederation(TIERS, { departments: ['urban-management'] });
    for (const t of TIERS) dbs.set(t.code, await provideDatabase());
    const env = (code: string) => ({ ...tierEnv(fed, oidc, code, dbs.get(code)!.url), FEDERATION_SUMMARY_MS: '0', CASE_DEADLINE_SCAN_MS: '0', WEBHOOK_ALLOW_HOSTS: '127.0.0.1', WEBHOOK_POLL_MS: '100' });
    ps = (await startService({ configSchema: psConfig.configSchema, module: (c, l) => publicSentiment.AppModule.forRoot(c as psConfig.AppConfig, l) }, env(COMMUNITY))) as never;
    for (const t of TIERS) so.set(t.code, (await startService({ configSchema: soConfig.configSchema, module: (c, l) => serviceOffice.AppModule.forRoot(c as soConfig.AppConfig, l) }, env(t.code))) as never);
    for (const user of ['community', 'department', 'department-water']) tokens[user] = await oidc.tokenFor(user);
    const secret = `whsec_${randomBytes(32).toString('base64')}`;
    receiver = await new WebhookReceiver(secret).start();
    expect((await office(DISTRICT, 'department', 'POST', '/api/v1/subscriptions', { url: receiver.url, secret })).status).toBe(201);
    const district = fed.tier(DISTRICT);
    deptNc = await connect({ servers: `nats://127.0.0.1:${district.clientPort}`, user: departmentUserOf('urban-management'), pass: district.departmentPasswords['urban-management']!, inboxPrefix: departmentInboxPrefix('urban-management') });
  }, 240_000);

  afterAll(async () => {
    await receiver?.stop();
    await deptNc?.close().catch(() => undefined);
    for (const s of [...so.values(), ps]) await s?.close().catch(() => undefined);
    await fed?.close();
    await oidc?.close();
    for (const db of dbs.values()) await db.drop().catch(() => undefined);
  });

  it('the dispatch reaches the district department’s webhook and NATS feed once; its steps, sent from the district, are applied at the community; a cut link only delays', async () => {
    const reported = await atCommunity('community', 'POST', '/api/v1/cases', aReport({ gridCode: GRID, clientId: randomUUID() }));
    expect(reported.status).toBe(201);
    const caseId = reported.body['caseId'] as string;
    const caseNo = reported.body['caseNo'] as string;
    await act(caseId, 'accept');
    await act(caseId, 'register');
    await act(caseId, 'dispatch', { assignee: { kind: 'department', code: 'urban-management' } });

    const ofCase = (type: string) => (e: { type: string; data?: unknown }) => e.type === type && (e.data as { caseId?: string }).caseId === caseId;
    const dispatched = await eventually('the dispatch at the district webhook', async () => delivered(ofCase('gm.case.dispatched.v1'))[0]);
    expect(dispatched.event).toMatchObject({ gmtier: COMMUNITY, data: { caseNo, assignee: { kind: 'department', code: 'urban-management' } } });

    // Answered from the district: the step travels down and is taken at the community, as the department.
    const start = await command({ target: { kind: 'case', caseNo }, action: 'start' });
    expect(start).toMatchObject({ status: 'pending', target: { kind: 'case', tier: COMMUNITY, id: caseId, no: caseNo } });
    expect(await settled(start.id)).toMatchObject({ status: 'applied', reason: null });
    expect(await caseState(caseId)).toBe('in_progress');
    await eventually('the start at the district webhook', async () => delivered(ofCase('gm.case.started.v1')).length === 1);

    // The street's server goes down: the community and the district are cut apart.
    await fed.tier(STREET).stop();
    const handle = await command({ target: { kind: 'case', caseNo }, action: 'handle', body: { note: '已清运 cleared', evidence: ['dept/cleared.jpg'] } });
    // The community works on meanwhile: it whistles the department.
    const wo = await office(COMMUNITY, 'community', 'POST', '/api/v1/work-orders', {
      departments: ['urban-management'],
      gridCode: GRID,
      title: '占道经营整治 Street stalls',
      needed: '请派执法队 Send the enforcement team',
      place: { address: '演示路 Demo Road' },
      arriveBy: new Date(Date.now() + 3_600_000).toISOString(),
      deadline: new Date(Date.now() + 7_200_000).toISOString(),
    });
    expect(wo.status).toBe(201);
    const [order] = expectShape(workOrderCreatedSchema, wo.body).items;
    await new Promise((r) => setTimeout(r, 1500));
    expect(expectShape(departmentCommandViewSchema, (await office(DISTRICT, 'department', 'GET', `/api/v1/department-commands/${handle.id}`)).body).status).toBe('pending');
    expect(await caseState(caseId)).toBe('in_progress');
    expect(delivered((e) => e.type === 'gm.workorder.whistled.v1')).toEqual([]);

    // The link returns: what waited on each side goes through, once.
    await fed.tier(STREET).start();
    expect(await settled(handle.id)).toMatchObject({ status: 'applied' });
    expect(await caseState(caseId)).toBe('handled');
    await eventually('the whistle at the district webhook', async () => delivered((e) => e.type === 'gm.workorder.whistled.v1').length === 1);
    await eventually('the handling at the district webhook', async () => delivered(ofCase('gm.case.handled.v1')).length === 1);

    // The department acknowledges the work order from the district; the community's work order and its whistler hear it.
    const ack = await command({ target: { kind: 'work-order', id: order!.id }, action: 'acknowledge', body: { note: '已安排 On our way' } });
    expect(await settled(ack.id)).toMatchObject({ status: 'applied' });
    const kept = expectShape(workOrderDetailSchema, (await office(COMMUNITY, 'community', 'GET', `/api/v1/work-orders/${order!.id}`)).body);
    expect(kept.status).toBe('acknowledged');
    expect(kept.receipts.map((r) => [r.action, r.actor.role, r.actor.name])).toEqual([
      ['whistle', 'community-staff', 'community'],
      ['acknowledge', 'department', 'department'],
    ]);
    const inbox = expectShape(inboxPageSchema, (await office(COMMUNITY, 'community', 'GET', '/api/v1/inbox')).body);
    expect(inbox.items.map((m) => m.title.zh)).toContain('部门已响应');

    // A step the case's state no longer allows is refused at the community, and the district hears why.
    const late = await command({ target: { kind: 'case', caseNo }, action: 'start' });
    const refused = await settled(late.id);
    expect(refused.status).toBe('refused');
    expect(refused.reason).toMatch(/handled/);
    // Another department has nothing to answer.
    expect((await http(so.get(DISTRICT)!.url, 'department-water', 'POST', '/api/v1/department-commands', { target: { kind: 'case', caseNo }, action: 'start' })).status).toBe(404);

    // Nothing doubled: each event reached the webhook once, and the department's NATS feed holds each once.
    await new Promise((r) => setTimeout(r, 500));
    const ids = receiver.accepted.map((d) => d.webhookId);
    expect(new Set(ids).size).toBe(ids.length);
    expect(receiver.rejected).toEqual([]);
    const fromFeed = await feed();
    const feedIds = fromFeed.map((e) => e.id);
    expect(new Set(feedIds).size).toBe(feedIds.length);
    const ourTypes = fromFeed.filter((e) => (e.data as { caseId?: string }).caseId === caseId).map((e) => e.type);
    for (const type of ['gm.case.dispatched.v1', 'gm.case.started.v1', 'gm.case.handled.v1']) expect(ourTypes.filter((t) => t === type)).toHaveLength(1);
    expect(fromFeed.filter((e) => e.type === 'gm.department.command-outcome.v1').map((e) => (e.data as { outcome: string }).outcome).sort()).toEqual(['applied', 'applied', 'applied', 'refused']);
  });
});
