import Dexie, { type EntityTable } from 'dexie';

/** What the handheld queues for the gateway's `POST /api/v1/sync` (the item types of the sync contract). */
export type QueuedType = 'report' | 'positions' | 'patrol-start' | 'patrol-points' | 'patrol-stop' | 'change-proposal' | 'visit' | 'case-action';

/** A photo taken with an item: kept on the device as a blob until it is in the tier's bucket. */
export interface QueuedPhoto {
  readonly name: string;
  readonly blob: Blob;
  /** Where the photo's key goes in the body (`evidence` of a report or an action). */
  readonly field: 'evidence';
  /** Set once uploaded (the bucket's key), so that a retry does not upload it twice. */
  key?: string;
}

export type QueuedState = 'waiting' | 'refused' | 'sent';

/** One write made on the device, waiting for (or answered by) the gateway. */
export interface QueuedItem {
  seq?: number;
  /** The item's idempotency key, made when it was made: a replay changes nothing. */
  readonly clientId: string;
  readonly type: QueuedType;
  readonly body: Record<string, unknown>;
  readonly photos: QueuedPhoto[];
  /** The account that made it: a queue is sent only with its maker's session. */
  readonly owner: string;
  readonly createdAt: string;
  /** What the worker sees in the queue (e.g. the report's category and first words). */
  readonly summary: string;
  state: QueuedState;
  attempts: number;
  lastError?: string;
  /** The gateway's answer once sent (a report's case number, …). */
  result?: unknown;
  sentAt?: string;
}

/** A copy of what the app read from the server, for opening and working offline. */
export interface Snapshot {
  readonly key: string;
  readonly value: unknown;
  readonly savedAt: string;
}

class HandheldDb extends Dexie {
  queue!: EntityTable<QueuedItem, 'seq'>;
  snapshots!: EntityTable<Snapshot, 'key'>;

  constructor() {
    super('gm-handheld');
    this.version(1).stores({
      // Sent in the order made; looked up by state and by client id.
      queue: '++seq, &clientId, state, owner, [owner+state]',
      snapshots: '&key',
    });
  }
}

export const db = new HandheldDb();
