import { jetstreamManager } from '@nats-io/jetstream';
import pg from 'pg';
import { Events, namespace, type StreamDefinition } from '@gm/contracts';
import { afterCommit, migrate, openDatabase, RawSql, type MikroORM } from '@gm/persistence';
import { HealthRegistry, JsonLogger, ServiceMetrics } from '@gm/telemetry';
import { provideDatabase, provideNats, waitFor, type TestDatabase, type TestNats } from '@gm/testing';
import type { MessagingOptions } from '../messaging-options';
import { NatsClient } from '../nats-client.service';
import { JetStreamService } from '../jetstream/jetstream.service';
import { OutboxMessage } from './outbox-message.entity';
import { OutboxRelay } from './outbox-relay.service';
import { Outbox } from './outbox.service';
import { OUTBOX_ORDER_MIGRATION, PLATFORM_MIGRATION } from './platform.migration';

const SCHEMA = 'relay_test';
const TOTAL = 240;

// Far longer than any wait below: every publish here is woken by the commit itself (the persistence
// layer's commit hook, ADR 0019), never found by polling.
const POLL_MS = 120_000;

describe('OutboxRelay: two replicas on one schema publish every committed row once, in the order written, woken by the commit, and survive losing their connection', () => {
  let db: TestDatabase;
  let nats: TestNats;
  let orm: MikroORM;
  let admin: pg.Client;
  let opts: MessagingOptions;
  let stream: StreamDefinition;
  const logger = new JsonLogger('public-sentiment', 'error');
  const clients: NatsClient[] = [];
  const relays: OutboxRelay[] = [];
  let outbox: Outbox;

  beforeAll(async () => {
    db = await provideDatabase();
    nats = await provideNats({ own: true });
    orm = await openDatabase({ url: db.url, schema: SCHEMA, entities: [OutboxMessage], migrations: [PLATFORM_MIGRATION, OUTBOX_ORDER_MIGRATION] });
    await migrate(orm, { url: db.url, schema: SCHEMA });
    admin = new pg.Client({ connectionString: db.url });
    await admin.connect();
    opts = { servers: [nats.url], namespace: namespace(`${nats.namespace}-relay`), tier: '350206', service: 'public-sentiment' };
    stream = { key: 'RELAY_TEST', subjects: ['gm.case.>'], description: 'outbox relay (test)', maxAgeMs: 3_600_000, duplicateWindowMs: 120_000 };
    outbox = new Outbox(opts);
    // Two replicas of one service: each its own NATS connection and relay, one schema, one outbox.
    for (let i = 0; i < 2; i++) {
      const client = new NatsClient(opts, new HealthRegistry(), logger);
      client.onModuleInit();
      clients.push(client);
      const relay = new OutboxRelay(orm, client, new JetStreamService(opts, client, logger), outbox, logger, opts, { streams: [stream], pollIntervalMs: POLL_MS }, new ServiceMetrics({ service: 'public-sentiment', tier: '350206' }));
      relays.push(relay);
    }
    for (const r of relays) r.onApplicationBootstrap();
    // Each relay has connected and listens (its first batch ran at start).
    await waitFor('both relays listening', async () => (await listening()) === 2, 15_000, 50);
  });

  afterAll(async () => {
    for (const r of relays) await r.onApplicationShutdown();
    for (const c of clients) await c.onApplicationShutdown();
    await admin?.end();
    await orm?.close();
    await nats?.close();
    await db?.drop();
  });

  /** Commits `n` events in one transaction; returns their ids in the order they were added. */
  const commit = async (n: number, from: number): Promise<string[]> => {
    const ids: string[] = [];
    await orm.em.fork().transactional(async (tx) => {
      for (let i = 0; i < n; i++) {
        const e = outbox.add(tx, Events.caseUrged, urged(from + i), `case-${from + i}`);
        ids.push(e.id);
      }
    });
    return ids;
  };
  const listening = async () =>
    Number((await admin.query<{ n: string }>(`SELECT count(*) AS n FROM pg_stat_activity WHERE application_name LIKE '%outbox relay' AND datname = current_database()`)).rows[0]!.n);

  /** What the stream holds, in stream order: event ids. */
  const published = async (): Promise<string[]> => {
    const nc = await clients[0]!.connection();
    const jsm = await jetstreamManager(nc);
    const name = new JetStreamService(opts, clients[0]!, logger).streamName(stream);
    const info = await jsm.streams.info(name).catch(() => undefined);
    const ids: string[] = [];
    for (let seq = 1; seq <= (info?.state.last_seq ?? 0); seq++) {
      const m = await jsm.streams.getMessage(name, { seq });
      if (m) ids.push(m.header.get('Nats-Msg-Id'));
    }
    return ids;
  };
  const unsent = async () => Number((await admin.query<{ n: string }>(`SELECT count(*) AS n FROM ${SCHEMA}.outbox WHERE sent_at IS NULL`)).rows[0]!.n);

  it('publishes each row once, in the order written, with both replicas running', async () => {
    const expected: string[] = [];
    for (let b = 0; b < TOTAL / 8; b++) expected.push(...(await commit(8, b * 8)));
    await waitFor('every row marked sent', async () => (await unsent()) === 0, 30_000, 50);
    const ids = await published();
    expect(ids).toHaveLength(TOTAL);
    expect(new Set(ids).size).toBe(TOTAL);
    expect(ids).toEqual(expected);
  });

  it("keeps going when the relay's own database connection is killed: nothing lost, nothing doubled", async () => {
    const before = (await published()).length;
    const first = await commit(10, 1000);
    await waitFor('the first 10 sent', async () => (await unsent()) === 0, 30_000, 50);
    // The relays' connections (application_name "<service> outbox relay"), killed under them.
    const killed = await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name LIKE '%outbox relay' AND datname = current_database()`);
    expect(killed.rowCount).toBeGreaterThan(0);
    const second = await commit(10, 2000);
    await waitFor('the next 10 sent after reconnecting', async () => (await unsent()) === 0, 30_000, 50);
    const ids = (await published()).slice(before);
    expect(ids).toEqual([...first, ...second]);
  });

  it("runs the persistence layer's commit hooks on the ORM's commit, and not on its rollback", async () => {
    const calls: string[] = [];
    await orm.em.fork().transactional(async (tx) => {
      afterCommit(tx, () => calls.push('committed'));
      expect(calls).toEqual([]);
    });
    expect(calls).toEqual(['committed']);
    await expect(
      orm.em.fork().transactional(async (tx) => {
        afterCommit(tx, () => calls.push('rolled back'));
        throw new Error('no');
      }),
    ).rejects.toThrow('no');
    expect(calls).toEqual(['committed']);
  });

  it('is woken by a commit of a plain pg transaction (RawSql), and never by one rolled back', async () => {
    const before = (await published()).length;
    const sql = new RawSql(db.url, 1);
    try {
      let dropped = '';
      await expect(
        sql.transaction(async (client) => {
          dropped = (await outbox.addWith(client, SCHEMA, Events.caseUrged, urged(3000), 'case-3000')).id;
          throw new Error('changed my mind');
        }),
      ).rejects.toThrow('changed my mind');
      const kept = await sql.transaction((client) => outbox.addWith(client, SCHEMA, Events.caseUrged, urged(3001), 'case-3001'));
      await waitFor('the committed row sent', async () => (await unsent()) === 0 && (await published()).length > before, 30_000, 50);
      const ids = (await published()).slice(before);
      expect(ids).toEqual([kept.id]);
      expect(ids).not.toContain(dropped);
    } finally {
      await sql.close();
    }
  });
});

function urged(i: number) {
  return {
    caseId: '00000000-0000-4000-8000-' + String(i).padStart(12, '0'),
    caseNo: `350206-20261202-${String(i).padStart(5, '0')}`,
    action: 'urge' as const,
    from: 'dispatched' as const,
    to: 'dispatched' as const,
    categoryCode: 'BJ0101',
    urgency: 'normal' as const,
    gridCode: '350206001001-07',
    at: new Date().toISOString(),
    actor: { subject: 'sub-supervisor', role: 'street-staff' },
    reporters: ['sub-reporter'],
    step: 'handle' as const,
    deadlineAt: null,
    reworkCount: 0,
  };
}
