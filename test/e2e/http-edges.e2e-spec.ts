/**
 * The edges of every service's HTTP surface (issue 17, item 4), against a real service: security
 * headers on every answer, CORS only for the allow-listed origins (and none by default), and the
 * public endpoints (Open311) limited per client address with 429 and Retry-After; replicas on one
 * host sharing a port (HTTP_REUSE_PORT).
 */
import { freePort, startInfra, startService, type TestInfra, type TestService } from '@gm/testing';
import type { ServiceConfig } from '@gm/platform';
import { SEVEN_SERVICES } from './seven-services';

describe('HTTP edges: security headers, a CORS allow-list, a rate limit on public endpoints', () => {
  let infra: TestInfra;
  let limited: TestService<ServiceConfig>;
  let plain: TestService<ServiceConfig>;
  let token: string;
  const CONSOLE = 'https://console.district.example';

  beforeAll(async () => {
    infra = await startInfra();
    [limited, plain] = await Promise.all([
      startService(SEVEN_SERVICES['public-sentiment'], infra.env({ RATE_LIMIT_PUBLIC_MAX: '5', RATE_LIMIT_WINDOW_SEC: '60', HTTP_CORS_ORIGINS: CONSOLE })),
      startService(SEVEN_SERVICES['gis'], infra.env()),
    ]);
    token = await infra.oidc.tokenFor('community');
  });
  afterAll(async () => {
    await Promise.allSettled([limited?.close(), plain?.close()]);
    await infra?.close();
  });

  it.each([
    ['an API answer', '/api/v1/cases?limit=1'],
    ['an error', '/api/v1/no-such-route'],
    ['the OpenAPI page', '/docs'],
  ])('sets the security headers on %s', async (_what, path) => {
    const res = await fetch(`${limited.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
    const h = res.headers;
    expect(h.get('x-content-type-options')).toBe('nosniff');
    expect(h.get('x-frame-options')).toBe('SAMEORIGIN');
    expect(h.get('strict-transport-security')).toMatch(/max-age=\d+/);
    expect(h.get('referrer-policy')).toBe('no-referrer');
    expect(h.get('cross-origin-resource-policy')).toBe('same-site');
    const csp = h.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("object-src 'none'");
    expect(h.get('x-powered-by')).toBeNull();
  });

  it('answers CORS for an allow-listed origin only, and not at all where no list is set', async () => {
    const preflight = (url: string, origin: string) =>
      fetch(`${url}/api/v1/cases`, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' } });
    const allowed = await preflight(limited.url, CONSOLE);
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get('access-control-allow-origin')).toBe(CONSOLE);
    expect(allowed.headers.get('access-control-allow-methods')).toContain('POST');
    expect(allowed.headers.get('access-control-allow-headers')).toContain('authorization');
    expect((await preflight(limited.url, 'https://evil.example')).headers.get('access-control-allow-origin')).toBeNull();
    const simple = await fetch(`${limited.url}/api/v1/cases?limit=1`, { headers: { origin: CONSOLE, authorization: `Bearer ${token}` } });
    expect(simple.headers.get('access-control-allow-origin')).toBe(CONSOLE);
    // The default: no CORS answers at all.
    expect((await preflight(plain.url, CONSOLE)).headers.get('access-control-allow-origin')).toBeNull();
  });

  it('limits the public endpoints per client address: the request over the limit gets 429 with Retry-After; the API and other addresses are not affected', async () => {
    const open311 = (forwardedFor = '203.0.113.7') => fetch(`${limited.url}/open311/v2/services.json`, { headers: { 'x-forwarded-for': forwardedFor } });
    const first = await open311();
    expect(first.status).toBe(200);
    expect(first.headers.get('x-ratelimit-limit')).toBe('5');
    for (let i = 0; i < 4; i++) expect((await open311()).status).toBe(200);
    const over = await open311();
    expect(over.status).toBe(429);
    const retryAfter = Number(over.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(JSON.stringify(await over.json())).toMatch(/请求过于频繁|Too many requests/);
    // Another client address has its own budget; the authenticated API and health are not limited.
    expect((await open311('203.0.113.8')).status).toBe(200);
    for (let i = 0; i < 8; i++) expect((await fetch(`${limited.url}/api/v1/cases?limit=1`, { headers: { authorization: `Bearer ${token}`, 'x-forwarded-for': '203.0.113.7' } })).status).toBe(200);
    expect((await fetch(`${limited.url}/readyz`, { headers: { 'x-forwarded-for': '203.0.113.7' } })).status).toBe(200);
  });

  it('lets replicas on one host share a port with HTTP_REUSE_PORT (each answers; one stopping leaves the port served), and refuses a second listener without it', async () => {
    const port = String(await freePort());
    const env = infra.env({ HTTP_PORT: port, HTTP_HOST: '127.0.0.1', HTTP_REUSE_PORT: 'true' });
    const first = await startService(SEVEN_SERVICES['gis'], env);
    let second: TestService<ServiceConfig> | undefined;
    try {
      second = await startService(SEVEN_SERVICES['gis'], env);
      expect(new URL(second.url).port).toBe(port);
      const locate = () => fetch(`http://127.0.0.1:${port}/api/v1/locate?longitude=300&latitude=0`, { headers: { authorization: `Bearer ${token}`, connection: 'close' } });
      expect((await locate()).status).toBe(400);
      await first.close();
      for (let i = 0; i < 5; i++) expect((await locate()).status).toBe(400);
    } finally {
      await first.close().catch(() => undefined);
      await second?.close();
    }
    // Without the flag the port is this process's alone: a second listener fails to start.
    const alone = await startService(SEVEN_SERVICES['gis'], infra.env({ HTTP_PORT: port, HTTP_HOST: '127.0.0.1' }));
    try {
      await expect(startService(SEVEN_SERVICES['gis'], infra.env({ HTTP_PORT: port, HTTP_HOST: '127.0.0.1' }))).rejects.toThrow(/EADDRINUSE/);
    } finally {
      await alone.close();
    }
  });
});
