/** One Server-Sent Event as received. */
export interface SseEvent {
  readonly id: string | undefined;
  readonly event: string;
  readonly data: string;
}

/**
 * Reads an SSE stream with fetch (so that the token travels in the Authorization header, not in the
 * URL) and hands each event to `onEvent` until `signal` aborts or the stream ends.
 */
export async function readSse(url: string, headers: Record<string, string>, signal: AbortSignal, onOpen: () => void, onEvent: (e: SseEvent) => void): Promise<void> {
  const res = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal, cache: 'no-store' });
  if (!res.ok || !res.body) throw new Error(`live feed: HTTP ${res.status}`);
  onOpen();
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    let end: number;
    while ((end = buffer.search(/\r?\n\r?\n/)) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + (buffer[end] === '\r' ? 4 : 2));
      let id: string | undefined;
      let event = 'message';
      const data: string[] = [];
      for (const line of block.split(/\r?\n/)) {
        if (line.startsWith(':')) continue;
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        const v = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
        if (field === 'id') id = v;
        else if (field === 'event') event = v;
        else if (field === 'data') data.push(v);
      }
      if (data.length > 0) onEvent({ id, event, data: data.join('\n') });
    }
  }
}
