import { ApiError, unwrap } from '../../shared/api/client';
import { gateway, type SyncAnswer } from '../handheld-api';
import { db, type QueuedItem, type QueuedPhoto } from './db';

/** What the queue's banner shows. */
export interface SyncStatus {
  readonly online: boolean;
  readonly sending: boolean;
  /** When the next try is due after a failure (ms since the epoch). */
  readonly retryAt?: number | undefined;
  readonly lastError?: string | undefined;
  readonly lastSentAt?: string | undefined;
}

const BATCH = 100;
const FIRST_BACKOFF_MS = 2_000;
const MAX_BACKOFF_MS = 5 * 60_000;
/** Even with nothing failing, the queue is looked at this often (an item made in another tab, a missed `online` event). */
const IDLE_CHECK_MS = 30_000;

/** The gateway refused this item for good (4xx): it is kept, marked, and not sent again. */
class Refusal extends Error {}

const PHOTO_TYPES = ['image/jpeg', 'image/png', 'image/webp'] as const;

/**
 * Sends the device's queue to the gateway, oldest first, whenever the network is there: each
 * item's photos to the tier's bucket (announced, then PUT to the presigned link; a key once had is
 * kept, so a retry does not upload twice), then the items in batches through `POST /api/v1/sync`.
 * Each item is answered on its own: stored (2xx) items are marked sent, refused (4xx) ones are
 * kept with the reason for the worker to see, and a failure (5xx, no answer) keeps the rest waiting
 * and tries again with exponential back-off and jitter (2 s … 5 min). An item sent twice (an answer
 * lost on the way) is answered as the first time by its client id, and changes nothing.
 */
export class SyncEngine {
  private status: SyncStatus = { online: navigator.onLine, sending: false };
  private readonly listeners = new Set<() => void>();
  private owner: string | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private backoffMs = 0;
  private running: Promise<void> | undefined;
  private again = false;

  start(owner: string): void {
    if (this.owner === owner) return;
    const first = this.owner === undefined;
    this.owner = owner;
    if (first) {
      window.addEventListener('online', () => {
        this.set({ online: true });
        this.backoffMs = 0;
        this.kick();
      });
      window.addEventListener('offline', () => this.set({ online: false }));
      document.addEventListener('visibilitychange', () => document.visibilityState === 'visible' && this.kick());
    }
    this.kick();
  }

  /** Try now (an item was queued, the network came back, the worker pressed 'send now'). */
  kick(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.run().finally(() => {
      this.running = undefined;
      if (this.again) {
        this.again = false;
        this.kick();
      }
    });
  }

  snapshot = (): SyncStatus => this.status;

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  private set(patch: Partial<SyncStatus>): void {
    this.status = { ...this.status, ...patch };
    for (const l of this.listeners) l();
  }

  private schedule(ms: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.kick(), ms);
  }

  private async run(): Promise<void> {
    const owner = this.owner;
    if (!owner) return;
    if (!navigator.onLine) {
      this.set({ online: false, sending: false });
      return this.schedule(IDLE_CHECK_MS);
    }
    this.set({ online: true, sending: true, retryAt: undefined });
    try {
      for (;;) {
        const batch = await db.queue.where('[owner+state]').equals([owner, 'waiting']).limit(BATCH).toArray();
        if (batch.length === 0) break;
        const ready: QueuedItem[] = [];
        for (const item of batch) {
          try {
            await this.uploadPhotos(item);
            ready.push(item);
          } catch (err) {
            if (!(err instanceof Refusal)) throw err;
            await db.queue.update(item.seq!, { state: 'refused', lastError: err.message, attempts: item.attempts + 1 });
          }
        }
        if (ready.length === 0) continue;
        const result = await unwrap(gateway.POST('/api/v1/sync', { body: { items: ready.map((i) => ({ clientId: i.clientId, type: i.type, body: bodyWithPhotos(i) })) } }));
        let failed: string | undefined;
        await db.transaction('rw', db.queue, async () => {
          for (const answer of result.items) {
            const item = ready.find((i) => i.clientId === answer.clientId);
            if (!item) continue;
            // A report the gateway could only queue (public-sentiment away) is not final: sent again later, it gets its case (ADR 0013).
            if (answer.status === 202 && item.type === 'report') {
              failed = 'queued at the tier; the case is not made yet';
              await db.queue.update(item.seq!, { lastError: failed, attempts: item.attempts + 1 });
            } else if (answer.status < 300) await db.queue.update(item.seq!, { state: 'sent', result: answer.result, sentAt: new Date().toISOString(), attempts: item.attempts + 1, lastError: undefined });
            else if (answer.status < 500) await db.queue.update(item.seq!, { state: 'refused', lastError: messageOf(answer), attempts: item.attempts + 1 });
            else {
              failed = messageOf(answer);
              await db.queue.update(item.seq!, { lastError: failed, attempts: item.attempts + 1 });
            }
          }
        });
        this.set({ lastSentAt: new Date().toISOString() });
        if (failed) throw new Error(failed);
      }
      this.backoffMs = 0;
      this.set({ sending: false, lastError: undefined });
      this.schedule(IDLE_CHECK_MS);
    } catch (err) {
      this.backoffMs = Math.min(MAX_BACKOFF_MS, this.backoffMs ? this.backoffMs * 2 : FIRST_BACKOFF_MS);
      const wait = Math.round(this.backoffMs * (0.5 + Math.random() / 2));
      this.set({ sending: false, online: navigator.onLine, lastError: err instanceof Error ? err.message : String(err), retryAt: Date.now() + wait });
      this.schedule(wait);
    }
  }

  private async uploadPhotos(item: QueuedItem): Promise<void> {
    for (const photo of item.photos) {
      if (photo.key) continue;
      photo.key = await uploadPhoto(photo);
      // Kept at once: a photo in the bucket is not sent again if the batch fails after it.
      await db.queue.update(item.seq!, { photos: item.photos });
    }
  }
}

async function uploadPhoto(photo: QueuedPhoto): Promise<string> {
  const type = (PHOTO_TYPES as readonly string[]).includes(photo.blob.type) ? (photo.blob.type as (typeof PHOTO_TYPES)[number]) : 'image/jpeg';
  let announced;
  try {
    announced = await unwrap(gateway.POST('/api/v1/attachments', { body: { contentType: type, sizeBytes: photo.blob.size } }));
  } catch (err) {
    if (err instanceof ApiError && err.status < 500 && err.status !== 401) throw new Refusal(`${photo.name}: ${err.message}`);
    throw err;
  }
  const res = await fetch(announced.upload.url, { method: 'PUT', headers: announced.upload.headers, body: photo.blob });
  if (!res.ok) throw new Error(`${photo.name}: the storage answered HTTP ${res.status}`);
  return announced.key;
}

/** The item's body with the keys of its uploaded photos in their field. */
function bodyWithPhotos(item: QueuedItem): Record<string, unknown> {
  if (item.photos.length === 0) return item.body;
  const keys = item.photos.map((p) => p.key!);
  if (item.type === 'case-action') {
    const inner = (item.body['body'] ?? {}) as Record<string, unknown>;
    return { ...item.body, body: { ...inner, evidence: [...((inner['evidence'] as string[] | undefined) ?? []), ...keys] } };
  }
  return { ...item.body, evidence: [...((item.body['evidence'] as string[] | undefined) ?? []), ...keys] };
}

function messageOf(answer: SyncAnswer): string {
  const e = answer.error;
  if (!e) return `HTTP ${answer.status}`;
  const fields = e.errors?.map((f) => `${f.field}: ${f.message}`).join('; ');
  return fields ? `${e.message} (${fields})` : e.message;
}

export const syncEngine = new SyncEngine();
