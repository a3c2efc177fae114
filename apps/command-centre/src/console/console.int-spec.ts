import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, startInfra, startService, type TestInfra, type TestService } from '@gm/testing';
import { AppModule } from '../app.module';
import { configSchema, type AppConfig } from '../config/config';

describe("command-centre serves the staff console and passes its calls to the tier's services (real HTTP)", () => {
  let infra: TestInfra;
  let cc: TestService<AppConfig>;
  let upstream: Server;
  let root: string;
  const seen: { method: string; url: string; body: string; headers: Record<string, unknown> }[] = [];

  beforeAll(async () => {
    infra = await startInfra();
    root = mkdtempSync(join(tmpdir(), 'gm-console-'));
    mkdirSync(join(root, 'assets'));
    writeFileSync(join(root, 'index.html'), '<!doctype html><title>console</title>');
    writeFileSync(join(root, 'assets', 'app-1a2b3c.js'), 'console.log(1)');
    // A service behind the console: answers what it received.
    upstream = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString('utf8')));
      req.on('end', () => {
        seen.push({ method: req.method ?? '', url: req.url ?? '', body, headers: req.headers });
        res.writeHead(req.url?.startsWith('/missing') ? 404 : 200, { 'content-type': 'application/json', 'x-upstream': 'yes' });
        res.end(JSON.stringify({ ok: true, url: req.url }));
      });
    });
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', () => r()));
    const port = (upstream.address() as AddressInfo).port;
    const dead = await freePort();
    cc = await startService(
      { configSchema, module: (c, l) => AppModule.forRoot(c, l) },
      infra.env({ WEB_ROOT: root, CONSOLE_UPSTREAMS: `public-sentiment=http://127.0.0.1:${port},gis=http://127.0.0.1:${dead}`, CONSOLE_OIDC_AUTHORITY: 'http://sso.example/realms/gm' }),
    );
  });

  afterAll(async () => {
    await cc?.close();
    await new Promise<void>((r) => upstream?.close(() => r()));
    await infra?.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('serves the app at / and at the pages\' paths (index.html, revalidated), and its hashed files for a year', async () => {
    for (const path of ['/', '/map', '/cases/123', '/admin/parameters', '/callback']) {
      const res = await fetch(`${cc.url}${path}`);
      expect({ path, status: res.status, type: res.headers.get('content-type'), cache: res.headers.get('cache-control') }).toEqual({
        path,
        status: 200,
        type: 'text/html; charset=utf-8',
        cache: 'no-cache',
      });
      expect(await res.text()).toContain('<title>console</title>');
    }
    const asset = await fetch(`${cc.url}/assets/app-1a2b3c.js`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    // Its own API stays where it is.
    expect((await fetch(`${cc.url}/healthz`)).status).toBe(200);
  });

  it('tells the console its tier, realm and the services it can reach', async () => {
    const res = await fetch(`${cc.url}/config.json`);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(await res.json()).toEqual({
      tier: '350206',
      oidc: { authority: 'http://sso.example/realms/gm', clientId: 'gm-web' },
      services: ['command-centre', 'public-sentiment', 'gis'],
    });
  });

  it('passes /svc/<service>/… to the service with method, path, query, body and token, and its answer back', async () => {
    const res = await fetch(`${cc.url}/svc/public-sentiment/api/v1/cases/abc/actions/accept?x=1`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer t0k3n', 'accept-language': 'en' },
      body: JSON.stringify({ note: '说明 note' }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-upstream')).toBe('yes');
    expect(await res.json()).toEqual({ ok: true, url: '/api/v1/cases/abc/actions/accept?x=1' });
    const got = seen.at(-1)!;
    expect(got).toMatchObject({ method: 'POST', url: '/api/v1/cases/abc/actions/accept?x=1', body: JSON.stringify({ note: '说明 note' }) });
    expect(got.headers).toMatchObject({ authorization: 'Bearer t0k3n', 'accept-language': 'en', 'x-forwarded-prefix': '/svc/public-sentiment' });
    // The service's own status passes through.
    expect((await fetch(`${cc.url}/svc/public-sentiment/missing`)).status).toBe(404);
  });

  it('answers 404 for a service this tier does not reach, and 502 naming the service when it does not answer', async () => {
    const unknown = await fetch(`${cc.url}/svc/base-data/api/v1/my-grid`);
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ code: 'REQUEST.ROUTE_NOT_FOUND', detail: expect.stringContaining('base-data') });
    const down = await fetch(`${cc.url}/svc/gis/api/v1/layers/grid`);
    expect(down.status).toBe(502);
    expect(await down.json()).toMatchObject({ code: 'SERVICE.UNAVAILABLE', detail: 'gis does not answer' });
    // The console server is still up.
    expect((await fetch(`${cc.url}/readyz`)).status).toBe(200);
  });
});
