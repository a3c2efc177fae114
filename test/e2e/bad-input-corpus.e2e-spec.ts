/**
 * Every operation of every service's committed OpenAPI document, sent the bad requests of
 * libs/testing's corpus (malformed and deep JSON, NUL and lone surrogates in every field and
 * parameter, oversized strings and arrays, wrong types, unknown fields, wrong content types), as a
 * caller whom the operation's role check lets through where one of the demo users is. Every answer
 * must be a 4xx JSON error body, a 400 must name the spoiled field, and every service stays ready.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SERVICE_NAMES, type ServiceName } from '@gm/contracts';
import type { ServiceConfig } from '@gm/platform';
import { badRequests, UNSPOILED, startInfra, startService, type BadRequest, type OpenApiDocument, type TestInfra, type TestService } from '@gm/testing';
import { SEVEN_SERVICES } from './seven-services';

/** Callers tried in this order; the first whom the operation does not refuse (401/403) is used. */
const CALLERS = ['gw-07', 'community', 'street', 'district', 'department', 'admin'] as const;
const OPEN311_KEY = 'corpus-client-key-0123456789abcdef';

interface Answer {
  readonly status: number;
  readonly body: unknown;
  readonly contentType: string;
}

describe('bad input over every endpoint of every service: a 4xx naming the field, never a 5xx', () => {
  let infra: TestInfra;
  const running = new Map<ServiceName, TestService<ServiceConfig>>();
  const tokens: Record<string, string> = {};

  beforeAll(async () => {
    infra = await startInfra({ s3: true });
    // The public endpoints' rate limit off: the corpus sends Open311 hundreds of requests from one address.
    const env = infra.env({ OPEN311_API_KEYS: `corpus:${OPEN311_KEY}`, LOG_LEVEL: 'fatal', RATE_LIMIT_PUBLIC_MAX: '0' });
    const started = await Promise.all(SERVICE_NAMES.map(async (name) => [name, await startService(SEVEN_SERVICES[name], env)] as const));
    for (const [name, svc] of started) running.set(name, svc);
    for (const user of CALLERS) tokens[user] = await infra.oidc.tokenFor(user);
  });
  afterAll(async () => {
    await Promise.allSettled([...running.values()].map((s) => s.close()));
    await infra?.close();
  });

  async function send(base: string, req: Pick<BadRequest, 'method' | 'url' | 'headers' | 'body'>, user: string): Promise<Answer> {
    const res = await fetch(`${base}${req.url}`, {
      method: req.method,
      headers: { ...req.headers, authorization: `Bearer ${tokens[user]}` },
      ...(req.body !== undefined && { body: req.body }),
      signal: AbortSignal.timeout(20_000),
    });
    const contentType = res.headers.get('content-type') ?? '';
    if (contentType.startsWith('text/event-stream')) {
      // A live feed that accepted the request: its status is all there is to see.
      await res.body?.cancel();
      return { status: res.status, body: undefined, contentType };
    }
    const text = await res.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // Left as text: reported below when the answer is an error.
    }
    return { status: res.status, body, contentType };
  }

  /**
   * What is wrong with an answer, or undefined when it is a proper refusal (or a success).
   * `baselineFields`: the fields a 400 named for the operation's unspoiled request, when the sample
   * built from the schema was itself refused (a pattern the corpus does not imitate); a spoiled
   * request may then be refused for those fields instead.
   */
  function problemWith(req: BadRequest, answer: Answer, baselineFields: readonly string[]): string | undefined {
    if (answer.status >= 500) return `${answer.status} ${JSON.stringify(answer.body).slice(0, 300)}`;
    if (answer.status < 400) return undefined;
    // Open311 answers in GeoReport v2's own error format, a list of { code, description } (what the
    // router refuses before any route is chosen, a URL far too long or not UTF-8, gets the usual body).
    const list = answer.body as { code?: number; description?: string }[];
    if (req.url.startsWith('/open311/') && Array.isArray(list)) {
      return list.length > 0 && list.every((e) => typeof e.description === 'string') ? undefined : `${answer.status} with an empty Open311 error list`;
    }
    const body = answer.body as { statusCode?: number; code?: string; message?: string; errors?: { field: string }[] } | string;
    if (typeof body !== 'object' || !body.code || !body.message) return `${answer.status} without a JSON error body: ${String(body).slice(0, 200)}`;
    if (answer.status !== 400 || body.code !== 'REQUEST.VALIDATION_FAILED') return undefined;
    const fields = (body.errors ?? []).map((e) => e.field);
    if (fields.length === 0) return '400 naming no field';
    if (!req.field) return undefined;
    const named = fields.some((f) => f === req.field || f.startsWith(`${req.field}.`) || req.field!.startsWith(`${f}.`));
    if (named || body.message.includes(req.field)) return undefined;
    return fields.every((f) => baselineFields.includes(f)) && baselineFields.length > 0 ? undefined : `400 naming ${JSON.stringify(fields)}, not ${req.field}`;
  }

  it.each(SERVICE_NAMES)('%s', async (name) => {
    const svc = running.get(name)!;
    const doc = JSON.parse(readFileSync(join(__dirname, '../../docs/openapi', `${name}.json`), 'utf8')) as OpenApiDocument;
    const corpus = badRequests(doc).map((r) => (r.operation.startsWith('POST /open311/') && r.body?.startsWith('a=') ? { ...r, body: `api_key=${OPEN311_KEY}&${r.body}` } : r));
    expect(corpus.length).toBeGreaterThan(Object.keys(doc.paths).length);

    // The caller per operation: the first whom the operation lets through with an unspoiled
    // request; and what a 400 to that request named (see problemWith).
    const callerOf = new Map<string, string>();
    const baselineOf = new Map<string, string[]>();
    for (const op of new Set(corpus.map((r) => r.operation))) {
      const unspoiled = corpus.find((r) => r.operation === op && r.what === UNSPOILED)!;
      let chosen: string = CALLERS[0];
      let answer: Answer | undefined;
      for (const user of CALLERS) {
        answer = await send(svc.url, unspoiled, user);
        chosen = user;
        if (answer.status !== 401 && answer.status !== 403) break;
      }
      callerOf.set(op, chosen);
      const errors = (answer?.body as { errors?: { field: string }[] } | undefined)?.errors;
      baselineOf.set(op, answer?.status === 400 && Array.isArray(errors) ? errors.map((e) => e.field) : []);
    }

    const problems: string[] = [];
    const statuses = new Map<number, number>();
    const queue = [...corpus];
    const worker = async () => {
      for (let req = queue.shift(); req; req = queue.shift()) {
        let answer: Answer;
        try {
          answer = await send(svc.url, req, callerOf.get(req.operation)!);
        } catch (err) {
          problems.push(`${req.operation} — ${req.what}: no answer (${(err as Error).message})`);
          continue;
        }
        statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
        const problem = problemWith(req, answer, baselineOf.get(req.operation)!);
        if (problem) problems.push(`${req.operation} — ${req.what}: ${problem}`);
      }
    };
    await Promise.all(Array.from({ length: 6 }, worker));

    expect(problems).toEqual([]);
    // Mostly refusals: a corpus that the services accepted would test nothing.
    const refused = [...statuses].filter(([s]) => s >= 400).reduce((n, [, c]) => n + c, 0);
    expect(refused / corpus.length).toBeGreaterThan(0.8);
    // And the service is still ready.
    const ready = await fetch(`${svc.url}/readyz`);
    expect(ready.status).toBe(200);
  });
});
