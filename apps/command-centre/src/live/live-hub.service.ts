import { Injectable, type BeforeApplicationShutdown } from '@nestjs/common';
import { OrgUnitCode } from '@gm/domain';

export interface LiveEntry {
  readonly eventId: string;
  readonly type: string;
  readonly unitCode: string;
  readonly envelope: unknown;
}

export interface LiveSubscriber {
  readonly scope: OrgUnitCode;
  /** Whole Server-Sent Events frames (see `sseFrame`), one or several, in order. */
  send(frames: Buffer): void;
  end(): void;
}

/** An event as one Server-Sent Events frame: `id:` = CloudEvent id, `event:` = its type, `data:` = the CloudEvent. */
export function sseFrame(entry: LiveEntry): Buffer {
  return Buffer.from(`id: ${entry.eventId}\nevent: ${entry.type}\ndata: ${JSON.stringify(entry.envelope)}\n\n`);
}

interface Subscription {
  readonly subscriber: LiveSubscriber;
  /** Frames published but not yet written; non-empty exactly while queued for the flush. */
  pending: Buffer[];
  closed: boolean;
}

/**
 * Subscribers written per turn of the event loop. A socket write costs a system call (10–20 µs
 * on a small VM), so writing to thousands of clients takes long enough for the next events to
 * arrive meanwhile; turns let them in (NATS, the inbox's database round trips), and a client
 * still waiting gets them all in one write. A hub that falls behind thus writes less per event
 * instead of falling further behind.
 */
const WRITES_PER_TURN = 256;

/**
 * Fans events out to connected live clients, each seeing only its org unit's subtree.
 * Subscribers are grouped by scope, so that an event is checked once per scope (a handful: the
 * units people watch) and serialized once, however many clients watch.
 */
@Injectable()
export class LiveHub implements BeforeApplicationShutdown {
  private readonly byScope = new Map<string, { readonly scope: OrgUnitCode; readonly subscriptions: Set<Subscription> }>();
  private count = 0;
  /** Subscriptions with pending frames, oldest first, from `next` on. */
  private queue: Subscription[] = [];
  private next = 0;
  private flushing = false;

  subscribe(subscriber: LiveSubscriber): () => void {
    const key = subscriber.scope.value;
    let group = this.byScope.get(key);
    if (!group) {
      group = { scope: subscriber.scope, subscriptions: new Set() };
      this.byScope.set(key, group);
    }
    const subscriptions = group.subscriptions;
    const subscription: Subscription = { subscriber, pending: [], closed: false };
    subscriptions.add(subscription);
    this.count += 1;
    return () => {
      if (subscription.closed) return;
      subscription.closed = true;
      subscriptions.delete(subscription);
      this.count -= 1;
      if (subscriptions.size === 0 && this.byScope.get(key)?.subscriptions === subscriptions) this.byScope.delete(key);
    };
  }

  /** Queues the event for every client whose scope contains it; returns how many. */
  publish(entry: LiveEntry): number {
    const unit = OrgUnitCode.parse(entry.unitCode);
    let frame: Buffer | undefined;
    let delivered = 0;
    for (const { scope, subscriptions } of this.byScope.values()) {
      if (!scope.contains(unit)) continue;
      frame ??= sseFrame(entry);
      for (const s of subscriptions) {
        if (s.pending.length === 0) this.queue.push(s);
        s.pending.push(frame);
      }
      delivered += subscriptions.size;
    }
    if (delivered > 0 && !this.flushing) {
      this.flushing = true;
      setImmediate(this.flush);
    }
    return delivered;
  }

  get size(): number {
    return this.count;
  }

  /** Open streams would keep the HTTP server from closing. */
  beforeApplicationShutdown(): void {
    for (const { subscriptions } of this.byScope.values()) for (const s of subscriptions) s.subscriber.end();
    this.byScope.clear();
    this.count = 0;
    this.queue = [];
    this.next = 0;
  }

  private readonly flush = (): void => {
    const end = Math.min(this.queue.length, this.next + WRITES_PER_TURN);
    for (; this.next < end; this.next++) {
      const s = this.queue[this.next]!;
      const frames = s.pending;
      s.pending = [];
      if (!s.closed) s.subscriber.send(frames.length === 1 ? frames[0]! : Buffer.concat(frames));
    }
    if (this.next < this.queue.length) {
      // Behind for a while: drop the written part rather than let the array grow.
      if (this.next >= 4 * WRITES_PER_TURN && this.next * 2 >= this.queue.length) {
        this.queue = this.queue.slice(this.next);
        this.next = 0;
      }
      setImmediate(this.flush);
      return;
    }
    this.queue = [];
    this.next = 0;
    this.flushing = false;
  };
}
