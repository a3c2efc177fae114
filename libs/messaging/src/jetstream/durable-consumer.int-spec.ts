import { jetstreamManager } from '@nats-io/jetstream';
import { headers as natsHeaders } from '@nats-io/transport-node';
import { createCloudEvent, Events, Headers, namespace, scopedSubject, type CloudEvent, type StreamDefinition } from '@gm/contracts';
import { HealthRegistry, JsonLogger } from '@gm/telemetry';
import { provideNats, waitFor, type TestNats } from '@gm/testing';
import type { MessagingOptions } from '../messaging-options';
import { NatsClient } from '../nats-client.service';
import { DurableConsumers, type BatchItem } from './durable-consumer.service';
import { JetStreamService } from './jetstream.service';

const STREAM: StreamDefinition = { key: 'RUNS_TEST', subjects: ['gm.uplink.>'], description: 'durable consumer runs (test)', maxAgeMs: 3_600_000, duplicateWindowMs: 60_000 };
const N = 12;

describe('DurableConsumers: messages already waiting go to handleBatch together, in stream order, each once', () => {
  let nats: TestNats;
  const logger = new JsonLogger('public-sentiment', 'error');
  const started: { client: NatsClient; consumers: DurableConsumers }[] = [];

  beforeAll(async () => {
    nats = await provideNats({ own: true });
  });

  afterAll(async () => {
    for (const s of started) {
      await s.consumers.onApplicationShutdown();
      await s.client.onApplicationShutdown();
    }
    await nats.close();
  });

  /** A consumer host of its own namespace (its own stream), as a service instance has. */
  const consumersOn = (ns: string) => {
    const opts: MessagingOptions = { servers: [nats.url], namespace: namespace(`${nats.namespace}-${ns}`), tier: '350206', service: 'public-sentiment' };
    const client = new NatsClient(opts, new HealthRegistry(), logger);
    client.onModuleInit();
    const js = new JetStreamService(opts, client, logger);
    const consumers = new DurableConsumers(opts, client, js, logger);
    started.push({ client, consumers });
    return { opts, client, js, consumers };
  };

  /** Publishes `n` tier summaries into the test stream; returns their event ids in publish order. */
  const publish = async (opts: MessagingOptions, client: NatsClient, js: JetStreamService, n: number): Promise<string[]> => {
    await js.ensureStreams([STREAM]);
    const jsc = js.client(await client.connection());
    const ids: string[] = [];
    for (let i = 0; i < n; i++) {
      const event = createCloudEvent(
        Events.tierSummary,
        { tier: '350206', at: new Date().toISOString(), tiers: ['350206'], counts: { total: i, open: 0, byState: {}, byCategory: {}, byLight: {}, byGrid: {} } },
        { source: '350206/test', tier: '350206' },
      );
      const h = natsHeaders();
      h.set(Headers.ceId, event.id);
      h.set(Headers.ceType, event.type);
      await jsc.publish(scopedSubject(opts.namespace, event.type), JSON.stringify(event), { msgID: event.id, headers: h });
      ids.push(event.id);
    }
    return ids;
  };

  /**
   * Runs a consumer whose first call is held until every message has been delivered to it (so that
   * the others are all waiting together when it comes to them), recording what each call got.
   */
  const run = async (durable: string, batch: (ids: string[]) => void) => {
    const { opts, client, js, consumers } = consumersOn(durable);
    const ids = await publish(opts, client, js, N);
    const calls: { batch: boolean; ids: string[] }[] = [];
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const first = async () => {
      if (calls.length === 0) await held;
    };
    consumers.start({
      stream: STREAM,
      filterSubject: 'gm.uplink.>',
      durable,
      handle: async (event: CloudEvent) => {
        await first();
        calls.push({ batch: false, ids: [event.id] });
      },
      handleBatch: async (items: readonly BatchItem[]) => {
        await first();
        const got = items.map((i) => i.event.id);
        calls.push({ batch: true, ids: got });
        batch(got);
      },
    });
    const jsm = await jetstreamManager(await client.connection());
    const stream = js.streamName(STREAM);
    const pending = async () => (await jsm.consumers.info(stream, durable).catch(() => undefined))?.num_ack_pending;
    await waitFor('every message delivered', async () => (await pending()) === N, 30_000, 50);
    release();
    return { ids, calls, pending };
  };

  it('hands the waiting ones to handleBatch at once, in order, and acks them all', async () => {
    const { ids, calls, pending } = await run('test-runs', () => undefined);
    await waitFor('every message acked', async () => (await pending()) === 0, 30_000, 50);
    expect(calls.flatMap((c) => c.ids)).toEqual(ids);
    expect(calls.some((c) => c.batch && c.ids.length > 1)).toBe(true);
  });

  it('when handleBatch throws, handles the same events one by one, in order', async () => {
    let attempts = 0;
    const { ids, calls, pending } = await run('test-runs-fallback', () => {
      attempts += 1;
      throw new Error('all or nothing');
    });
    await waitFor('every message acked', async () => (await pending()) === 0, 30_000, 50);
    expect(attempts).toBeGreaterThan(0);
    expect(calls.filter((c) => !c.batch).flatMap((c) => c.ids)).toEqual(ids);
  });
});
