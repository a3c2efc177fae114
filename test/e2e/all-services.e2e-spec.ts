import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { meSchema, namespace, serviceInfoRpc, SERVICE_NAMES, type ServiceName } from '@gm/contracts';
import { RpcClient } from '@gm/messaging';
import type { ServiceConfig } from '@gm/platform';
import { expectShape, parsePrometheusText, sampleValue, startInfra, startService, TEST_TIER, type TestInfra, type TestService } from '@gm/testing';
import { SEVEN_SERVICES as SERVICES } from './seven-services';

describe('the seven services start against one tier and report ready', () => {
  let infra: TestInfra;
  const running = new Map<ServiceName, TestService<ServiceConfig>>();

  beforeAll(async () => {
    infra = await startInfra();
    // Start them together, as a deployment would: migrations of the seven schemas serialise on the advisory lock.
    const started = await Promise.all(SERVICE_NAMES.map(async (name) => [name, await startService(SERVICES[name], infra.env())] as const));
    for (const [name, svc] of started) running.set(name, svc);
  });
  afterAll(async () => {
    await Promise.allSettled([...running.values()].map((s) => s.close()));
    await infra?.close();
  });

  it.each(SERVICE_NAMES)('%s: /healthz, /readyz, OpenAPI at /docs, its own schema, and the info RPC', async (name) => {
    const svc = running.get(name)!;
    expect((await fetch(`${svc.url}/healthz`)).status).toBe(200);
    const ready = await fetch(`${svc.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ready', checks: { database: { ok: true }, nats: { ok: true } } });

    // Metrics for Prometheus: the requests above by route, and the database pools.
    const metrics = await fetch(`${svc.url}/metrics`);
    expect(metrics.status).toBe(200);
    expect(metrics.headers.get('content-type')).toContain('text/plain');
    const samples = parsePrometheusText(await metrics.text());
    expect(sampleValue(samples, 'http_server_request_duration_seconds_count', { service: name, tier: TEST_TIER, http_route: '/readyz', http_response_status_code: '200' })).toBeGreaterThanOrEqual(1);
    expect(sampleValue(samples, 'gm_db_pool_connections', { service: name, pool: 'orm', state: 'idle' })).toBeGreaterThanOrEqual(0);

    const ui = await fetch(`${svc.url}/docs`);
    expect(ui.status).toBe(200);
    expect(await ui.text()).toContain('swagger');
    const doc = (await (await fetch(`${svc.url}/docs/openapi.json`)).json()) as { openapi: string; info: { title: string }; paths: Record<string, unknown> };
    expect(doc.info.title).toBe(name);
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/healthz', '/readyz']));

    const rpc = new RpcClient({ servers: [infra.nats.url], namespace: namespace(infra.nats.namespace), tier: TEST_TIER, service: 'command-centre' });
    try {
      const info = await rpc.request(serviceInfoRpc(name), {}, { timeoutMs: 5000 });
      expect(info).toMatchObject({ service: name, tier: TEST_TIER, namespace: infra.nats.namespace });
    } finally {
      await rpc.onApplicationShutdown();
    }
  });

  // The OpenAPI documents are committed under docs/openapi/ for review; this fails when one is stale.
  // Regenerate with: UPDATE_OPENAPI=1 npm test -- test/e2e/all-services
  it.each(SERVICE_NAMES)('%s: the committed OpenAPI document matches the running service', async (name) => {
    const live = (await (await fetch(`${running.get(name)!.url}/docs/openapi.json`)).json()) as Record<string, unknown>;
    const text = `${JSON.stringify(live, null, 2)}\n`;
    const dir = join(__dirname, '../../docs/openapi');
    const file = join(dir, `${name}.json`);
    if (process.env['UPDATE_OPENAPI']) {
      mkdirSync(dir, { recursive: true });
      writeFileSync(file, text);
    }
    expect(existsSync(file)).toBe(true);
    expect(readFileSync(file, 'utf8')).toBe(text);
  });

  it('each service migrated its own schema and no other', async () => {
    const pg = await import('pg');
    const c = new pg.default.Client({ connectionString: infra.db.url });
    await c.connect();
    try {
      const rows = await c.query<{ schema: string; migration: string }>(
        `SELECT table_schema AS schema FROM information_schema.tables WHERE table_name = 'mikro_orm_migrations' ORDER BY 1`,
      );
      expect(rows.rows.map((r) => r.schema)).toEqual([...SERVICE_NAMES].map((s) => s.replace(/-/g, '_')).sort());
    } finally {
      await c.end();
    }
  });

  it('system-admin tells a caller who they are, with the org unit path', async () => {
    const token = await infra.oidc.tokenFor('gw-07');
    const res = await fetch(`${running.get('system-admin')!.url}/api/v1/me`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    expect(expectShape(meSchema, await res.json())).toMatchObject({
      roles: ['grid-worker'],
      orgUnit: { code: '350206001001-07', level: 'grid' },
      path: [
        { code: '350206', level: 'district' },
        { code: '350206001', level: 'street' },
        { code: '350206001001', level: 'community' },
        { code: '350206001001-07', level: 'grid' },
      ],
    });
  });
});
