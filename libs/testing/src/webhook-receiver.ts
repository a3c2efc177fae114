import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { HTTP, type CloudEventV1 } from 'cloudevents';
import { Webhook } from 'standardwebhooks';

/** One delivery the receiver accepted: verified by signature and timestamp, parsed as a CloudEvent. */
export interface ReceivedDelivery {
  readonly webhookId: string;
  readonly event: CloudEventV1<unknown>;
  readonly receivedAt: number;
  /** How many signatures the request carried (two during a secret rotation's overlap). */
  readonly signatures: number;
}

/**
 * A real HTTP endpoint of a department's system, as a subscriber would write one: it verifies every
 * request with `standardwebhooks` (signature by any secret it knows, timestamp within 5 minutes)
 * and parses it with the `cloudevents` SDK's HTTP binding; a request that fails either is answered
 * 400 and recorded as rejected. It can answer with another status, or be down (closed) and come back
 * on the same port.
 */
export class WebhookReceiver {
  readonly accepted: ReceivedDelivery[] = [];
  readonly rejected: { reason: string; webhookId: string | undefined }[] = [];
  /** Every request that reached the receiver, accepted or not. */
  requests = 0;
  /** The status accepted deliveries are answered with (2xx acknowledges). */
  answer = 204;
  secrets: string[];
  private server: http.Server | undefined;
  private port = 0;
  private readonly sockets = new Set<import('node:net').Socket>();

  constructor(secrets: string | string[], private readonly path = '/hooks/gm') {
    this.secrets = Array.isArray(secrets) ? secrets : [secrets];
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}${this.path}`;
  }

  /** Listens (again, on the same port once it had one). */
  async start(): Promise<this> {
    const server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        this.requests++;
        const body = Buffer.concat(chunks).toString('utf8');
        const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : (v ?? '')]));
        const reject = (reason: string) => {
          this.rejected.push({ reason, webhookId: headers['webhook-id'] });
          res.writeHead(400, { 'content-type': 'text/plain' }).end(reason);
        };
        if (!this.secrets.some((s) => verifies(s, body, headers))) return reject(verifyError(this.secrets[0]!, body, headers));
        let event: CloudEventV1<unknown>;
        try {
          event = HTTP.toEvent({ headers, body }) as CloudEventV1<unknown>;
        } catch (err) {
          return reject(`not a CloudEvent: ${(err as Error).message}`);
        }
        if (this.answer >= 200 && this.answer < 300)
          this.accepted.push({ webhookId: headers['webhook-id']!, event, receivedAt: Date.now(), signatures: headers['webhook-signature']!.split(' ').length });
        res.writeHead(this.answer).end();
      });
    });
    server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
    return this;
  }

  /** Goes down: new connections are refused, open ones are cut. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** The accepted deliveries' ids, once each (what a receiver de-duplicating by webhook-id keeps). */
  uniqueIds(): string[] {
    return [...new Set(this.accepted.map((d) => d.webhookId))];
  }
}

function verifies(secret: string, body: string, headers: Record<string, string>): boolean {
  try {
    new Webhook(secret).verify(body, headers);
    return true;
  } catch {
    return false;
  }
}

function verifyError(secret: string, body: string, headers: Record<string, string>): string {
  try {
    new Webhook(secret).verify(body, headers);
    return 'verified';
  } catch (err) {
    return `signature: ${(err as Error).message}`;
  }
}
