export interface SseEvent {
  readonly id?: string;
  readonly event: string;
  readonly data: string;
  /** When the client parsed it (performance.now()). */
  readonly receivedAt: number;
}

export interface SseConnection {
  readonly status: number;
  readonly headers: Headers;
  /** The next event (comments and heartbeats skipped), or a rejection after `timeoutMs`. */
  next(timeoutMs: number): Promise<SseEvent>;
  /** Resolves when the server answered with an error status; the body text. */
  errorBody(): Promise<string>;
  close(): void;
}

/** A minimal Server-Sent-Events client over fetch, for tests and the local smoke check. */
export async function openSse(url: string, opts: { token?: string; lastEventId?: string } = {}): Promise<SseConnection> {
  const controller = new AbortController();
  const res = await fetch(url, {
    headers: {
      accept: 'text/event-stream',
      ...(opts.token && { authorization: `Bearer ${opts.token}` }),
      ...(opts.lastEventId && { 'last-event-id': opts.lastEventId }),
    },
    signal: controller.signal,
  });
  const queue: SseEvent[] = [];
  const waiters: ((e: SseEvent) => void)[] = [];
  let bodyText: Promise<string> | undefined;
  if (res.ok && res.body) {
    void (async () => {
      const decoder = new TextDecoder();
      let buffer = '';
      try {
        for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
          buffer += decoder.decode(chunk, { stream: true });
          let idx: number;
          while ((idx = buffer.indexOf('\n\n')) >= 0) {
            const block = buffer.slice(0, idx);
            buffer = buffer.slice(idx + 2);
            const ev = parseBlock(block);
            if (!ev) continue;
            const w = waiters.shift();
            if (w) w(ev);
            else queue.push(ev);
          }
        }
      } catch {
        /* aborted */
      }
    })();
  } else {
    bodyText = res.text();
  }
  return {
    status: res.status,
    headers: res.headers,
    next(timeoutMs) {
      const ready = queue.shift();
      if (ready) return Promise.resolve(ready);
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => {
          const i = waiters.indexOf(done);
          if (i >= 0) waiters.splice(i, 1);
          reject(new Error(`no SSE event within ${timeoutMs} ms`));
        }, timeoutMs);
        const done = (e: SseEvent) => {
          clearTimeout(t);
          resolve(e);
        };
        waiters.push(done);
      });
    },
    errorBody: () => bodyText ?? Promise.resolve(''),
    close: () => controller.abort(),
  };
}

function parseBlock(block: string): SseEvent | undefined {
  let id: string | undefined;
  let event = 'message';
  const data: string[] = [];
  for (const line of block.split('\n')) {
    if (line.startsWith(':') || line === '') continue;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'id') id = value;
    else if (field === 'event') event = value;
    else if (field === 'data') data.push(value);
  }
  if (data.length === 0) return undefined;
  return { ...(id !== undefined && { id }), event, data: data.join('\n'), receivedAt: performance.now() };
}
