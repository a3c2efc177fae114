import pg from 'pg';
import { deskReportResultSchema, queuedReportSchema, reportCaseResultSchema } from '@gm/contracts';
import { aReport, expectShape, sampleValue, scrapeMetrics, startInfra, type TestInfra } from '@gm/testing';
import { caseStream, eventually, sql, startSlice, type Slice } from './support';

/**
 * NATS goes away: reports are still accepted and stored; when it returns every event is
 * published exactly once, and the services report ready again.
 */
describe('NATS outage: nothing accepted is lost, nothing is published twice', () => {
  let infra: TestInfra;
  let slice: Slice;
  let staffToken: string;
  let workerToken: string;

  beforeAll(async () => {
    infra = await startInfra({ ownNats: true });
    slice = await startSlice(infra, { REPORT_RPC_TIMEOUT_MS: '800', REPORT_FORWARD_INTERVAL_MS: '500' });
    staffToken = await infra.oidc.tokenFor('community');
    workerToken = await infra.oidc.tokenFor('gw-07');
    await eventually('all services ready', async () => {
      const codes = await Promise.all([slice.ps, slice.gw, slice.cc].map(async (s) => (await fetch(`${s.url}/readyz`)).status));
      return codes.every((c) => c === 200) ? true : undefined;
    });
  });

  afterAll(async () => {
    if (process.env['DEBUG_LOGS']) process.stdout.write(slice.ps.logs.lines.filter((l) => !l.includes('http.request')).join(''));
    await slice?.close();
    await infra?.close();
  });

  it('accepts and stores reports while NATS is down, then publishes each event exactly once', async () => {
    await infra.nats.stop();

    // Readiness follows NATS; liveness does not.
    await eventually('readyz to report NATS down', async () => ((await fetch(`${slice.ps.url}/readyz`)).status === 503 ? true : undefined));
    const ready = (await (await fetch(`${slice.ps.url}/readyz`)).json()) as { checks: Record<string, { ok: boolean }> };
    expect(ready.checks['nats']?.ok).toBe(false);
    expect(ready.checks['database']?.ok).toBe(true);
    expect((await fetch(`${slice.ps.url}/healthz`)).status).toBe(200);

    // A staff desk registers a case: stored with its outbox row, event not yet sent.
    const desk = await fetch(`${slice.ps.url}/api/v1/cases`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${staffToken}` },
      body: JSON.stringify(aReport({ gridCode: '350206001001-07' })),
    });
    expect(desk.status).toBe(201);
    const deskCase = expectShape(deskReportResultSchema, await desk.json());
    const unsent = await sql<{ id: string }>(infra, 'SELECT id FROM public_sentiment.outbox WHERE sent_at IS NULL');
    expect(unsent).toHaveLength(1);

    // A handheld report reaches the gateway, which keeps it (202) instead of failing.
    const handheld = aReport();
    const queued = await fetch(`${slice.gw.url}/api/v1/reports`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${workerToken}` },
      body: JSON.stringify(handheld),
    });
    expect(queued.status).toBe(202);
    expect(expectShape(queuedReportSchema, await queued.json())).toMatchObject({ status: 'queued', clientId: handheld.clientId });

    await infra.nats.start();

    // Both cases end up stored once, and their events in the stream once each.
    const events = await eventually('two events in the stream', async () => {
      const stream = await caseStream(infra);
      try {
        const msgs = await stream.messages();
        return msgs.length >= 2 ? msgs : undefined;
      } catch {
        return undefined;
      } finally {
        await stream.nc.close();
      }
    }, 30_000);
    await new Promise((r) => setTimeout(r, 1500)); // room for a duplicate to show up, were there one
    const stream = await caseStream(infra);
    const settled = await stream.messages();
    await stream.nc.close();
    expect(settled).toHaveLength(2);
    expect(events.map((m) => m.msgId)).toEqual(settled.map((m) => m.msgId));
    const outbox = await sql<{ id: string; sent: boolean }>(infra, 'SELECT id, sent_at IS NOT NULL AS sent FROM public_sentiment.outbox ORDER BY created_at');
    expect(outbox.every((r) => r.sent)).toBe(true);
    expect(new Set(settled.map((m) => m.msgId))).toEqual(new Set(outbox.map((r) => r.id)));
    expect(settled.map((m) => (m.data['data'] as { caseId: string }).caseId)).toContain(deskCase.caseId);

    const cases = await sql<{ n: string }>(infra, 'SELECT count(*) AS n FROM public_sentiment.cases WHERE idempotency_key = $1', [handheld.clientId]);
    expect(cases[0]?.n).toBe('1');

    // The handheld learns its case by sending the report again.
    const again = await fetch(`${slice.gw.url}/api/v1/reports`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${workerToken}` },
      body: JSON.stringify(handheld),
    });
    expect(again.status).toBe(201);
    expect(expectShape(reportCaseResultSchema.strict(), await again.json())).toMatchObject({ state: 'reported', clientId: handheld.clientId });

    // The queued copy kept no body and no token once forwarded.
    const held = await sql<{ status: string; body: unknown; authorization_header: unknown }>(
      infra,
      'SELECT status, body, authorization_header FROM mobile_gateway.pending_reports',
    );
    expect(held).toEqual([{ status: 'forwarded', body: null, authorization_header: null }]);

    // The command centre saw each event once.
    await eventually('command centre to record both events', async () => {
      const rows = await sql<{ n: string }>(infra, 'SELECT count(*) AS n FROM command_centre.live_events');
      return rows[0]?.n === '2' ? true : undefined;
    });
    await eventually('readiness back', async () => ((await fetch(`${slice.ps.url}/readyz`)).status === 200 ? true : undefined));
  });

  it('a publish repeated after a lost acknowledgement is dropped by the stream (Nats-Msg-Id)', async () => {
    const before = await caseStream(infra);
    const count = (await before.messages()).length;
    await before.nc.close();

    // As if the relay crashed after publishing and before marking the row sent.
    const c = new pg.Client({ connectionString: infra.db.url });
    await c.connect();
    await c.query('UPDATE public_sentiment.outbox SET sent_at = NULL');
    await c.end();
    await eventually('the relay to mark the rows sent again', async () => {
      const rows = await sql<{ n: string }>(infra, 'SELECT count(*) AS n FROM public_sentiment.outbox WHERE sent_at IS NULL');
      return rows[0]?.n === '0' ? true : undefined;
    });
    const after = await caseStream(infra);
    expect(await after.messages()).toHaveLength(count);
    await after.nc.close();
  });
  it('/metrics shows the outbox backlog rising while NATS is stopped and falling after it returns', async () => {
    const backlog = async () => sampleValue(await scrapeMetrics(slice.ps.url), 'gm_outbox_backlog', { service: 'public-sentiment' });
    const published = async () => sampleValue(await scrapeMetrics(slice.ps.url), 'gm_outbox_published_total') ?? 0;
    await eventually('an empty backlog', async () => ((await backlog()) === 0 ? true : undefined));
    const publishedBefore = await published();

    await infra.nats.stop();
    await eventually('readyz to report NATS down', async () => ((await fetch(`${slice.ps.url}/readyz`)).status === 503 ? true : undefined));
    const desk = () =>
      fetch(`${slice.ps.url}/api/v1/cases`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${staffToken}` },
        body: JSON.stringify(aReport({ gridCode: '350206001001-07' })),
      });
    expect((await desk()).status).toBe(201);
    expect(await backlog()).toBe(1);
    expect((await desk()).status).toBe(201);
    expect(await backlog()).toBe(2);
    const samples = await scrapeMetrics(slice.ps.url);
    expect(sampleValue(samples, 'gm_outbox_oldest_age_seconds')).toBeGreaterThan(0);
    // The requests themselves, by route and status.
    expect(sampleValue(samples, 'http_server_request_duration_seconds_count', { http_route: '/api/v1/cases', http_request_method: 'POST', http_response_status_code: '201' })).toBeGreaterThanOrEqual(2);

    await infra.nats.start();
    await eventually('the backlog to drain', async () => ((await backlog()) === 0 ? true : undefined), 30_000);
    expect(sampleValue(await scrapeMetrics(slice.ps.url), 'gm_outbox_oldest_age_seconds')).toBe(0);
    expect(await published()).toBeGreaterThanOrEqual(publishedBefore + 2);
    // The command centre's consumer caught up: nothing pending for it.
    await eventually('the live consumer to catch up', async () => {
      const pending = (await scrapeMetrics(slice.cc.url)).filter((x) => x.name === 'gm_consumer_pending');
      return pending.length > 0 && pending.every((x) => x.value === 0) ? true : undefined;
    }, 30_000);
  });
});
