import { randomBytes } from 'node:crypto';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstream, jetstreamManager, type JetStreamClient } from '@nats-io/jetstream';
import {
  deliveryDetailSchema,
  deliveryPageSchema,
  errorBodySchema,
  namespace,
  queuedSchema,
  scopedSubject,
  secretRotatedSchema,
  streamName,
  Streams,
  subscriptionCreatedSchema,
  subscriptionListSchema,
  subscriptionViewSchema,
  type CloudEvent,
} from '@gm/contracts';
import { aCaseReported, aCaseTransition, DEMO_GRID, expectShape, startInfra, startService, WebhookReceiver, type TestInfra, type TestService } from '@gm/testing';
import { AppModule } from '../../apps/service-office/src/app.module';
import { configSchema, type AppConfig } from '../../apps/service-office/src/config/config';
import { FAN_OUT_DURABLE } from '../../apps/service-office/src/subscriptions/case-event-fan-out';
import { webhookRequest } from '../../apps/service-office/src/subscriptions/webhook-deliverer';

/** Urban management's category (SJ0101 暴露垃圾) and water's (BJ0101 上水井盖). */
const URBAN = 'SJ0101';
const WATER = 'BJ0101';

describe('service-office: departments subscribe webhooks to case events; signed CloudEvents, retried, dead-lettered, replayed (real PostgreSQL, NATS JetStream, OIDC, HTTP receivers)', () => {
  let infra: TestInfra;
  let svc: TestService<AppConfig>;
  let nc: NatsConnection;
  let js: JetStreamClient;
  const tokens: Record<string, string> = {};
  const receivers: WebhookReceiver[] = [];

  const publish = async (event: CloudEvent) => {
    await js.publish(scopedSubject(namespace(infra.nats.namespace), event.type), JSON.stringify(event), { msgID: event.id });
  };
  const call = async (user: string, method: string, path: string, body?: unknown) => {
    const res = await fetch(`${svc.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${tokens[user]}`, 'accept-language': 'en', ...(body !== undefined && { 'content-type': 'application/json' }) },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    return { status: res.status, body: res.status === 204 ? undefined : ((await res.json()) as unknown) };
  };
  const eventually = async <T>(what: string, check: () => Promise<T | undefined | false> | T | undefined | false, ms = 20_000): Promise<T> => {
    const until = Date.now() + ms;
    for (;;) {
      const v = await check();
      if (v) return v;
      if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  /** A receiver and a subscription of `user`'s department delivering to it. */
  const subscribe = async (user: string, filters: Record<string, unknown> = {}) => {
    const secret = `whsec_${randomBytes(32).toString('base64')}`;
    const receiver = await new WebhookReceiver(secret).start();
    receivers.push(receiver);
    const res = await call(user, 'POST', '/api/v1/subscriptions', { url: receiver.url, secret, description: 'test', filters });
    expect(res.status).toBe(201);
    return { receiver, sub: expectShape(subscriptionCreatedSchema, res.body) };
  };
  const deliveries = async (user: string, id: string, status?: string) =>
    expectShape(deliveryPageSchema, (await call(user, 'GET', `/api/v1/subscriptions/${id}/deliveries?limit=200${status ? `&status=${status}` : ''}`)).body).items;

  beforeAll(async () => {
    infra = await startInfra();
    svc = await startService(
      { configSchema, module: (c, l) => AppModule.forRoot(c, l) },
      infra.env({ WEBHOOK_ALLOW_HOSTS: '127.0.0.1', WEBHOOK_RETRY_BASE_MS: '100', WEBHOOK_RETRY_MAX_MS: '400', WEBHOOK_RETRY_HORIZON_MS: '3000', WEBHOOK_POLL_MS: '100' }),
    );
    nc = await connect({ servers: infra.nats.url });
    js = jetstream(nc);
    for (const u of ['admin', 'community', 'department', 'department-water']) tokens[u] = await infra.oidc.tokenFor(u);
    // The consumer creates the tier's case stream: publish once it exists.
    await eventually('the case stream', () => publish(aCaseReported({ categoryCode: 'SJ0201' })).then(() => true, () => false));
    // That event is urban management's: wait until the fan-out has routed it, or a subscription the
    // first test creates meanwhile would get it as a delivery.
    const jsm = await jetstreamManager(nc);
    const stream = streamName(namespace(infra.nats.namespace), Streams.caseEvents);
    await eventually('the first event routed', async () => {
      const info = await jsm.consumers.info(stream, FAN_OUT_DURABLE).catch(() => undefined);
      return info !== undefined && info.delivered.stream_seq >= 1 && info.num_pending === 0 && info.num_ack_pending === 0;
    });
  });

  afterAll(async () => {
    await Promise.allSettled(receivers.map((r) => r.stop()));
    await nc?.close();
    await svc?.close();
    await infra?.close();
  });

  it('delivers the events of the department’s categories as signed CloudEvents a real receiver verifies; a tampered body or a stale timestamp is rejected', async () => {
    const { receiver, sub } = await subscribe('department');
    expect(sub).toMatchObject({ department: 'urban-management', status: 'active', counts: { pending: 0, delivered: 0, dead: 0 } });
    const ours = aCaseReported({ categoryCode: URBAN });
    const theirs = aCaseReported({ categoryCode: WATER });
    await publish(theirs);
    await publish(ours);
    const got = await eventually('the delivery', () => receiver.accepted.find((d) => d.webhookId === ours.id));
    expect(got.event).toMatchObject({ id: ours.id, type: 'gm.case.reported.v1', specversion: '1.0', source: ours.source, gmtier: '350206' });
    expect(got.event.data).toMatchObject({ caseNo: ours.data.caseNo, categoryCode: URBAN });
    expect(receiver.accepted.some((d) => d.webhookId === theirs.id)).toBe(false);
    expect(receiver.rejected).toEqual([]);

    // The receiver refuses what was not signed by the subscription's secret as sent.
    const now = new Date();
    const good = webhookRequest(ours, receiver.secrets, now);
    const post = (headers: Record<string, string>, body: string) => fetch(receiver.url, { method: 'POST', headers, body });
    expect((await post(good.headers, good.body.replace(URBAN, 'SJ0102'))).status).toBe(400);
    const stale = webhookRequest(ours, receiver.secrets, new Date(now.getTime() - 10 * 60_000));
    expect((await post(stale.headers, stale.body)).status).toBe(400);
    expect(receiver.rejected.map((r) => r.reason)).toEqual(['signature: No matching signature found', 'signature: Message timestamp too old']);
    expect((await post(good.headers, good.body)).status).toBe(204);

    // The sender records results in batches, a few milliseconds after the receiver answered.
    const log = await eventually('the delivery recorded', async () => (await deliveries('department', sub.id)).find((d) => d.eventId === ours.id && d.status !== 'pending'));
    expect(log).toMatchObject({ status: 'delivered', attempts: 1, lastStatusCode: 204, caseNo: ours.data.caseNo, replay: false });
    expect(log.lastLatencyMs).toEqual(expect.any(Number));
  });

  it('while the receiver is down deliveries are retried; once it is back each event arrives exactly once by webhook-id, in order per case', async () => {
    const { receiver, sub } = await subscribe('department', { eventTypes: ['gm.case.reported.v1', 'gm.case.accepted.v1', 'gm.case.registered.v1'] });
    await receiver.stop();
    const a = aCaseReported({ categoryCode: URBAN });
    const b = aCaseReported({ categoryCode: URBAN });
    const a1 = aCaseTransition('accept', a.data);
    const a2 = aCaseTransition('register', { ...a1.data, state: a1.data.to });
    const b1 = aCaseTransition('accept', b.data);
    const ignored = aCaseTransition('dispatch', { ...a2.data, state: a2.data.to }, { assignee: { kind: 'unit', code: DEMO_GRID } });
    for (const e of [a, b, a1, b1, a2, ignored]) await publish(e);
    await eventually('failed attempts', async () => (await deliveries('department', sub.id)).filter((d) => d.attempts >= 2 && d.lastError?.includes('ECONNREFUSED')).length >= 2);
    expect(receiver.requests).toBe(0);
    await receiver.start();
    const ids = [a, b, a1, b1, a2].map((e) => e.id);
    await eventually('every event', () => ids.every((id) => receiver.uniqueIds().includes(id)));
    await new Promise((r) => setTimeout(r, 500));
    expect(receiver.accepted.map((d) => d.webhookId).sort()).toEqual([...ids].sort());
    const order = receiver.accepted.map((d) => d.webhookId);
    expect(order.indexOf(a.id)).toBeLessThan(order.indexOf(a1.id));
    expect(order.indexOf(a1.id)).toBeLessThan(order.indexOf(a2.id));
    expect(order.indexOf(b.id)).toBeLessThan(order.indexOf(b1.id));
    const log = await deliveries('department', sub.id);
    expect(log.every((d) => d.status === 'delivered')).toBe(true);
    const first = log.find((d) => d.eventId === a.id)!;
    expect(first.attempts).toBeGreaterThanOrEqual(2);
    const detail = expectShape(deliveryDetailSchema, (await call('department', 'GET', `/api/v1/subscriptions/${sub.id}/deliveries/${first.id}`)).body);
    expect(detail.log.length).toBe(detail.attempts);
    expect(detail.log.at(-1)).toMatchObject({ statusCode: 204, error: null });
    expect(detail.log[0]).toMatchObject({ statusCode: null, error: expect.stringContaining('ECONNREFUSED') });
  });

  it('a delivery retried past the horizon is dead-lettered and re-delivered by hand', async () => {
    const { receiver, sub } = await subscribe('department');
    receiver.answer = 503;
    const e = aCaseReported({ categoryCode: URBAN });
    await publish(e);
    const dead = await eventually('the dead letter', async () => (await deliveries('department', sub.id, 'dead')).find((d) => d.eventId === e.id));
    expect(dead.attempts).toBeGreaterThanOrEqual(3);
    expect(dead.lastStatusCode).toBe(503);
    expect(receiver.uniqueIds()).toEqual([]);
    receiver.answer = 200;
    const again = await call('department', 'POST', `/api/v1/subscriptions/${sub.id}/deliveries/${dead.id}/redeliver`);
    expect(again.status).toBe(202);
    await eventually('the re-delivery', () => receiver.uniqueIds().includes(e.id));
    expect((await call('department', 'POST', `/api/v1/subscriptions/${sub.id}/deliveries/${dead.id}/redeliver`)).status).toBe(400);
    expect(expectShape(subscriptionViewSchema, (await call('department', 'GET', `/api/v1/subscriptions/${sub.id}`)).body).counts).toMatchObject({ dead: 0, pending: 0, delivered: 1 });
  });

  it('an answer of 410 Gone disables the subscription; re-enabled, what waited is delivered', async () => {
    const { receiver, sub } = await subscribe('department');
    receiver.answer = 410;
    const e = aCaseReported({ categoryCode: URBAN });
    await publish(e);
    const disabled = await eventually('the subscription disabled', async () => {
      const s = expectShape(subscriptionViewSchema, (await call('department', 'GET', `/api/v1/subscriptions/${sub.id}`)).body);
      return s.status === 'disabled' ? s : undefined;
    });
    expect(disabled).toMatchObject({ disabledReason: 'gone', counts: { pending: 1 } });
    const requests = receiver.requests;
    await new Promise((r) => setTimeout(r, 600));
    expect(receiver.requests).toBe(requests);
    receiver.answer = 204;
    expect((await call('department', 'PATCH', `/api/v1/subscriptions/${sub.id}`, { status: 'active' })).status).toBe(200);
    await eventually('the waiting delivery', () => receiver.uniqueIds().includes(e.id));
  });

  it('a replay from a time re-delivers exactly the events since then; from an event id, those after it', async () => {
    const { receiver, sub } = await subscribe('department');
    const before = aCaseReported({ categoryCode: URBAN }, new Date(Date.now() - 60_000));
    await publish(before);
    await eventually('the earlier event', () => receiver.uniqueIds().includes(before.id));
    const since = new Date();
    await new Promise((r) => setTimeout(r, 5));
    const after = [aCaseReported({ categoryCode: URBAN }), aCaseReported({ categoryCode: URBAN }), aCaseReported({ categoryCode: URBAN })];
    for (const e of after) await publish(e);
    await eventually('the later events', () => after.every((e) => receiver.uniqueIds().includes(e.id)));
    // Recorded as delivered (the sender records results in batches): a replay does not queue an event again while its delivery is still pending.
    await eventually('the deliveries recorded', async () => {
      const done = (await deliveries('department', sub.id, 'delivered')).map((d) => d.eventId);
      return [before, ...after].every((e) => done.includes(e.id));
    });
    const count = (id: string) => receiver.accepted.filter((d) => d.webhookId === id).length;

    const replay = await call('department', 'POST', `/api/v1/subscriptions/${sub.id}/replay`, { since: since.toISOString() });
    expect(replay.status).toBe(202);
    expect(expectShape(queuedSchema, replay.body).queued).toBe(3);
    await eventually('the replayed events', () => after.every((e) => count(e.id) === 2));
    expect(count(before.id)).toBe(1);

    const fromEvent = await call('department', 'POST', `/api/v1/subscriptions/${sub.id}/replay`, { afterEventId: after[0]!.id });
    expect(expectShape(queuedSchema, fromEvent.body).queued).toBe(2);
    await eventually('the events after it', () => count(after[1]!.id) === 3 && count(after[2]!.id) === 3);
    expect(count(after[0]!.id)).toBe(2);
    expect((await deliveries('department', sub.id)).filter((d) => d.replay)).toHaveLength(5);
  });

  it('a rotated secret signs beside the previous one while both are valid', async () => {
    const { receiver, sub } = await subscribe('department');
    const rotated = expectShape(secretRotatedSchema, (await call('department', 'POST', `/api/v1/subscriptions/${sub.id}/secret`, { overlapMinutes: 60 })).body);
    expect(rotated.previousExpiresAt).toEqual(expect.any(String));
    const view = expectShape(subscriptionViewSchema, (await call('department', 'GET', `/api/v1/subscriptions/${sub.id}`)).body);
    expect(view.secrets.map((s) => s.hint)).toEqual([rotated.secret.slice(-4), sub.secret.slice(-4)]);
    const e1 = aCaseReported({ categoryCode: URBAN });
    await publish(e1);
    // The receiver still knows only the old secret …
    await eventually('a delivery under the old secret', () => receiver.uniqueIds().includes(e1.id));
    expect(receiver.accepted.find((d) => d.webhookId === e1.id)!.signatures).toBe(2);
    // … or only the new one.
    receiver.secrets = [rotated.secret];
    const e2 = aCaseReported({ categoryCode: URBAN });
    await publish(e2);
    await eventually('a delivery under the new secret', () => receiver.uniqueIds().includes(e2.id));
    // With no overlap the previous secret stops at once.
    await call('department', 'POST', `/api/v1/subscriptions/${sub.id}/secret`, { overlapMinutes: 0 });
    expect(expectShape(subscriptionViewSchema, (await call('department', 'GET', `/api/v1/subscriptions/${sub.id}`)).body).secrets).toHaveLength(1);
  });

  it('a case dispatched to a department reaches it whatever its category, from the dispatch on', async () => {
    const { receiver } = await subscribe('department-water');
    const reported = aCaseReported({ categoryCode: URBAN });
    const dispatched = aCaseTransition('dispatch', reported.data, { from: 'registered', assignee: { kind: 'department', code: 'water' } });
    const started = aCaseTransition('start', { ...dispatched.data, state: 'dispatched' });
    for (const e of [reported, dispatched, started]) await publish(e);
    await eventually('the dispatch and what follows', () => [dispatched.id, started.id].every((id) => receiver.uniqueIds().includes(id)));
    expect(receiver.uniqueIds()).not.toContain(reported.id);
  });

  it('departments see their own subscriptions only; others may not subscribe', async () => {
    const { sub } = await subscribe('department');
    expect((await call('department-water', 'GET', `/api/v1/subscriptions/${sub.id}`)).status).toBe(404);
    expect((await call('department-water', 'PATCH', `/api/v1/subscriptions/${sub.id}`, { status: 'disabled' })).status).toBe(404);
    expect((await call('department-water', 'POST', `/api/v1/subscriptions/${sub.id}/replay`, { since: new Date().toISOString() })).status).toBe(404);
    const water = expectShape(subscriptionListSchema, (await call('department-water', 'GET', '/api/v1/subscriptions')).body).items;
    expect(water.every((s) => s.department === 'water')).toBe(true);
    const all = expectShape(subscriptionListSchema, (await call('admin', 'GET', '/api/v1/subscriptions')).body).items;
    expect(new Set(all.map((s) => s.department))).toEqual(new Set(['urban-management', 'water']));
    expect((await call('community', 'GET', '/api/v1/subscriptions')).status).toBe(403);
  });

  it('bad input is 400 naming the field, and nothing is created', async () => {
    const before = expectShape(subscriptionListSchema, (await call('admin', 'GET', '/api/v1/subscriptions')).body).items.length;
    const ok = { url: 'http://127.0.0.1:9/hook' };
    const short = `whsec_${randomBytes(8).toString('base64')}`;
    for (const [user, body, field] of [
      ['admin', { ...ok, department: 'astronomy' }, 'department'],
      ['admin', ok, 'department'],
      ['department', { ...ok, department: 'water' }, 'department'],
      ['department', { ...ok, filters: { categories: ['SJ9999'] } }, 'filters.categories.0'],
      ['department', { ...ok, filters: { categories: [WATER] } }, 'filters.categories.0'],
      ['department', { ...ok, filters: { categories: ['nonsense'] } }, 'filters.categories.0'],
      ['department', { ...ok, filters: { eventTypes: ['gm.case.exploded.v1'] } }, 'filters.eventTypes.0'],
      ['department', { ...ok, filters: { areas: ['350999'] } }, 'filters.areas.0'],
      ['department', { url: 'http://hooks.example.org/gm' }, 'url'],
      ['department', { url: 'https://10.1.2.3/gm' }, 'url'],
      ['department', { url: 'https://[::1]/gm' }, 'url'],
      ['department', { url: 'not a url' }, 'url'],
      ['department', { ...ok, secret: short }, 'secret'],
      ['department', { ...ok, secret: 'hunter2' }, 'secret'],
      ['department', { ...ok, colour: 'red' }, 'colour'],
    ] as const) {
      const res = await call(user, 'POST', '/api/v1/subscriptions', body);
      expect({ body, status: res.status }).toEqual({ body, status: 400 });
      expect({ body, fields: expectShape(errorBodySchema, res.body).errors?.map((e) => e.field) }).toEqual({ body, fields: expect.arrayContaining([field]) });
    }
    expect(expectShape(subscriptionListSchema, (await call('admin', 'GET', '/api/v1/subscriptions')).body).items.length).toBe(before);
    const { sub } = await subscribe('department');
    expect((await call('department', 'POST', `/api/v1/subscriptions/${sub.id}/replay`, {})).status).toBe(400);
    expect((await call('department', 'POST', `/api/v1/subscriptions/${sub.id}/replay`, { afterEventId: '00000000-0000-4000-8000-000000000000' })).status).toBe(400);
    expect((await call('department', 'PATCH', `/api/v1/subscriptions/${sub.id}`, { url: 'https://10.1.2.3/x' })).status).toBe(400);
    expect((await call('department', 'GET', `/api/v1/subscriptions/${sub.id}/deliveries/abc`)).status).toBe(400);
    expect((await call('department', 'GET', `/api/v1/subscriptions/${sub.id}/deliveries/12345`)).status).toBe(404);
    expect((await call('department', 'GET', '/api/v1/subscriptions/not-an-id')).status).toBe(400);
    // The service is still up and delivering.
    const { receiver } = await subscribe('department');
    const e = aCaseReported({ categoryCode: URBAN });
    await publish(e);
    await eventually('a delivery after the bad input', () => receiver.uniqueIds().includes(e.id));
  });
});
