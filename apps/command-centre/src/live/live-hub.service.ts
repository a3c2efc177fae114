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
  send(entry: LiveEntry): void;
  end(): void;
}

/** Fans events out to connected live clients, each seeing only its org unit's subtree. */
@Injectable()
export class LiveHub implements BeforeApplicationShutdown {
  private readonly subscribers = new Set<LiveSubscriber>();

  subscribe(s: LiveSubscriber): () => void {
    this.subscribers.add(s);
    return () => this.subscribers.delete(s);
  }

  publish(entry: LiveEntry): number {
    const unit = OrgUnitCode.parse(entry.unitCode);
    let delivered = 0;
    for (const s of this.subscribers) {
      if (s.scope.contains(unit)) {
        s.send(entry);
        delivered += 1;
      }
    }
    return delivered;
  }

  get size(): number {
    return this.subscribers.size;
  }

  /** Open streams would keep the HTTP server from closing. */
  beforeApplicationShutdown(): void {
    for (const s of this.subscribers) s.end();
    this.subscribers.clear();
  }
}
