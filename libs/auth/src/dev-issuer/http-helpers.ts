import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';

/** Response headers of the development issuer's HTTP endpoints (Node's `http`, no framework). */

export function json(res: ServerResponse, status: number, body: unknown, headers: OutgoingHttpHeaders = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { ...headers, 'content-type': 'application/json', 'cache-control': 'no-store', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

export function html(res: ServerResponse, status: number, body: string, csp: string, headers: OutgoingHttpHeaders = {}): void {
  res.writeHead(status, {
    ...headers,
    'content-type': 'text/html; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    'content-security-policy': csp,
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
    'referrer-policy': 'no-referrer',
  });
  res.end(body);
}

export function redirect(res: ServerResponse, location: string, headers: OutgoingHttpHeaders = {}): void {
  res.writeHead(302, { ...headers, location, 'cache-control': 'no-store', 'referrer-policy': 'no-referrer', 'content-length': 0 });
  res.end();
}

export class BodyTooLargeError extends Error {
  constructor() {
    super('body too large');
  }
}

export function readBody(req: IncomingMessage, limit = 64 * 1024): Promise<string> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        reject(new BodyTooLargeError());
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

export function cookie(req: IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

export interface CookieOptions {
  readonly path: string;
  readonly maxAgeSec: number;
  readonly secure: boolean;
}

export function setCookie(name: string, value: string, o: CookieOptions): string {
  return `${name}=${value}; Path=${o.path}; Max-Age=${Math.max(0, Math.floor(o.maxAgeSec))}; HttpOnly; SameSite=Lax${o.secure ? '; Secure' : ''}`;
}

/** CORS headers for a browser origin that is allowed; always `Vary: Origin` (a cache must not mix origins). */
export function corsHeaders(origin: string | undefined, allowed: boolean): OutgoingHttpHeaders {
  if (!origin || !allowed) return { vary: 'Origin' };
  return { vary: 'Origin', 'access-control-allow-origin': origin, 'access-control-expose-headers': 'WWW-Authenticate' };
}

export function preflight(res: ServerResponse, origin: string | undefined, allowed: boolean): void {
  const headers: OutgoingHttpHeaders = corsHeaders(origin, allowed);
  if (origin && allowed) {
    headers['access-control-allow-methods'] = 'GET, POST, OPTIONS';
    headers['access-control-allow-headers'] = 'Authorization, Content-Type, Accept, DPoP';
    headers['access-control-max-age'] = '3600';
  }
  res.writeHead(204, headers);
  res.end();
}
