import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager, type JetStreamClient } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { namespace, scopedSubject, type CloudEvent } from '@gm/contracts';
import { departmentInboxPrefix, departmentUserOf, natsConnectionOptions } from '@gm/messaging';
import { aCaseReported, aCaseTransition, startFederation, startInfra, startService, type TestFederation, type TestInfra, type TestService } from '@gm/testing';
import { AppModule } from '../../apps/service-office/src/app.module';
import { configSchema, type AppConfig } from '../../apps/service-office/src/config/config';

const TIER = '350206';
const WATER_STREAM = `DEPT_water_${TIER}`;
const URBAN_STREAM = `DEPT_urban-management_${TIER}`;

/**
 * A department's system on NATS (ADR 0014): with the credentials generated for it beside the tier's,
 * it reads its own feed (a durable consumer, replay from a sequence or a time) and is refused
 * everything else by the server's permissions.
 */
describe("departments' NATS credentials read their own feed and nothing else (real nats-server with the generated accounts, PostgreSQL)", () => {
  let infra: TestInfra;
  let fed: TestFederation;
  let svc: TestService<AppConfig>;
  let services: NatsConnection;
  let js: JetStreamClient;
  const water: NatsConnection[] = [];

  const publish = async (event: CloudEvent) => {
    await js.publish(scopedSubject(namespace(TIER), event.type), JSON.stringify(event), { msgID: event.id });
  };
  const eventually = async <T>(what: string, check: () => Promise<T | undefined | false>, ms = 20_000): Promise<T> => {
    const until = Date.now() + ms;
    for (;;) {
      const v = await check().catch(() => undefined);
      if (v) return v;
      if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  const connectAs = async (department: string, inboxPrefix = departmentInboxPrefix(department)) => {
    const tier = fed.tier(TIER);
    const nc = await connect({ servers: `nats://127.0.0.1:${tier.clientPort}`, user: departmentUserOf(department), pass: tier.departmentPasswords[department]!, inboxPrefix });
    water.push(nc);
    return nc;
  };
  /** The events a consumer of the water feed reads, until none comes for a while. */
  const readAll = async (nc: NatsConnection, config: Record<string, unknown>): Promise<CloudEvent[]> => {
    const jsm = await jetstreamManager(nc);
    const name = `water-${Math.random().toString(36).slice(2, 8)}`;
    await jsm.consumers.add(WATER_STREAM, { durable_name: name, ack_policy: AckPolicy.Explicit, ...config });
    const consumer = await jetstream(nc).consumers.get(WATER_STREAM, name);
    const out: CloudEvent[] = [];
    for (;;) {
      const batch = await consumer.fetch({ max_messages: 50, expires: 1000 });
      let n = 0;
      for await (const m of batch) {
        out.push(m.json<CloudEvent>());
        m.ack();
        n++;
      }
      if (n === 0) return out;
    }
  };

  beforeAll(async () => {
    [infra, fed] = await Promise.all([startInfra(), startFederation([{ code: TIER, parent: null }], { departments: ['water', 'urban-management'] })]);
    svc = await startService({ configSchema, module: (c, l) => AppModule.forRoot(c, l) }, infra.env({ NATS_URL: fed.tier(TIER).url, NATS_NAMESPACE: TIER }));
    services = await connect(natsConnectionOptions([fed.tier(TIER).url]));
    js = jetstream(services);
    await eventually('the case stream', () => publish(aCaseReported({ categoryCode: 'SJ0201' })).then(() => true));
  });

  afterAll(async () => {
    for (const nc of water) await nc.close().catch(() => undefined);
    await services?.close();
    await svc?.close();
    await Promise.allSettled([fed?.close(), infra?.close()]);
  });

  it('reads the events of its remit with a durable consumer, and replays from a sequence or a time', async () => {
    const ours = [aCaseReported({ categoryCode: 'BJ0101' }), aCaseReported({ categoryCode: 'BJ0102' })];
    const dispatched = aCaseReported({ categoryCode: 'SJ0101' });
    const toWater = aCaseTransition('dispatch', dispatched.data, { from: 'registered', assignee: { kind: 'department', code: 'water' } });
    const urban = aCaseReported({ categoryCode: 'SJ0101' });
    for (const e of [...ours, urban, dispatched, toWater]) await publish(e);
    const nc = await connectAs('water');
    const expected = [...ours.map((e) => e.id), toWater.id];
    const all = await eventually('the water feed', async () => {
      const got = await readAll(nc, { deliver_policy: DeliverPolicy.All });
      return expected.every((id) => got.some((e) => e.id === id)) ? got : undefined;
    });
    expect(all.map((e) => e.id)).toEqual(expected);
    expect(all.map((e) => e.id)).not.toContain(urban.id);

    // Replay: from the second message on, and from a time after the first two.
    expect((await readAll(nc, { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: 2 })).map((e) => e.id)).toEqual(expected.slice(1));
    const jsm = await jetstreamManager(nc);
    const third = await jsm.streams.getMessage(WATER_STREAM, { seq: 3 }).catch((err: unknown) => err);
    // Direct reads of the stream are not among its rights; a consumer from a time is.
    expect(third).toBeInstanceOf(Error);
    const since = new Date(Date.now() + 50);
    await new Promise((r) => setTimeout(r, 100));
    const later = aCaseReported({ categoryCode: 'BJ0101' });
    await publish(later);
    await eventually('the later event', async () => (await readAll(nc, { deliver_policy: DeliverPolicy.All })).some((e) => e.id === later.id));
    expect((await readAll(nc, { deliver_policy: DeliverPolicy.StartTime, opt_start_time: since.toISOString() })).map((e) => e.id)).toEqual([later.id]);
  });

  it("is refused another department's feed, the tier's own streams and subjects, and publishing (permission violations)", async () => {
    const nc = await connectAs('water');
    const violations: string[] = [];
    void (async () => {
      for await (const s of nc.status()) if (s.type === 'error') violations.push(String((s as { error?: unknown }).error));
    })();
    const jsm = await jetstreamManager(nc);
    await expect(jsm.consumers.add(URBAN_STREAM, { durable_name: 'snoop', ack_policy: AckPolicy.Explicit })).rejects.toThrow();
    await expect(jsm.consumers.add(`CASE_EVENTS_${TIER}`, { durable_name: 'snoop', ack_policy: AckPolicy.Explicit })).rejects.toThrow();
    await expect(jsm.streams.info(URBAN_STREAM)).rejects.toThrow();
    const sub = nc.subscribe(scopedSubject(namespace(TIER), 'gm.case.>'));
    nc.publish(scopedSubject(namespace(TIER), 'gm.case.reported.v1'), '{}');
    await nc.flush();
    await eventually('the violations', async () => violations.some((v) => /subscription/i.test(v) && v.includes('gm.350206.case.>')) && violations.some((v) => /publish/i.test(v)));
    expect(violations).toEqual(
      expect.arrayContaining([
        expect.stringContaining(`Permissions Violation for Publish to "$JS.API.CONSUMER.CREATE.${URBAN_STREAM}.snoop"`),
        expect.stringContaining(`Permissions Violation for Publish to "$JS.API.CONSUMER.CREATE.CASE_EVENTS_${TIER}.snoop"`),
        expect.stringContaining('Permissions Violation for Subscription to "gm.350206.case.>"'),
        expect.stringContaining('Permissions Violation for Publish to "gm.350206.case.reported.v1"'),
      ]),
    );
    sub.unsubscribe();

    // Nor can it read another department's replies by choosing a shared inbox.
    const shared = await connectAs('water', '_INBOX');
    await expect(jetstreamManager(shared).then((m) => m.streams.info(WATER_STREAM))).rejects.toThrow();
    // The urban management department's own credentials do read its feed.
    const urban = await connectAs('urban-management');
    expect((await (await jetstreamManager(urban)).streams.info(URBAN_STREAM)).config.name).toBe(URBAN_STREAM);
  });
});
