import type { paths as MobileGateway } from '../shared/api/generated/mobile-gateway';
import { ApiError, clientFor } from '../shared/api/client';
import type { Json } from '../shared/api/types';
import { db } from './offline/db';

/** The gateway that serves the handheld: its API is on the app's own origin. */
export const gateway = clientFor<MobileGateway>('');

export type TaskPage = Json<MobileGateway['/api/v1/tasks']['get']>;
export type Task = TaskPage['items'][number];
export type SyncResult = Json<MobileGateway['/api/v1/sync']['post']>;
export type SyncAnswer = SyncResult['items'][number];
export type PatrolView = Json<MobileGateway['/api/v1/patrols/{id}']['get']>;
export type DutyView = Json<MobileGateway['/api/v1/duty']['get']>;

/** The network failed (no answer), as opposed to an answer refusing the call. */
export function isNetworkFailure(err: unknown): boolean {
  return !(err instanceof ApiError) || err.status >= 500;
}

/**
 * Reads from the server and keeps a copy on the device; without the network (or with the server
 * failing) the copy last read is answered instead, so that the app works offline. A refusal (4xx)
 * is not papered over.
 */
export async function readThrough<T>(key: string, fetcher: () => Promise<T>): Promise<T> {
  try {
    const value = await fetcher();
    await db.snapshots.put({ key, value, savedAt: new Date().toISOString() });
    return value;
  } catch (err) {
    if (!isNetworkFailure(err)) throw err;
    const kept = await db.snapshots.get(key);
    if (kept) return kept.value as T;
    throw err;
  }
}
