import { OrgUnitCode } from '@gm/domain';
import { LiveHub, sseFrame, type LiveEntry } from './live-hub.service';

const STREET = '350206001';
const COMMUNITY = '350206001001';
const OTHER_COMMUNITY = '350206001002';

function entry(n: number, unitCode: string): LiveEntry {
  return { eventId: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`, type: 'gm.case.reported.v1', unitCode, envelope: { id: n, unit: unitCode } };
}

/** A client that keeps what it was written, as text, and whether it was ended. */
function client(scope: string) {
  const writes: string[] = [];
  let ended = false;
  return {
    scope: OrgUnitCode.parse(scope),
    send: (frames: Buffer) => writes.push(frames.toString('utf8')),
    end: () => {
      ended = true;
    },
    writes,
    get text() {
      return writes.join('');
    },
    get ended() {
      return ended;
    },
  };
}

const turn = () => new Promise((r) => setImmediate(r));
const turns = async (n: number) => {
  for (let i = 0; i < n; i++) await turn();
};

describe('LiveHub', () => {
  it('writes an event as one SSE frame: id, event type, the CloudEvent as data', () => {
    expect(sseFrame(entry(1, COMMUNITY)).toString()).toBe(`id: 00000000-0000-4000-8000-000000000001\nevent: gm.case.reported.v1\ndata: {"id":1,"unit":"${COMMUNITY}"}\n\n`);
  });

  it('sends each client only the events of its subtree, in order, after the current turn', async () => {
    const hub = new LiveHub();
    const street = client(STREET);
    const community = client(COMMUNITY);
    const neighbour = client(OTHER_COMMUNITY);
    for (const c of [street, community, neighbour]) hub.subscribe(c);

    expect(hub.publish(entry(1, `${COMMUNITY}-01`))).toBe(2);
    expect(hub.publish(entry(2, `${OTHER_COMMUNITY}-03`))).toBe(2);
    expect(hub.publish(entry(3, '350206002001'))).toBe(0);
    // Nothing is written inside publish: the writes come on the next turn, both frames in one write.
    expect(street.writes).toEqual([]);
    await turns(2);

    expect(street.writes).toHaveLength(1);
    expect(street.text).toBe(sseFrame(entry(1, `${COMMUNITY}-01`)).toString() + sseFrame(entry(2, `${OTHER_COMMUNITY}-03`)).toString());
    expect(community.text).toBe(sseFrame(entry(1, `${COMMUNITY}-01`)).toString());
    expect(neighbour.text).toBe(sseFrame(entry(2, `${OTHER_COMMUNITY}-03`)).toString());
  });

  it('writes to thousands of clients over several turns, each client once, with every frame in order', async () => {
    const hub = new LiveHub();
    const clients = Array.from({ length: 1000 }, () => client(COMMUNITY));
    for (const c of clients) hub.subscribe(c);
    expect(hub.size).toBe(1000);

    hub.publish(entry(1, COMMUNITY));
    await turn();
    // Not everyone yet (a turn writes to a bounded number of clients) …
    const early = clients.filter((c) => c.writes.length > 0).length;
    expect(early).toBeGreaterThan(0);
    expect(early).toBeLessThan(1000);
    // … and an event published meanwhile joins the frames of those still waiting.
    hub.publish(entry(2, COMMUNITY));
    await turns(20);

    const expected = sseFrame(entry(1, COMMUNITY)).toString() + sseFrame(entry(2, COMMUNITY)).toString();
    for (const c of clients) expect(c.text).toBe(expected);
    const waited = clients.filter((c) => c.writes.length === 1).length;
    expect(waited).toBe(1000 - early);
  });

  it('a client that leaves gets nothing more, also what was queued for it; shutdown ends the others', async () => {
    const hub = new LiveHub();
    const leaving = client(COMMUNITY);
    const staying = client(COMMUNITY);
    const unsubscribe = hub.subscribe(leaving);
    hub.subscribe(staying);

    hub.publish(entry(1, COMMUNITY));
    unsubscribe();
    unsubscribe();
    expect(hub.size).toBe(1);
    await turns(2);
    expect(leaving.writes).toEqual([]);
    expect(staying.writes).toHaveLength(1);

    hub.beforeApplicationShutdown();
    expect(staying.ended).toBe(true);
    expect(leaving.ended).toBe(false);
    expect(hub.size).toBe(0);
    expect(hub.publish(entry(2, COMMUNITY))).toBe(0);
  });
});
