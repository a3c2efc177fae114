import { randomBytes } from 'node:crypto';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstream, type JetStreamClient } from '@nats-io/jetstream';
import { inboxPageSchema, inboxReadAllSchema, namespace, scopedSubject, type CloudEvent } from '@gm/contracts';
import { subjectOf } from '@gm/auth';
import { aCaseReported, aCaseTransition, DEMO_GRID, expectShape, startInfra, startService, WebhookReceiver, type TestInfra, type TestService } from '@gm/testing';
import { AppModule } from '../../apps/service-office/src/app.module';
import { configSchema, type AppConfig } from '../../apps/service-office/src/config/config';
import { eventually } from './support';

describe('service-office tells reporters: each status change of their case and the closing note, in the app inbox and through the tier’s SMS gateway webhook (real PostgreSQL, NATS JetStream, OIDC, HTTP receiver)', () => {
  let infra: TestInfra;
  let svc: TestService<AppConfig>;
  let nc: NatsConnection;
  let js: JetStreamClient;
  let gateway: WebhookReceiver;
  const tokens: Record<string, string> = {};
  const reporter = subjectOf('gw-07');

  const publish = async (event: CloudEvent, msgID = event.id) => {
    await js.publish(scopedSubject(namespace(infra.nats.namespace), event.type), JSON.stringify(event), { msgID });
  };
  const call = async (user: string, method: string, path: string) => {
    const res = await fetch(`${svc.url}${path}`, { method, headers: { authorization: `Bearer ${tokens[user]}` } });
    return { status: res.status, body: res.status === 204 ? undefined : ((await res.json()) as unknown) };
  };
  const inbox = async (user: string, query = '') => expectShape(inboxPageSchema, (await call(user, 'GET', `/api/v1/inbox${query}`)).body);

  beforeAll(async () => {
    infra = await startInfra();
    const secret = `whsec_${randomBytes(32).toString('base64')}`;
    gateway = await new WebhookReceiver(secret).start();
    svc = await startService(
      { configSchema, module: (c, l) => AppModule.forRoot(c, l) },
      infra.env({ WEBHOOK_ALLOW_HOSTS: '127.0.0.1', WEBHOOK_POLL_MS: '100', NOTIFY_GATEWAY_URL: gateway.url, NOTIFY_GATEWAY_SECRET: secret, NOTIFY_GATEWAY_CHANNEL: 'sms' }),
    );
    nc = await connect({ servers: infra.nats.url });
    js = jetstream(nc);
    for (const u of ['gw-07', 'gw-08']) tokens[u] = await infra.oidc.tokenFor(u);
    await eventually('the case stream', async () => publish(aCaseReported({ categoryCode: 'SJ0201', reporter: { subject: subjectOf('nobody'), role: 'grid-worker' } })).then(() => true, () => false));
  });

  afterAll(async () => {
    await gateway?.stop();
    await nc?.close();
    await svc?.close();
    await infra?.close();
  });

  it('the reporter hears each status change once, closing note included, in the inbox and through the gateway; steps that change nothing for them and escalated copies tell nobody', async () => {
    const reported = aCaseReported({ gridCode: DEMO_GRID, reporter: { subject: reporter, role: 'grid-worker' } });
    const of = reported.data;
    const steps: CloudEvent[] = [reported];
    let from = of.state;
    for (const action of ['accept', 'register', 'dispatch', 'urge', 'start', 'handle', 'verify', 'close'] as const) {
      const e = aCaseTransition(action, { ...of, state: from }, { reporters: [reporter], ...(action === 'close' && { note: '已清理完毕 cleared' }) });
      steps.push(e);
      from = e.data.to;
    }
    // A copy escalated here from a child tier: its reporter is told there, not here.
    const copy = aCaseReported({ gridCode: DEMO_GRID, reporter: { subject: reporter, role: 'grid-worker' }, receivedFrom: '350206001001' });
    for (const e of [...steps, copy, aCaseTransition('accept', copy.data, { reporters: [reporter] })]) await publish(e);
    // A redelivered event (another message, the same event) tells nobody twice.
    await publish(steps[1]!, `${steps[1]!.id}-again`);

    const mine = await eventually('eight messages', async () => {
      const page = await inbox('gw-07');
      return page.items.length >= 8 && page.total === page.items.length && page;
    });
    expect(mine.total).toBe(8);
    expect(mine.unread).toBe(8);
    expect(mine.items.map((m) => m.title.zh).reverse()).toEqual(['上报已收到', '已受理', '已立案', '已派遣', '处置中', '已处置', '已核查', '已办结']);
    expect(mine.items[0]).toMatchObject({
      kind: 'case-status',
      ref: { type: 'case', id: of.caseId, no: of.caseNo },
      body: { zh: `您上报的问题 ${of.caseNo} 已办结。处理结果：已清理完毕 cleared`, en: `Your report ${of.caseNo} has been closed. Outcome: 已清理完毕 cleared` },
      readAt: null,
    });
    expect((await inbox('gw-08')).total).toBe(0);

    // The gateway got one signed CloudEvent per message, in order, naming the reporter by pseudonym only.
    const toReporter = () => gateway.accepted.filter((d) => (d.event.data as { recipient: string }).recipient === reporter);
    const sent = await eventually('eight gateway deliveries', async () => toReporter().length >= 8 && toReporter());
    await new Promise((r) => setTimeout(r, 300));
    expect(toReporter()).toHaveLength(8);
    expect(gateway.rejected).toEqual([]);
    expect(sent.map((d) => (d.event.data as { template: string }).template)).toEqual([
      'case.received',
      'case.accepted',
      'case.registered',
      'case.dispatched',
      'case.started',
      'case.handled',
      'case.verified',
      'case.closed',
    ]);
    expect(sent[7]!.event).toMatchObject({ type: 'gm.notification.case-status.v1', data: { recipient: reporter, channel: 'sms', caseNo: of.caseNo, state: 'closed', text: { en: expect.stringContaining('Outcome: 已清理完毕') } } });

    // Read one, then all.
    expect((await call('gw-07', 'POST', `/api/v1/inbox/${mine.items[7]!.id}/read`)).status).toBe(204);
    expect((await inbox('gw-07', '?unread=true')).total).toBe(7);
    expect((await call('gw-08', 'POST', `/api/v1/inbox/${mine.items[6]!.id}/read`)).status).toBe(404);
    expect(expectShape(inboxReadAllSchema, (await call('gw-07', 'POST', '/api/v1/inbox/read-all')).body)).toEqual({ marked: 7 });
    expect((await inbox('gw-07')).unread).toBe(0);

    // Nothing in the service's log looks like an ID number or a phone number.
    const lines = svc.logs.lines.join('');
    expect(lines).not.toMatch(/\b\d{17}[\dX]\b/);
    expect(lines).not.toMatch(/\b1[3-9]\d{9}\b/);
  });
});
