import { useEffect, useState, useSyncExternalStore } from 'react';
import { liveQuery } from 'dexie';
import { db, type QueuedItem, type QueuedPhoto, type QueuedType } from './db';
import { syncEngine, type SyncStatus } from './sync-engine';

/** A client id for an item (its idempotency key at the gateway), made when the item is made. */
export function newClientId(): string {
  return crypto.randomUUID();
}

/**
 * Every write of the handheld goes here first: into the device's queue (IndexedDB, kept when the
 * app is closed), then to the gateway as soon as the network allows.
 */
export async function enqueue(owner: string, item: { type: QueuedType; body: Record<string, unknown>; summary: string; photos?: { name: string; blob: Blob }[]; clientId?: string }): Promise<QueuedItem> {
  const queued: QueuedItem = {
    clientId: item.clientId ?? newClientId(),
    type: item.type,
    body: item.body,
    photos: (item.photos ?? []).map((p): QueuedPhoto => ({ name: p.name, blob: p.blob, field: 'evidence' })),
    owner,
    createdAt: new Date().toISOString(),
    summary: item.summary,
    state: 'waiting',
    attempts: 0,
  };
  queued.seq = await db.queue.add(queued);
  syncEngine.kick();
  return queued;
}

/** A query of the device's database, kept up to date as it changes (Dexie's liveQuery). */
export function useLive<T>(query: () => Promise<T>, deps: readonly unknown[], initial: T): T {
  const [value, setValue] = useState<T>(initial);
  useEffect(() => {
    const sub = liveQuery(query).subscribe({ next: setValue, error: () => undefined });
    return () => sub.unsubscribe();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, deps);
  return value;
}

/** The worker's queue, newest first (what is waiting, refused, and recently sent). */
export function useQueue(owner: string): QueuedItem[] {
  return useLive(() => db.queue.where('owner').equals(owner).reverse().sortBy('seq'), [owner], []);
}

export function useWaitingCount(owner: string): number {
  return useLive(() => db.queue.where('[owner+state]').equals([owner, 'waiting']).count(), [owner], 0);
}

export function useSyncStatus(): SyncStatus {
  return useSyncExternalStore(syncEngine.subscribe, syncEngine.snapshot);
}

/** A refused item is answered the same way however often it is sent (its client id is recorded): the worker may remove it. */
export async function discard(seq: number): Promise<void> {
  await db.queue.delete(seq);
}
