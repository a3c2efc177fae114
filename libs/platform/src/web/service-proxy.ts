import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ERROR_MESSAGES, type ServiceName } from '@gm/contracts';

/** Headers that describe one hop, not the message (RFC 9110 §7.6.1), and are never passed on. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'host']);

export const PROXY_PREFIX = '/svc/';

/**
 * Passes a browser's call of `/svc/<service>/<path>` to the tier's service at `<upstream>/<path>`,
 * streaming both ways (bodies are not parsed here: each service checks its own input and token).
 * An upstream that does not answer gives 502 with the platform's error body, naming the service.
 */
export function proxyTo(service: ServiceName, upstream: string, req: FastifyRequest, reply: FastifyReply): void {
  const rest = req.url.slice(PROXY_PREFIX.length + service.length) || '/';
  const target = new URL(rest.startsWith('/') ? rest : `/${rest}`, `${upstream}/`);
  const headers: IncomingHttpHeaders = {};
  for (const [name, value] of Object.entries(req.headers)) if (!HOP_BY_HOP.has(name) && value !== undefined) headers[name] = value;
  headers['x-forwarded-for'] = [req.headers['x-forwarded-for'], req.ip].filter(Boolean).join(', ');
  headers['x-forwarded-host'] = req.headers['host'] ?? '';
  headers['x-forwarded-proto'] = req.protocol;
  headers['x-forwarded-prefix'] = `${PROXY_PREFIX}${service}`;

  reply.hijack();
  const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
  const out = send(target, { method: req.method, headers }, (res) => {
    const answer: Record<string, string | string[]> = {};
    for (const [name, value] of Object.entries(res.headers)) if (!HOP_BY_HOP.has(name) && value !== undefined) answer[name] = value;
    reply.raw.writeHead(res.statusCode ?? 502, answer);
    res.pipe(reply.raw);
    reply.raw.once('close', () => res.destroy());
  });
  out.once('error', () => {
    if (reply.raw.headersSent) {
      reply.raw.destroy();
      return;
    }
    const body = JSON.stringify({
      statusCode: 502,
      code: 'SERVICE.UNAVAILABLE',
      message: `${ERROR_MESSAGES['SERVICE.UNAVAILABLE'].zh}: ${service}`,
      detail: `${service} does not answer`,
    });
    reply.raw.writeHead(502, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
    reply.raw.end(body);
  });
  req.raw.once('aborted', () => out.destroy());
  if (req.method === 'GET' || req.method === 'HEAD') out.end();
  else req.raw.pipe(out);
}
