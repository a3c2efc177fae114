import http from 'node:http';
import https from 'node:https';
import type { WebhookTargets } from './webhook-target';

export interface SendResult {
  /** The HTTP status, or null when no answer came (refused, timed out, reset). */
  readonly statusCode: number | null;
  readonly latencyMs: number;
  /** What went wrong, in a few words (never the answer's body). */
  readonly error: string | null;
}

/**
 * POSTs one delivery and waits for the status line (the answer's body is read and dropped). Kept-alive
 * connections per origin; every new connection checks where the name resolves (WebhookTargets).
 */
export class WebhookSender {
  private readonly agents = { http: new http.Agent({ keepAlive: true, maxSockets: 64 }), https: new https.Agent({ keepAlive: true, maxSockets: 64 }) };

  constructor(
    private readonly targets: WebhookTargets,
    private readonly timeoutMs: number,
    private readonly userAgent: string,
  ) {}

  post(rawUrl: string, headers: Record<string, string>, body: string): Promise<SendResult> {
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    return new Promise<SendResult>((resolve) => {
      let url: URL;
      try {
        url = new URL(rawUrl);
      } catch {
        resolve({ statusCode: null, latencyMs: 0, error: 'invalid URL' });
        return;
      }
      const secure = url.protocol === 'https:';
      const lookup = this.targets.lookupFor(url);
      const req = (secure ? https : http).request(
        url,
        {
          method: 'POST',
          agent: secure ? this.agents.https : this.agents.http,
          headers: { ...headers, 'content-length': String(Buffer.byteLength(body)), 'user-agent': this.userAgent },
          ...(lookup && { lookup }),
          timeout: this.timeoutMs,
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve({ statusCode: res.statusCode ?? null, latencyMs: elapsed(), error: null }));
          res.on('error', () => resolve({ statusCode: res.statusCode ?? null, latencyMs: elapsed(), error: null }));
        },
      );
      req.on('timeout', () => req.destroy(Object.assign(new Error(`no answer within ${this.timeoutMs} ms`), { code: 'ETIMEDOUT' })));
      req.on('error', (err: NodeJS.ErrnoException) => resolve({ statusCode: null, latencyMs: elapsed(), error: (err.code ? `${err.code}: ` : '') + err.message.slice(0, 200) }));
      req.end(body);
    });
  }

  close(): void {
    this.agents.http.destroy();
    this.agents.https.destroy();
  }
}
