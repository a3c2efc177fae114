import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstream, jetstreamManager, type JetStreamManager, type StreamConfig } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { NATS_SERVER_BINARY, freePort, portAnswers, spawnProcess, waitFor, type Spawned } from '@gm/testing';
import { DOWNLINK_IN, UPLINK, UPLINK_AGGREGATE, childrenOf, downlinkStreamOf, leafUserOf, natsServerConfig, tierStreams, type FederationTier } from './topology';

const COMMUNITY = '350206001001';
const GRID_A = '350206001001-07';
const GRID_B = '350206001001-08';
const TIERS: FederationTier[] = [
  { code: COMMUNITY, parent: null },
  { code: GRID_A, parent: COMMUNITY },
  { code: GRID_B, parent: COMMUNITY },
];
const PASSWORD = { services: 'services-synthetic-pw', [GRID_A]: 'leaf-a-synthetic-pw', [GRID_B]: 'leaf-b-synthetic-pw' } as Record<string, string>;

interface Server {
  readonly code: string;
  readonly clientPort: number;
  readonly leafPort?: number;
  proc?: Spawned;
  readonly conf: string;
}

describe('federation topology on real nats-server processes (leafnodes, domains, stream sourcing, permissions)', () => {
  let dir: string;
  const servers = new Map<string, Server>();
  const connections: NatsConnection[] = [];

  const start = async (s: Server) => {
    s.proc = spawnProcess(NATS_SERVER_BINARY(), ['-c', s.conf]);
    await waitFor(`nats-server of ${s.code}`, () => portAnswers(s.clientPort));
  };
  const stop = async (s: Server) => {
    await s.proc?.stop();
    s.proc = undefined;
    await waitFor(`nats-server of ${s.code} to stop`, async () => !(await portAnswers(s.clientPort)));
  };
  const open = async (code: string, user = 'services', pass = PASSWORD['services']!) => {
    const nc = await connect({ servers: `127.0.0.1:${servers.get(code)!.clientPort}`, user, pass, reconnect: true, maxReconnectAttempts: -1, reconnectTimeWait: 200 });
    connections.push(nc);
    return nc;
  };
  const count = async (jsm: JetStreamManager, stream: string) => (await jsm.streams.info(stream)).state.messages;
  const eventually = (what: string, check: () => Promise<boolean>, ms = 30_000) => waitFor(what, () => check().catch(() => false), ms, 100);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gm-federation-'));
    const children = childrenOf(TIERS);
    for (const t of TIERS) {
      const kids = children.get(t.code)!;
      servers.set(t.code, { code: t.code, clientPort: await freePort(), ...(kids.length > 0 && { leafPort: await freePort() }), conf: join(dir, `${t.code}.conf`) });
    }
    for (const t of TIERS) {
      const s = servers.get(t.code)!;
      const parent = t.parent ? servers.get(t.parent)! : undefined;
      const text = natsServerConfig({
        tier: t,
        children: children.get(t.code)!,
        ports: { client: s.clientPort, leaf: s.leafPort },
        parentLeafUrl: parent ? `nats-leaf://127.0.0.1:${parent.leafPort}` : undefined,
        storeDir: join(dir, `${t.code}-js`),
        passwords: { services: PASSWORD['services']!, children: PASSWORD, uplink: PASSWORD[t.code] },
      });
      writeFileSync(s.conf, text);
    }
    for (const s of servers.values()) await start(s);
    // Streams as generated, on each tier (retried while the leaf links come up).
    for (const t of TIERS) {
      const jsm = await jetstreamManager(await open(t.code));
      for (const stream of tierStreams(t, children.get(t.code)!)) {
        await eventually(`stream ${stream.name} at ${t.code}`, async () => {
          await jsm.streams.add(stream as unknown as Partial<StreamConfig> & { name: string });
          return true;
        });
      }
    }
  });

  afterAll(async () => {
    await Promise.allSettled(connections.map((c) => c.close()));
    for (const s of servers.values()) await s.proc?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('generates a leaf user with permissions per child on the parent, and a remote on each child', () => {
    const parentConf = natsServerConfig({
      tier: TIERS[0]!,
      children: [GRID_A, GRID_B],
      ports: { client: 1, leaf: 2 },
      storeDir: '/var/lib/nats',
      passwords: { services: 's', children: PASSWORD },
    });
    expect(parentConf).toContain(`user: "${leafUserOf(GRID_A)}"`);
    expect(parentConf).toContain('domain: "d350206001001"');
    expect(parentConf).not.toContain('remotes');
    const childConf = natsServerConfig({ tier: TIERS[1]!, children: [], ports: { client: 3 }, parentLeafUrl: 'nats-leaf://127.0.0.1:2', storeDir: '/x', passwords: { services: 's', children: {}, uplink: 'p' } });
    expect(childConf).toContain(`remotes: [ { url: "nats-leaf://${leafUserOf(GRID_A)}:p@127.0.0.1:2", account: TIER } ]`);
    expect(childConf).not.toContain('listen: "127.0.0.1:2"');
  });

  it("aggregates both children's UPLINK at the parent, with their subjects, and nothing twice", async () => {
    const jsParent = await jetstreamManager(await open(COMMUNITY));
    const jsA = jetstream(await open(GRID_A));
    const jsB = jetstream(await open(GRID_B));
    for (let i = 0; i < 5; i++) await jsA.publish(`gm.${GRID_A}.uplink.case.escalated.v1`, `a${i}`, { msgID: `a-${i}` });
    for (let i = 0; i < 3; i++) await jsB.publish(`gm.${GRID_B}.uplink.case.escalated.v1`, `b${i}`, { msgID: `b-${i}` });
    // A duplicate publish at the origin is dropped there (Nats-Msg-Id), so it never crosses.
    await jsA.publish(`gm.${GRID_A}.uplink.case.escalated.v1`, 'a0', { msgID: 'a-0' });
    await eventually('8 messages in the aggregate', async () => (await count(jsParent, UPLINK_AGGREGATE)) === 8);
    const first = await jsParent.streams.getMessage(UPLINK_AGGREGATE, { seq: 1 });
    expect(first?.subject.startsWith('gm.350206001001-0')).toBe(true);
  });

  it("delivers to each child its own down stream only", async () => {
    const jsParent = jetstream(await open(COMMUNITY));
    await jsParent.publish(`gm.${GRID_A}.downlink.case.closed.v1`, 'closed-a1', { msgID: 'd-a1' });
    await jsParent.publish(`gm.${GRID_A}.downlink.case.closed.v1`, 'closed-a2', { msgID: 'd-a2' });
    await jsParent.publish(`gm.${GRID_B}.downlink.case.closed.v1`, 'closed-b1', { msgID: 'd-b1' });
    const jsmA = await jetstreamManager(await open(GRID_A));
    const jsmB = await jetstreamManager(await open(GRID_B));
    await eventually('2 at grid A and 1 at grid B', async () => (await count(jsmA, DOWNLINK_IN)) === 2 && (await count(jsmB, DOWNLINK_IN)) === 1);
    const msg = await jsmB.streams.getMessage(DOWNLINK_IN, { seq: 1 });
    expect(msg?.subject).toBe(`gm.${GRID_B}.downlink.case.closed.v1`);
    const jsmParent = await jetstreamManager(await open(COMMUNITY));
    expect([await count(jsmParent, downlinkStreamOf(GRID_A)), await count(jsmParent, downlinkStreamOf(GRID_B))]).toEqual([2, 1]);
  });

  it("a child cannot listen in on what the parent's sources deliver ($JS.S.>): each link's deliveries are in its child's own space", async () => {
    const nc = await connect({ servers: `127.0.0.1:${servers.get(COMMUNITY)!.clientPort}`, user: leafUserOf(GRID_A), pass: PASSWORD[GRID_A]!, reconnect: false });
    connections.push(nc);
    const tapped = (async () => {
      try {
        for await (const _m of nc.subscribe('$JS.S.>')) return 'received';
        return 'closed';
      } catch (err) {
        return String(err);
      }
    })();
    await nc.flush();
    expect(await tapped).toMatch(/Permissions Violation for Subscription to "\$JS\.S\.>"/);
    for (const s of tierStreams(TIERS[0]!, [GRID_A, GRID_B])) for (const src of (s.sources ?? []).filter((x) => x.external)) expect(src.external!.deliver).toMatch(/^gm\.350206001001-0[78]\.sourced$/);
  });

  it("a child may not create a consumer on its sibling's down stream at the parent (to read it with a filter of its choosing)", async () => {
    const nc = await connect({ servers: `127.0.0.1:${servers.get(COMMUNITY)!.clientPort}`, user: leafUserOf(GRID_A), pass: PASSWORD[GRID_A]!, reconnect: false });
    connections.push(nc);
    const errors: string[] = [];
    void (async () => {
      for await (const s of nc.status()) if (s.type === 'error') errors.push(String(s.error));
    })();
    const api = '$JS.d350206001001.API.CONSUMER.CREATE';
    const config = (stream: string) => JSON.stringify({ stream_name: stream, config: { ack_policy: 'none', deliver_subject: `gm.${GRID_A}.spy`, filter_subject: `gm.${GRID_B}.downlink.>` } });
    nc.publish(`${api}.${downlinkStreamOf(GRID_B)}`, config(downlinkStreamOf(GRID_B)));
    await nc.flush().catch(() => undefined);
    // (Asked of the parent itself, its own domain's API prefix is mapped to `$JS.API` before the check.)
    const refused = `CONSUMER.CREATE.${downlinkStreamOf(GRID_B)}"`;
    await eventually('the sibling consumer refused', async () => errors.some((e) => /Permissions Violation for Publish/.test(e) && e.includes(refused)), 5_000);
  });

  it("a tier's credentials cannot publish to or read another tier's subjects (permission violation)", async () => {
    const nc = await connect({ servers: `127.0.0.1:${servers.get(COMMUNITY)!.clientPort}`, user: leafUserOf(GRID_A), pass: PASSWORD[GRID_A]!, reconnect: false });
    connections.push(nc);
    const errors: string[] = [];
    void (async () => {
      for await (const s of nc.status()) if (s.type === 'error') errors.push(String(s.error));
    })();
    const sub = nc.subscribe(`gm.${GRID_B}.>`);
    const subError = (async () => {
      try {
        for await (const _m of sub) break;
        return 'no error';
      } catch (err) {
        return String(err);
      }
    })();
    nc.publish(`gm.${GRID_B}.uplink.case.escalated.v1`, 'forged');
    // Nor into its own down stream at the parent, which is the parent's to write.
    nc.publish(`gm.${GRID_A}.downlink.case.closed.v1`, 'forged from below');
    await nc.flush().catch(() => undefined);
    expect(await subError).toMatch(/Permissions Violation/i);
    await eventually('the publish violation reported', async () => errors.some((e) => /Permissions Violation for Publish to "gm\.350206001001-08\.uplink/i.test(e)), 5_000);
    await eventually('the downlink forgery refused', async () => errors.some((e) => /Permissions Violation for Publish to "gm\.350206001001-07\.downlink/i.test(e)), 5_000);
    // Its own subjects remain allowed.
    const own = nc.subscribe(`gm.${GRID_A}.probe`, { max: 1 });
    const got = (async () => {
      for await (const m of own) return m.string();
      return undefined;
    })();
    await nc.flush();
    (await open(COMMUNITY)).publish(`gm.${GRID_A}.probe`, 'ok');
    expect(await got).toBe('ok');
  });

  it("of its parent's subject space, a child may publish only its own attachment reads up (not as its sibling)", async () => {
    const nc = await connect({ servers: `127.0.0.1:${servers.get(COMMUNITY)!.clientPort}`, user: leafUserOf(GRID_A), pass: PASSWORD[GRID_A]!, reconnect: false });
    connections.push(nc);
    const errors: string[] = [];
    void (async () => {
      for await (const s of nc.status()) if (s.type === 'error') errors.push(String(s.error));
    })();
    const parent = await open(COMMUNITY);
    const heard: string[] = [];
    const sub = parent.subscribe(`gm.${COMMUNITY}.>`, { callback: (_e, m) => void heard.push(m.subject) });
    await parent.flush();
    nc.publish(`gm.${COMMUNITY}.rpc.case.report.v1`, 'forged');
    nc.publish(`gm.${COMMUNITY}.attachment.up.${GRID_B}.v1`, 'as the sibling');
    nc.publish(`gm.${COMMUNITY}.attachment.up.${GRID_A}.v1`, 'a read');
    await nc.flush().catch(() => undefined);
    await eventually('the read to arrive', async () => heard.includes(`gm.${COMMUNITY}.attachment.up.${GRID_A}.v1`), 5_000);
    await eventually('the forged publish refused', async () => errors.some((e) => /Permissions Violation for Publish to "gm\.350206001001\.rpc/i.test(e)), 5_000);
    await eventually('the publish as the sibling refused', async () => errors.some((e) => /Permissions Violation for Publish to "gm\.350206001001\.attachment\.up\.350206001001-08/i.test(e)), 5_000);
    sub.unsubscribe();
    expect(heard).toEqual([`gm.${COMMUNITY}.attachment.up.${GRID_A}.v1`]);
  });

  it('keeps what a grid sends while its parent is down and delivers it once when the parent returns', async () => {
    const parent = servers.get(COMMUNITY)!;
    const jsmParentBefore = await jetstreamManager(await open(COMMUNITY));
    const before = await count(jsmParentBefore, UPLINK_AGGREGATE);
    await stop(parent);
    const jsA = jetstream(await open(GRID_A));
    for (let i = 0; i < 20; i++) {
      const ack = await jsA.publish(`gm.${GRID_A}.uplink.case.escalated.v1`, `cut-${i}`, { msgID: `cut-${i}` });
      expect(ack.duplicate).toBe(false);
    }
    await start(parent);
    const jsmParent = await jetstreamManager(await open(COMMUNITY));
    await eventually('the 20 held messages in the aggregate', async () => (await count(jsmParent, UPLINK_AGGREGATE)) === before + 20, 60_000);
    // And no more than that, a little later.
    await new Promise((r) => setTimeout(r, 1_000));
    expect(await count(jsmParent, UPLINK_AGGREGATE)).toBe(before + 20);
  });
});
