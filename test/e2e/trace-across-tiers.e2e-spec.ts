import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import pg from 'pg';
import {
  DEMO_CHAIN,
  demoChainTiers,
  aReport,
  freePort,
  provideDatabase,
  provideOidc,
  spawnProcess,
  startFederation,
  startOtlpReceiver,
  SYNTHETIC_ID_NUMBER,
  SYNTHETIC_PHONE,
  waitFor,
  type OtlpReceiver,
  type ReceivedSpan,
  type Spawned,
  type TestDatabase,
  type TestFederation,
  type TestOidc,
} from '@gm/testing';
import { eventually, tierEnv } from './support';

const { district: DISTRICT, street: STREET, community: COMMUNITY, grid: GRID } = DEMO_CHAIN;
const TIERS = demoChainTiers('district', 'grid');
type ServiceName = 'public-sentiment' | 'mobile-gateway';

/** A W3C traceparent of a client's own span in trace `traceId`. */
const traceparentIn = (traceId: string) => `00-${traceId}-${randomBytes(8).toString('hex')}-01`;
const traceIdOf = (traceparent: string | null) => traceparent?.split('-')[1];

describe('one trace across tiers: a report at the grid, its escalation and its copies at the community, street and district (built services in their own processes, spans over OTLP/HTTP)', () => {
  let receiver: OtlpReceiver;
  let fed: TestFederation;
  let oidc: TestOidc;
  const dbs = new Map<string, TestDatabase>();
  const sql = new Map<string, pg.Client>();
  const procs: Spawned[] = [];
  /** Base URL of each service, by `<service>@<tier>`. */
  const urls = new Map<string, string>();
  const tokens: Record<string, string> = {};

  /** The built service (apps/<name>/dist), as it is deployed: its spans leave it only through its OTLP exporter. */
  const spawnService = async (name: ServiceName, code: string): Promise<void> => {
    const main = resolve(__dirname, `../../apps/${name}/dist/main.js`);
    if (!existsSync(main)) throw new Error(`${main} is missing: run the build first (npx tsc -b tsconfig.build.json; npm test does it)`);
    const port = await freePort();
    const proc = spawnProcess(process.execPath, [main], {
      env: {
        PATH: process.env['PATH'] ?? '',
        ...tierEnv(fed, oidc, code, dbs.get(code)!.url),
        NATS_NAMESPACE: code,
        HTTP_PORT: String(port),
        CASE_DEADLINE_SCAN_MS: '0',
        FEDERATION_SUMMARY_MS: '0',
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
        // Export every 200 ms rather than every 5 s: the test waits for the spans, not for a timer.
        OTEL_BSP_SCHEDULE_DELAY: '200',
      },
    });
    procs.push(proc);
    const url = `http://127.0.0.1:${port}`;
    try {
      await waitFor(`${name} of ${code}`, async () => (await fetch(`${url}/readyz`)).status === 200, 90_000, 250);
    } catch (err) {
      const stderr = (proc.child as unknown as { lastStderr?: () => string }).lastStderr?.() ?? '';
      throw new Error(`${(err as Error).message}\n${stderr}`);
    }
    urls.set(`${name}@${code}`, url);
  };

  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    oidc = await provideOidc();
    fed = await startFederation(TIERS);
    for (const t of TIERS) dbs.set(t.code, await provideDatabase());
    // Migrations take an advisory lock shared by every service, so starting them together costs little more than one.
    await Promise.all([...TIERS.map((t) => spawnService('public-sentiment', t.code)), spawnService('mobile-gateway', GRID)]);
    for (const t of TIERS) {
      const c = new pg.Client({ connectionString: dbs.get(t.code)!.url });
      await c.connect();
      sql.set(t.code, c);
    }
    for (const user of ['gw-07', 'district']) tokens[user] = await oidc.tokenFor(user);
  }, 240_000);

  afterAll(async () => {
    for (const c of sql.values()) await c.end().catch(() => undefined);
    await Promise.allSettled(procs.map((p) => p.stop()));
    await fed?.close();
    await oidc?.close();
    for (const db of dbs.values()) await db.drop().catch(() => undefined);
    await receiver?.close();
  });

  const post = async (service: ServiceName, tier: string, user: string, path: string, body: unknown, traceparent?: string) => {
    const res = await fetch(`${urls.get(`${service}@${tier}`)}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${tokens[user]}`, ...(traceparent && { traceparent }) },
      body: JSON.stringify(body),
    });
    const text = await res.text();
    if (res.status >= 300) throw new Error(`POST ${path} at ${tier}: ${res.status} ${text}`);
    return { body: JSON.parse(text) as Record<string, unknown>, traceresponse: res.headers.get('traceresponse') };
  };
  const copyAt = async (tier: string, originCaseId: string) =>
    (await sql.get(tier)!.query<{ id: string; state: string }>(`SELECT id, state FROM public_sentiment.cases WHERE origin_case_id = $1`, [originCaseId])).rows[0];

  /** Where a span was made: `<service>@<tier>`, from its process's resource. */
  const madeAt = (s: ReceivedSpan) => `${String(s.resource['service.name'])}@${String(s.resource['gm.tier'])}`;
  const find = (spans: readonly ReceivedSpan[], at: string, kind: ReceivedSpan['kind'], name: string | RegExp) =>
    spans.filter((s) => madeAt(s) === at && s.kind === kind && (typeof name === 'string' ? s.name === name : name.test(s.name)));

  it('carries one trace id from the handheld report through the escalation to the copies at the community, the street and the district; the result flows back down in one trace; no personal data in any span', async () => {
    // The handheld traces its work on the case: its report and its escalation carry one trace context
    // (W3C traceparent), each request a span of its own in it.
    const traceId = randomBytes(16).toString('hex');
    const description = `井盖缺失，路人险些踩空。联系人电话 ${SYNTHETIC_PHONE}，身份证 ${SYNTHETIC_ID_NUMBER}`;
    const reported = await post('mobile-gateway', GRID, 'gw-07', '/api/v1/reports', aReport({ gridCode: GRID, categoryCode: 'BJ0101', description }), traceparentIn(traceId));
    expect(traceIdOf(reported.traceresponse)).toBe(traceId);
    const gridCase = String(reported.body['caseId']);

    // Escalated straight to the district: the community and the street keep read-only copies and pass it on.
    await post('public-sentiment', GRID, 'gw-07', `/api/v1/cases/${gridCase}/actions/escalate`, { reason: '需区级处置 (for the district)', escalateTo: DISTRICT }, traceparentIn(traceId));
    const atDistrict = await eventually('the copy at the district', async () => copyAt(DISTRICT, gridCase), 30_000);
    for (const tier of [COMMUNITY, STREET]) expect(await copyAt(tier, gridCase)).toMatchObject({ state: 'escalated' });

    // The district's answer, begun by the district's own request (a trace of its own), goes back down to the grid.
    const voided = await post('public-sentiment', DISTRICT, 'district', `/api/v1/cases/${atDistrict.id}/actions/void`, { reason: '已由燃气公司处理 (handled elsewhere)' });
    const downTraceId = traceIdOf(voided.traceresponse)!;
    expect(downTraceId).toMatch(/^[0-9a-f]{32}$/);
    await waitFor(
      'the grid copy voided',
      async () => (await sql.get(GRID)!.query<{ state: string }>(`SELECT state FROM public_sentiment.cases WHERE id = $1`, [gridCase])).rows[0]?.state === 'voided',
      30_000,
      100,
    );

    // Up: the report at the grid (gateway, then the case service over NATS), the escalation at the grid and
    // its publication, then at each tier above the consumer that made the copy (a child of the publication
    // at the tier below) and, below the district, its own publication of the case passed on.
    const escalatedUp = 'gm.uplink.case-escalated.v1';
    const up = await eventually(
      'the spans of the report and escalation at all four tiers',
      async () => {
        const spans = receiver.trace(traceId);
        const wanted = [
          find(spans, `mobile-gateway@${GRID}`, 'server', 'POST /api/v1/reports'),
          // The report's span at the case service continues the gateway's, over the NATS request.
          find(spans, `public-sentiment@${GRID}`, 'server', `rpc gm.${GRID}.rpc.case.report.v1`),
          find(spans, `public-sentiment@${GRID}`, 'server', /^POST .*\/actions\/:action$/),
          ...[GRID, COMMUNITY, STREET].map((t) => find(spans, `public-sentiment@${t}`, 'producer', `publish ${escalatedUp}`)),
          ...[COMMUNITY, STREET, DISTRICT].map((t) => find(spans, `public-sentiment@${t}`, 'consumer', `process ${escalatedUp}`)),
        ];
        return wanted.every((w) => w.length > 0) ? spans : undefined;
      },
      30_000,
    );
    expect(new Set(up.map(madeAt))).toEqual(
      new Set([`mobile-gateway@${GRID}`, `public-sentiment@${GRID}`, `public-sentiment@${COMMUNITY}`, `public-sentiment@${STREET}`, `public-sentiment@${DISTRICT}`]),
    );
    // Each copy's span is the child of the publication at the tier below: the hops are one chain, not merely one id.
    for (const [below, above] of [[GRID, COMMUNITY], [COMMUNITY, STREET], [STREET, DISTRICT]] as const) {
      const published = new Set(find(up, `public-sentiment@${below}`, 'producer', `publish ${escalatedUp}`).map((s) => s.spanId));
      const copied = find(up, `public-sentiment@${above}`, 'consumer', `process ${escalatedUp}`);
      expect({ below, above, childOfPublication: copied.some((s) => published.has(s.parentSpanId)) }).toEqual({ below, above, childOfPublication: true });
    }

    // Down: the district's step reaches the street, the community and the grid in the district's trace.
    const progressedDown = 'gm.downlink.case-progressed.v1';
    const down = await eventually(
      'the spans of the result at all four tiers',
      async () => {
        const spans = receiver.trace(downTraceId);
        const wanted = [
          find(spans, `public-sentiment@${DISTRICT}`, 'server', /^POST .*\/actions\/:action$/),
          ...[STREET, COMMUNITY, GRID].map((t) => find(spans, `public-sentiment@${t}`, 'consumer', `process ${progressedDown}`)),
        ];
        return wanted.every((w) => w.length > 0) ? spans : undefined;
      },
      30_000,
    );
    expect(new Set(down.map((s) => String(s.resource['gm.tier'])))).toEqual(new Set([DISTRICT, STREET, COMMUNITY, GRID]));

    // Nothing was refused by the receiver, and no span (name, attributes, events, resource) quotes the reporter's phone or ID number.
    expect(receiver.rejected).toEqual([]);
    const quoting = receiver.spans
      .filter((s) => {
        const text = JSON.stringify({ name: s.name, attributes: s.attributes, events: s.events, resource: s.resource, status: s.status });
        return text.includes(SYNTHETIC_PHONE) || text.includes(SYNTHETIC_ID_NUMBER);
      })
      .map((s) => `${madeAt(s)}: ${s.name} (${Object.keys(s.attributes).join(', ')})`);
    expect(quoting).toEqual([]);
    // Those searched include the statements that stored the case with its description, at every tier, their values left out.
    // (At the grid they are not in the report's trace: reports that arrive together are committed together, ADR 0009.)
    const storing = receiver.spans.filter((s) => /^insert into "public_sentiment"\."cases" /i.test(String(s.attributes['db.query.text'] ?? '')));
    expect(new Set(storing.map((s) => s.resource['gm.tier']))).toEqual(new Set([GRID, COMMUNITY, STREET, DISTRICT]));
  });
});
