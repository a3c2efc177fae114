import { createContext, useContext, useEffect, useRef, useState, type ReactNode } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { accessToken } from '../auth/auth';
import { readSse } from './sse';
import { applyLiveEvent, type CaseEvent } from './live-cache';

type Listener = (e: CaseEvent) => void;

interface LiveState {
  readonly connected: boolean;
  subscribe(listener: Listener): () => void;
}

const LiveContext = createContext<LiveState>({ connected: false, subscribe: () => () => undefined });

export const useLiveStatus = (): boolean => useContext(LiveContext).connected;

/** Calls `listener` with each case event of the caller's subtree as it happens. */
export function useLiveEvents(listener: Listener): void {
  const { subscribe } = useContext(LiveContext);
  const ref = useRef(listener);
  ref.current = listener;
  useEffect(() => subscribe((e) => ref.current(e)), [subscribe]);
}

/**
 * The tier's live feed (command-centre `/api/v1/live`): every case event of the caller's subtree,
 * applied to the cached queries as it arrives (new and changed cases appear without a reload), with
 * reconnection and catch-up (Last-Event-ID) when the connection drops.
 */
export function LiveFeedProvider({ children }: { children: ReactNode }) {
  const queryClient = useQueryClient();
  const [connected, setConnected] = useState(false);
  const listeners = useRef(new Set<Listener>());
  const [state] = useState<Omit<LiveState, 'connected'>>(() => ({
    subscribe(listener) {
      listeners.current.add(listener);
      return () => listeners.current.delete(listener);
    },
  }));

  useEffect(() => {
    const abort = new AbortController();
    let lastEventId: string | undefined;
    void (async () => {
      let delay = 1000;
      while (!abort.signal.aborted) {
        try {
          const token = await accessToken();
          await readSse(
            '/api/v1/live',
            { ...(token && { authorization: `Bearer ${token}` }), ...(lastEventId && { 'last-event-id': lastEventId }) },
            abort.signal,
            () => {
              setConnected(true);
              delay = 1000;
            },
            (e) => {
              lastEventId = e.id ?? lastEventId;
              let event: CaseEvent;
              try {
                event = JSON.parse(e.data) as CaseEvent;
              } catch {
                return;
              }
              applyLiveEvent(queryClient, event);
              for (const l of listeners.current) l(event);
            },
          );
        } catch {
          // Reconnect below.
        }
        setConnected(false);
        if (abort.signal.aborted) break;
        await new Promise((r) => setTimeout(r, delay));
        delay = Math.min(delay * 2, 15_000);
      }
    })();
    return () => abort.abort();
  }, [queryClient]);

  return <LiveContext.Provider value={{ ...state, connected }}>{children}</LiveContext.Provider>;
}
