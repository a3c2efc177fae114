import { randomUUID } from 'node:crypto';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { connect } from '@nats-io/transport-node';
import { Rpc, caseTimelineSchema, caseViewSchema, errorBodySchema, federationSummarySchema, namespace, type FederationSummary } from '@gm/contracts';
import { jetstreamDomainOf, RpcClient } from '@gm/messaging';
import {
  DEMO_CHAIN,
  demoChainTiers,
  aReport,
  expectShape,
  freePort,
  provideDatabase,
  provideOidc,
  scrapeMetrics,
  spawnProcess,
  startFederation,
  startService,
  waitFor,
  type Spawned,
  type TestDatabase,
  type TestFederation,
  type TestOidc,
  type TestService,
} from '@gm/testing';
import { AppModule } from '../../apps/public-sentiment/src/app.module';
import { configSchema, type AppConfig } from '../../apps/public-sentiment/src/config/config';

const { district: DISTRICT, street: STREET, community: COMMUNITY, grid: GRID } = DEMO_CHAIN;
const TIERS = demoChainTiers('district', 'grid');
const PS_MAIN = resolve(__dirname, '../../apps/public-sentiment/dist/main.js');

type Json = Record<string, unknown>;

/** public-sentiment of one tier: in this process, or (the street's) as the built service in its own process, so that it can be killed. */
interface TierService {
  url: string;
  stop(signal?: NodeJS.Signals): Promise<void>;
  start(): Promise<void>;
}

describe('four-tier federation: grid → community → street → district and back (real nats-server leafnodes, one database per tier)', () => {
  let fed: TestFederation;
  let oidc: TestOidc;
  const dbs = new Map<string, TestDatabase>();
  const sql = new Map<string, pg.Client>();
  const services = new Map<string, TierService>();
  const tokens: Record<string, string> = {};
  let rpc: RpcClient;

  const envOf = (code: string, port = '0'): Record<string, string> => ({
    TIER_CODE: code,
    NATS_URL: fed.tier(code).url,
    NATS_NAMESPACE: code,
    JETSTREAM_DOMAIN: fed.tier(code).domain,
    DATABASE_URL: dbs.get(code)!.url,
    OIDC_ISSUER: oidc.issuer,
    OIDC_AUDIENCE: oidc.audience,
    HTTP_HOST: '127.0.0.1',
    HTTP_PORT: port,
    LOG_LEVEL: 'warn',
    FEDERATION_ENABLED: 'true',
    FEDERATION_SUMMARY_MS: '300',
    // The grid's deadline scheduler runs (the escalation rule); the others are driven by hand.
    CASE_DEADLINE_SCAN_MS: code === GRID ? '200' : '0',
  });

  const inProcess = async (code: string): Promise<TierService> => {
    let svc: TestService<AppConfig> | undefined;
    const t: TierService = {
      url: '',
      start: async () => {
        svc = await startService({ configSchema, module: (c, l) => AppModule.forRoot(c, l) }, envOf(code));
        t.url = svc.url;
      },
      stop: async () => {
        await svc?.close();
        svc = undefined;
      },
    };
    await t.start();
    return t;
  };

  const asProcess = async (code: string): Promise<TierService> => {
    if (!existsSync(PS_MAIN)) throw new Error(`${PS_MAIN} is missing: run the build first (npx tsc -b tsconfig.build.json; npm test does it)`);
    const port = await freePort();
    let proc: Spawned | undefined;
    const t: TierService = {
      url: `http://127.0.0.1:${port}`,
      start: async () => {
        proc = spawnProcess(process.execPath, [PS_MAIN], { env: { PATH: process.env['PATH'] ?? '', ...envOf(code, String(port)) } });
        await waitFor(`public-sentiment of ${code}`, async () => (await fetch(`${t.url}/readyz`)).status === 200, 60_000, 200);
      },
      stop: async (signal = 'SIGTERM') => {
        await proc?.stop(signal);
        proc = undefined;
      },
    };
    await t.start();
    return t;
  };

  /** The deploy step before a tier's public-sentiment starts: the built image's `apply-streams` command (ADR 0022). */
  const applyStreamsStep = async (code: string) => {
    if (!existsSync(PS_MAIN)) throw new Error(`${PS_MAIN} is missing: run the build first (npx tsc -b tsconfig.build.json; npm test does it)`);
    const { stdout } = await promisify(execFile)(process.execPath, [PS_MAIN, 'apply-streams', fed.tier(code).streamsFile, '--wait-seconds', '30'], {
      env: { PATH: process.env['PATH'] ?? '', ...envOf(code) },
    });
    return stdout;
  };
  let districtStreamsApplied = '';

  beforeAll(async () => {
    oidc = await provideOidc();
    // The district's streams are applied by the deploy step (apply-streams) before its service starts, the others' by the harness.
    fed = await startFederation(TIERS, { selfProvisioned: [DISTRICT] });
    for (const t of TIERS) {
      const db = await provideDatabase();
      dbs.set(t.code, db);
    }
    districtStreamsApplied = await applyStreamsStep(DISTRICT);
    for (const t of TIERS) services.set(t.code, t.code === STREET ? await asProcess(t.code) : await inProcess(t.code));
    for (const t of TIERS) {
      const c = new pg.Client({ connectionString: dbs.get(t.code)!.url });
      await c.connect();
      sql.set(t.code, c);
    }
    for (const user of ['gw-07', 'community', 'street', 'district']) tokens[user] = await oidc.tokenFor(user);
    rpc = new RpcClient({ servers: [fed.tier(GRID).url], namespace: namespace(GRID), tier: GRID, service: 'mobile-gateway' });
  }, 180_000);

  afterAll(async () => {
    await rpc?.onApplicationShutdown();
    for (const c of sql.values()) await c.end().catch(() => undefined);
    for (const s of services.values()) await s.stop().catch(() => undefined);
    await fed?.close();
    await oidc?.close();
    for (const db of dbs.values()) await db.drop().catch(() => undefined);
  });

  const call = async (tier: string, user: string, method: string, path: string, body?: unknown) => {
    const res = await fetch(`${services.get(tier)!.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${tokens[user]}`, ...(body !== undefined && { 'content-type': 'application/json' }) },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, body: (text && res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text) as Json, text };
  };
  const act = async (tier: string, user: string, id: string, action: string, body: Json = {}) => {
    const r = await call(tier, user, 'POST', `/api/v1/cases/${id}/actions/${action}`, body);
    if (r.status !== 200) throw new Error(`${action} at ${tier}: ${r.status} ${r.text}`);
    return expectShape(caseViewSchema, r.body);
  };
  /** A grid worker reports on the handheld (through the grid's NATS, as mobile-gateway does). */
  const report = async (description = '井盖破损，需要更换 (a broken manhole cover)') => {
    const res = await rpc.request(
      Rpc.reportCase,
      { report: aReport({ gridCode: GRID, categoryCode: 'BJ0101', description }), idempotencyKey: randomUUID(), channel: 'handheld' },
      { authorization: `Bearer ${tokens['gw-07']}` },
    );
    return res.caseId;
  };
  const copyAt = async (tier: string, sourceCaseId: string) =>
    (await sql.get(tier)!.query<{ id: string; state: string }>(`SELECT id, state FROM public_sentiment.cases WHERE source_case_id = $1`, [sourceCaseId])).rows[0];
  const arrivedAt = (tier: string, sourceCaseId: string) =>
    waitFor(`case ${sourceCaseId} at ${tier}`, async () => (await copyAt(tier, sourceCaseId)) !== undefined, 30_000, 50).then(async () => (await copyAt(tier, sourceCaseId))!);

  /** A case's timeline at `tier`, as its reader there sees it. */
  const timelineAt = async (tier: string, user: string, id: string) => expectShape(caseTimelineSchema, (await call(tier, user, 'GET', `/api/v1/cases/${id}/timeline`)).body).entries;
  /** Each entry as `action@tier` (the tier that took the step; entries of this tier have none). */
  const stepsOf = (entries: Json[], here: string) => entries.map((e) => `${e['action']}@${e['tier'] ?? here}`);

  it("applies a tier's streams in a deploy step that says what it did, and a second run changes nothing", async () => {
    const names = (JSON.parse(readFileSync(fed.tier(DISTRICT).streamsFile, 'utf8')) as { name: string }[]).map((st) => st.name).sort();
    const listed = (line: string, what: string) => (new RegExp(`${what} \\[([^\\]]*)\\]`).exec(line)?.[1] ?? '').split(', ').filter(Boolean).sort();
    expect(listed(districtStreamsApplied, 'created')).toEqual(names);
    const again = await applyStreamsStep(DISTRICT);
    expect(again.startsWith(`${DISTRICT}: `)).toBe(true);
    expect(listed(again, 'unchanged')).toEqual(names);
    expect(listed(again, 'created')).toEqual([]);
  });

  it('escalates a grid case to the community, the street and the district; the district closes it and the grid and its reporter see the closing note', async () => {
    const gridCase = await report();
    const escalated = await act(GRID, 'gw-07', gridCase, 'escalate', { reason: '需要社区协调物业 (needs the community to involve the estate manager)' });
    expect(escalated['state']).toBe('escalated');
    expect(escalated['federation']).toMatchObject({ escalatedTo: COMMUNITY, ownerTier: COMMUNITY, readOnly: true });
    expect(escalated['availableActions']).toEqual([]);

    const atCommunity = await arrivedAt(COMMUNITY, gridCase);
    const communityView = expectShape(caseViewSchema, (await call(COMMUNITY, 'community', 'GET', `/api/v1/cases/${atCommunity.id}`)).body);
    expect(communityView).toMatchObject({ state: 'registered', gridCode: GRID, federation: { origin: { tier: GRID, caseId: gridCase }, source: { tier: GRID, caseId: gridCase }, path: [GRID] } });
    // The grid's history came along: the report and the escalation, done at the grid.
    const communityTimeline = await timelineAt(COMMUNITY, 'community', atCommunity.id);
    expect(communityTimeline.map((e) => [e['action'], e['tier']])).toEqual([['report', GRID], ['escalate', GRID], ['receive', null]]);

    await act(COMMUNITY, 'community', atCommunity.id, 'escalate', { reason: '涉及多个社区 (spans several communities)' });
    const atStreet = await arrivedAt(STREET, atCommunity.id);
    await act(STREET, 'street', atStreet.id, 'escalate', { reason: '需要区城管局 (needs the district urban management bureau)' });
    const atDistrict = await arrivedAt(DISTRICT, atStreet.id);
    const districtView = expectShape(caseViewSchema, (await call(DISTRICT, 'district', 'GET', `/api/v1/cases/${atDistrict.id}`)).body);
    expect(districtView['federation']).toMatchObject({ origin: { tier: GRID, caseId: gridCase }, source: { tier: STREET, caseId: atStreet.id }, path: [GRID, COMMUNITY, STREET] });

    // The grid heard that the case went further up (owner now the district), still read-only.
    const ownerAtGrid = async () => ((await call(GRID, 'gw-07', 'GET', `/api/v1/cases/${gridCase}`)).body['federation'] as Json)['ownerTier'];
    await waitFor('the grid to know the district owns it', async () => (await ownerAtGrid()) === DISTRICT, 30_000, 100);
    const refused = await call(GRID, 'gw-07', 'POST', `/api/v1/cases/${gridCase}/actions/escalate`, { reason: 'again' });
    expect(refused.status).toBe(409);
    expect(expectShape(errorBodySchema, refused.body).code).toBe('CASE.OWNED_BY_OTHER_TIER');

    // The district works it to the end.
    await act(DISTRICT, 'district', atDistrict.id, 'dispatch', { assignee: { kind: 'department', code: 'urban-management' } });
    await act(DISTRICT, 'district', atDistrict.id, 'handle', { note: '已更换井盖 (cover replaced)', evidence: ['cases/demo/cover.jpg'] });
    await act(DISTRICT, 'district', atDistrict.id, 'verify');
    const note = '区城管局已更换井盖并复核 (the district replaced the cover and checked it)';
    await act(DISTRICT, 'district', atDistrict.id, 'close', { note });

    await waitFor('the grid copy closed', async () => (await call(GRID, 'gw-07', 'GET', `/api/v1/cases/${gridCase}`)).body['state'] === 'closed', 30_000, 100);
    const gridView = expectShape(caseViewSchema, (await call(GRID, 'gw-07', 'GET', `/api/v1/cases/${gridCase}`)).body);
    expect(gridView['federation']).toMatchObject({ ownerTier: DISTRICT, upstreamState: 'closed', readOnly: true });
    const gridTimeline = await timelineAt(GRID, 'gw-07', gridCase);
    const closing = gridTimeline.at(-1)!;
    expect(closing).toMatchObject({ action: 'close', to: 'closed', tier: DISTRICT, note });
    // Each step at the owning tiers, in order, at the grid.
    expect(stepsOf(gridTimeline, GRID)).toEqual([
      `report@${GRID}`,
      `escalate@${GRID}`,
      `escalate@${COMMUNITY}`,
      `escalate@${STREET}`,
      `dispatch@${DISTRICT}`,
      `handle@${DISTRICT}`,
      `verify@${DISTRICT}`,
      `close@${DISTRICT}`,
    ]);
    // The reporter hears it from the grid's own events: gm.case.closed.v1 naming them, with the district's note.
    const reporter = (await sql.get(GRID)!.query<{ s: string }>(`SELECT reporter_subject AS s FROM public_sentiment.cases WHERE id = $1`, [gridCase])).rows[0]!.s;
    const closed = (
      await sql.get(GRID)!.query<{ data: Json }>(`SELECT payload->'data' AS data FROM public_sentiment.outbox WHERE type = 'gm.case.closed.v1' AND payload->>'subject' = $1`, [gridCase])
    ).rows;
    expect(closed).toHaveLength(1);
    expect(closed[0]!.data).toMatchObject({ reporters: [reporter], actingTier: DISTRICT, to: 'closed', note });
    // The owner's deadline travels with each step, through the tiers between, to the grid's event.
    const dispatchedAt = async (tier: string, id: string) =>
      (await sql.get(tier)!.query<{ d: string | null }>(`SELECT payload->'data'->>'deadlineAt' AS d FROM public_sentiment.outbox WHERE type = 'gm.case.dispatched.v1' AND payload->>'subject' = $1`, [id])).rows[0]?.d;
    const deadline = await dispatchedAt(DISTRICT, atDistrict.id);
    expect(deadline).toEqual(expect.any(String));
    expect(await dispatchedAt(GRID, gridCase)).toBe(deadline);
  });

  it('escalates straight to the district (escalateTo): community and street keep read-only copies and pass it on; results come back the same way', async () => {
    const gridCase = await report('燃气管道泄漏气味 (smell of gas along the pipe)');
    const bad = await call(GRID, 'gw-07', 'POST', `/api/v1/cases/${gridCase}/actions/escalate`, { reason: '紧急 (urgent)', escalateTo: '350206002' });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain('escalateTo');
    await act(GRID, 'gw-07', gridCase, 'escalate', { reason: '需区级处置 (for the district)', escalateTo: DISTRICT });
    const atCommunity = await arrivedAt(COMMUNITY, gridCase);
    const atStreet = await arrivedAt(STREET, atCommunity.id);
    const atDistrict = await arrivedAt(DISTRICT, atStreet.id);
    expect([atCommunity.state, atStreet.state, atDistrict.state]).toEqual(['escalated', 'escalated', 'registered']);
    const passing = (await call(COMMUNITY, 'community', 'GET', `/api/v1/cases/${atCommunity.id}`)).body;
    expect(passing['federation']).toMatchObject({ escalatedTo: STREET, readOnly: true });
    expect((await call(COMMUNITY, 'community', 'POST', `/api/v1/cases/${atCommunity.id}/actions/void`, { reason: 'x' })).status).toBe(409);
    const districtView = (await call(DISTRICT, 'district', 'GET', `/api/v1/cases/${atDistrict.id}`)).body;
    expect(districtView['federation']).toMatchObject({ origin: { tier: GRID, caseId: gridCase }, path: [GRID, COMMUNITY, STREET] });

    await act(DISTRICT, 'district', atDistrict.id, 'void', { reason: '已由燃气公司处理 (handled by the gas company)' });
    await waitFor('the grid copy voided', async () => (await call(GRID, 'gw-07', 'GET', `/api/v1/cases/${gridCase}`)).body['state'] === 'voided', 30_000, 100);
    expect((await call(COMMUNITY, 'community', 'GET', `/api/v1/cases/${atCommunity.id}`)).body['state']).toBe('voided');
  });

  it("escalates by the category's rule: a case past its escalation threshold goes to the community by itself", async () => {
    const gridCase = await report('路面塌陷 (road surface collapsed)');
    // As if the accept step had run out long ago (the clock arithmetic itself is tested in libs/domain).
    await sql.get(GRID)!.query(`UPDATE public_sentiment.cases SET deadline_at = now() - interval '3 hours', escalate_at = now() - interval '1 minute' WHERE id = $1`, [gridCase]);
    const atCommunity = await arrivedAt(COMMUNITY, gridCase);
    expect(atCommunity.state).toBe('registered');
    const gridView = (await call(GRID, 'gw-07', 'GET', `/api/v1/cases/${gridCase}`)).body;
    expect(gridView).toMatchObject({ state: 'escalated', escalationDue: true, federation: { escalatedTo: COMMUNITY } });
    const timeline = await timelineAt(GRID, 'gw-07', gridCase);
    expect(timeline.at(-1)).toMatchObject({ action: 'escalate', actor: { subject: 'system:case-rules', role: 'grid-leader' } });
  });

  /** Cases this tier owns (counted in its statistics), from its database. */
  const ownedAt = async (tier: string) => Number((await sql.get(tier)!.query<{ n: string }>(`SELECT count(*) AS n FROM public_sentiment.cases WHERE owner_tier IS NULL`)).rows[0]!.n);

  it("sends statistics up: the district's summary covers its whole subtree, each case counted once, at the tier that owns it", async () => {
    const expected = (await Promise.all(TIERS.map((t) => ownedAt(t.code)))).reduce((a, b) => a + b, 0);
    let summary: FederationSummary | undefined;
    await waitFor(
      'the district summary to cover grid, community, street and district',
      async () => {
        summary = expectShape(federationSummarySchema, (await call(DISTRICT, 'district', 'GET', '/api/v1/federation/summary')).body);
        const subtree = summary.subtree;
        return [...subtree.tiers].sort().join() === [DISTRICT, STREET, COMMUNITY, GRID].sort().join() && subtree.counts.total === expected;
      },
      30_000,
      100,
    );
    const { subtree } = summary!;
    // Every case of this suite so far began in grid 07; the one closed at the district counts there as closed, its copies below do not count.
    expect(subtree.counts.byGrid[GRID]!.total).toBe(expected);
    expect(subtree.counts.byState['closed']).toBe(1);
    expect(subtree.counts.byState['escalated']).toBeUndefined();
    expect(summary!.children).toEqual([expect.objectContaining({ tier: STREET, tiers: expect.arrayContaining([STREET, COMMUNITY, GRID]) })]);
    // A community's staff cannot read the district's summary.
    expect((await call(DISTRICT, 'community', 'GET', '/api/v1/federation/summary')).status).toBe(403);
  });

  /** Reports at the grid and escalates step by step to the district; returns each tier's copy id. */
  const upToDistrict = async (description: string) => {
    const grid = await report(description);
    await act(GRID, 'gw-07', grid, 'escalate', { reason: '需要社区处理 (for the community)' });
    const community = (await arrivedAt(COMMUNITY, grid)).id;
    await act(COMMUNITY, 'community', community, 'escalate', { reason: '需要街道协调 (for the street)' });
    const street = (await arrivedAt(STREET, community)).id;
    await act(STREET, 'street', street, 'escalate', { reason: '需要区里决定 (for the district)' });
    const district = (await arrivedAt(DISTRICT, street)).id;
    return { grid, community, street, district };
  };
  const view = async (tier: string, user: string, id: string) => (await call(tier, user, 'GET', `/api/v1/cases/${id}`)).body;
  const stateAt = async (tier: string, user: string, id: string) => (await view(tier, user, id))['state'];

  it('assigns a case back down with instructions (下派): the district to the street, the street on to the community, which closes it; every tier sees each step', async () => {
    // Only a case that came from a child can go back down; instructions are required.
    const own = await report('垃圾桶满溢 (bins overflowing)');
    const noChild = await call(GRID, 'community', 'POST', `/api/v1/cases/${own}/actions/assign_back`, { note: '请处理 (please handle)' });
    expect(noChild.status).toBe(409);
    expect(noChild.body['code']).toBe('CASE.NO_CHILD_TIER');

    const ids = await upToDistrict('小区围墙开裂 (a crack in the estate wall)');
    expect((await view(DISTRICT, 'district', ids.district))['availableActions']).toContain('assign_back');
    const noNote = await call(DISTRICT, 'district', 'POST', `/api/v1/cases/${ids.district}/actions/assign_back`, {});
    expect(noNote.status).toBe(400);
    expect(JSON.stringify(noNote.body)).toContain('note');

    const instructions = '请街道组织排查，三日内反馈 (the street to inspect and report back within three days)';
    const back = await act(DISTRICT, 'district', ids.district, 'assign_back', { note: instructions });
    expect(back).toMatchObject({ state: 'assigned_back', assignee: { kind: 'unit', code: STREET }, federation: { ownerTier: STREET, upstreamState: 'dispatched', readOnly: true } });
    expect(back['availableActions']).toEqual([]);
    const refused = await call(DISTRICT, 'district', 'POST', `/api/v1/cases/${ids.district}/actions/void`, { reason: 'x' });
    expect(refused.status).toBe(409);
    expect(expectShape(errorBodySchema, refused.body).code).toBe('CASE.OWNED_BY_OTHER_TIER');

    // The street owns it again, dispatched to itself, with the district's instructions; the district follows it.
    await waitFor('the street to own it again', async () => (await stateAt(STREET, 'street', ids.street)) === 'dispatched', 30_000, 100);
    const atStreet = await view(STREET, 'street', ids.street);
    expect(atStreet).toMatchObject({ assignee: { kind: 'unit', code: STREET }, step: 'handle', federation: { ownerTier: null, escalatedTo: null, followedBy: DISTRICT, readOnly: false } });
    const streetTimeline = await timelineAt(STREET, 'street', ids.street);
    expect(streetTimeline.at(-1)).toMatchObject({ action: 'assign_back', from: 'escalated', to: 'dispatched', tier: DISTRICT, note: instructions });
    // The tiers below hear that the street owns it now.
    await waitFor('the grid to know the street owns it', async () => ((await view(GRID, 'gw-07', ids.grid))['federation'] as Json)['ownerTier'] === STREET, 30_000, 100);

    // The street sends it on down to the community (returned first: it was dispatched to the street itself).
    await act(STREET, 'street', ids.street, 'return', { reason: '由社区落实 (for the community to carry out)' });
    const toCommunity = '请社区联系物业修复 (the community to have the estate manager repair it)';
    await act(STREET, 'street', ids.street, 'assign_back', { note: toCommunity });
    await waitFor('the community to own it', async () => (await stateAt(COMMUNITY, 'community', ids.community)) === 'dispatched', 30_000, 100);
    await waitFor('the district to know the community owns it', async () => ((await view(DISTRICT, 'district', ids.district))['federation'] as Json)['ownerTier'] === COMMUNITY, 30_000, 100);

    // The community works it to the end.
    await act(COMMUNITY, 'community', ids.community, 'start');
    await act(COMMUNITY, 'community', ids.community, 'handle', { note: '物业已修补围墙 (the wall was repaired)', evidence: ['cases/demo/wall.jpg'] });
    await act(COMMUNITY, 'community', ids.community, 'verify');
    const note = '社区已复核，围墙修复完成 (checked by the community: repaired)';
    await act(COMMUNITY, 'community', ids.community, 'close', { note });

    // Up: the street's and the district's copies follow to the closing, each owned by the community.
    for (const [tier, user, id] of [[STREET, 'street', ids.street], [DISTRICT, 'district', ids.district]] as const) {
      await waitFor(`the ${user} copy closed`, async () => (await stateAt(tier, user, id)) === 'closed', 30_000, 100);
      expect((await view(tier, user, id))['federation']).toMatchObject({ ownerTier: COMMUNITY, upstreamState: 'closed', readOnly: true });
    }
    // What the tiers below the district did after it assigned the case back, as every copy shows it.
    const afterAssignBack = [`return@${STREET}`, `assign_back@${STREET}`, ...['start', 'handle', 'verify', 'close'].map((a) => `${a}@${COMMUNITY}`)];
    expect(stepsOf(await timelineAt(DISTRICT, 'district', ids.district), DISTRICT).slice(-afterAssignBack.length)).toEqual(afterAssignBack);
    // Down: the grid and its reporter see each step and the community's closing note.
    await waitFor('the grid copy closed', async () => (await stateAt(GRID, 'gw-07', ids.grid)) === 'closed', 30_000, 100);
    const gridTimeline = await timelineAt(GRID, 'gw-07', ids.grid);
    expect(stepsOf(gridTimeline, GRID)).toEqual([
      `report@${GRID}`,
      `escalate@${GRID}`,
      `escalate@${COMMUNITY}`,
      `escalate@${STREET}`,
      `assign_back@${DISTRICT}`,
      ...afterAssignBack,
    ]);
    expect(gridTimeline.at(-1)).toMatchObject({ note });
    const closed = (
      await sql.get(GRID)!.query<{ data: Json }>(`SELECT payload->'data' AS data FROM public_sentiment.outbox WHERE type = 'gm.case.closed.v1' AND payload->>'subject' = $1`, [ids.grid])
    ).rows;
    expect(closed).toHaveLength(1);
    expect(closed[0]!.data).toMatchObject({ actingTier: COMMUNITY, to: 'closed', note });
  });

  it('a case assigned back can go up again: the parent takes its own copy over again (no second copy), and the tier above that follows it hears so', async () => {
    const ids = await upToDistrict('违章搭建 (an illegal structure)');
    await act(DISTRICT, 'district', ids.district, 'assign_back', { note: '请街道先行劝导 (the street to talk to the owner first)' });
    await waitFor('the street to own it again', async () => (await stateAt(STREET, 'street', ids.street)) === 'dispatched', 30_000, 100);
    await act(STREET, 'street', ids.street, 'escalate', { reason: '劝导无效，需执法 (talks failed: enforcement needed)' });
    await waitFor('the district to own it again', async () => (await stateAt(DISTRICT, 'district', ids.district)) === 'registered', 30_000, 100);
    const again = await view(DISTRICT, 'district', ids.district);
    expect(again['federation']).toMatchObject({ ownerTier: null, readOnly: false });
    expect(again['step']).toBe('dispatch');
    const copies = await sql.get(DISTRICT)!.query(`SELECT 1 FROM public_sentiment.cases WHERE source_case_id = $1`, [ids.street]);
    expect(copies.rowCount).toBe(1);
    expect(await view(STREET, 'street', ids.street)).toMatchObject({ state: 'escalated', federation: { ownerTier: DISTRICT, followedBy: null } });
    // The district can act on it again.
    await act(DISTRICT, 'district', ids.district, 'dispatch', { assignee: { kind: 'department', code: 'urban-management' } });
    await waitFor(
      "the grid to see the district's dispatch",
      async () => {
        const f = (await view(GRID, 'gw-07', ids.grid))['federation'] as Json;
        return f['ownerTier'] === DISTRICT && f['upstreamState'] === 'dispatched';
      },
      30_000,
      100,
    );
  });

  it("a tier's credentials cannot publish to or read another tier's subjects (permission violation)", async () => {
    const grid = fed.tier(GRID).leaf!;
    const nc = await connect({ servers: grid.parentClientUrl, user: grid.user, pass: grid.password, reconnect: false });
    try {
      const errors: string[] = [];
      void (async () => {
        for await (const s of nc.status()) if (s.type === 'error') errors.push(String(s.error));
      })();
      // Reading the street's subjects (what the community sends up) is refused …
      const sub = nc.subscribe(`gm.${COMMUNITY}.uplink.>`);
      const subError = (async () => {
        try {
          for await (const _m of sub) return 'a message';
          return 'closed without error';
        } catch (err) {
          return String(err);
        }
      })();
      // … and so is publishing as the community, or as a sibling grid.
      nc.publish(`gm.${COMMUNITY}.uplink.case-escalated.v1`, 'forged');
      nc.publish(`gm.350206001001-08.uplink.case-escalated.v1`, 'forged');
      await nc.flush().catch(() => undefined);
      expect(await subError).toMatch(/Permissions Violation/i);
      await waitFor('the publish violation', async () => errors.some((e) => /Permissions Violation for Publish/i.test(e)), 10_000, 50);
    } finally {
      await nc.close().catch(() => undefined);
    }
  });

  /** Escalates, at `tier`, every copy received from `sourceIds` that is still waiting there; returns the ids of this tier's copies. */
  const forward = async (tier: string, user: string, sourceIds: readonly string[]) => {
    const rows = (
      await sql.get(tier)!.query<{ id: string; state: string }>(`SELECT id, state FROM public_sentiment.cases WHERE source_case_id = ANY($1::uuid[])`, [sourceIds])
    ).rows;
    for (const r of rows.filter((r) => r.state === 'registered')) await act(tier, user, r.id, 'escalate', { reason: '上报 (escalated)' });
    return rows.map((r) => r.id);
  };
  const byOrigin = async (tier: string, originIds: readonly string[]) =>
    (
      await sql.get(tier)!.query<{ origin: string; n: number }>(
        `SELECT origin_case_id AS origin, count(*)::int AS n FROM public_sentiment.cases WHERE origin_case_id = ANY($1::uuid[]) GROUP BY 1`,
        [originIds],
      )
    ).rows;

  it("with the community's NATS server stopped the grid takes and escalates 100 cases; after the restart all 100 reach the district exactly once, within 60 s", async () => {
    await fed.tier(COMMUNITY).stop();
    // The community's /metrics still answers with its server gone; the figures read from the server are left out.
    const cut = await scrapeMetrics(services.get(COMMUNITY)!.url);
    expect(cut.some((m) => m.name === 'http_server_request_duration_seconds_count')).toBe(true);
    expect(cut.filter((m) => m.name === 'gm_federation_source_lag')).toEqual([]);
    const ids: string[] = [];
    for (let i = 0; i < 100; i++) ids.push(await report(`路灯不亮 #${i} (street light out)`));
    // Grid workers escalate at once, 25 at a time: the grid commits escalations that arrive together in one transaction.
    for (let i = 0; i < ids.length; i += 25) {
      await Promise.all(ids.slice(i, i + 25).map((id) => act(GRID, 'gw-07', id, 'escalate', { reason: '需要社区处理 (for the community)' })));
    }
    // All kept at the grid, in its UPLINK, while the community cannot be reached.
    expect((await sql.get(GRID)!.query(`SELECT 1 FROM public_sentiment.cases WHERE id = ANY($1::uuid[]) AND state = 'escalated'`, [ids])).rowCount).toBe(100);

    await fed.tier(COMMUNITY).start();
    // Staff at the community and the street pass each case on as it arrives; the bound is the acceptance's 60 s.
    await waitFor(
      'all 100 at the district',
      async () => {
        const atCommunity = await forward(COMMUNITY, 'community', ids);
        await forward(STREET, 'street', atCommunity);
        return (await byOrigin(DISTRICT, ids)).length === 100;
      },
      60_000,
      250,
    );
    // Once caught up, the community's /metrics shows its link from the grid with nothing left to copy.
    await waitFor(
      "the community's source from the grid caught up",
      async () => {
        const lag = (await scrapeMetrics(services.get(COMMUNITY)!.url)).filter((m) => m.name === 'gm_federation_source_lag' && m.labels['stream'] === 'UPLINK_AGG');
        return lag.length === 1 && lag[0]!.labels['source'] === `UPLINK@${jetstreamDomainOf(GRID)}` && lag[0]!.value === 0;
      },
      30_000,
      250,
    );
    await new Promise((r) => setTimeout(r, 1000));
    for (const tier of [COMMUNITY, STREET, DISTRICT]) {
      const counts = await byOrigin(tier, ids);
      expect(counts).toHaveLength(100);
      expect(counts.every((c) => c.n === 1)).toBe(true);
    }
    // Each copy carries its own case's history, whichever escalations shared a transaction at the grid.
    const history = async (tier: string, where: string, gridSteps: string) =>
      (
        await sql.get(tier)!.query<{ origin: string; steps: string }>(
          `SELECT ${where} AS origin, string_agg(t.action || '@' || to_char(t.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS'), ' ' ORDER BY t.id) AS steps
             FROM public_sentiment.cases c JOIN public_sentiment.case_transitions t ON t.case_id = c.id
            WHERE ${where} = ANY($1::uuid[]) AND ${gridSteps} GROUP BY 1 ORDER BY 1`,
          [ids],
        )
      ).rows;
    const atGrid = await history(GRID, 'c.id', 't.tier IS NULL');
    expect(atGrid).toHaveLength(100);
    expect(atGrid.every((h) => /^report@\S+ escalate@\S+$/.test(h.steps))).toBe(true);
    for (const tier of [COMMUNITY, STREET, DISTRICT]) {
      expect({ tier, history: await history(tier, 'c.origin_case_id', `t.tier = '${GRID}'`) }).toEqual({ tier, history: atGrid });
    }

    // Results still come down through the restarted community (its DOWNLINK_IN came back with its server).
    const [first] = (await sql.get(DISTRICT)!.query<{ id: string }>(`SELECT id FROM public_sentiment.cases WHERE origin_case_id = $1`, [ids[0]])).rows;
    await act(DISTRICT, 'district', first!.id, 'dispatch', { assignee: { kind: 'department', code: 'urban-management' } });
    await waitFor(
      'the district\'s step at the grid, through the restarted community',
      async () => stepsOf(await timelineAt(GRID, 'gw-07', ids[0]!), GRID).includes(`dispatch@${DISTRICT}`),
      30_000,
      100,
    );
  }, 150_000);

  it("kills the street's public-sentiment while escalations flow; after its restart nothing is missing or doubled", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 40; i++) ids.push(await report(`占道经营 #${i} (street stall)`));
    for (const id of ids) await act(GRID, 'gw-07', id, 'escalate', { reason: '需要社区处理 (for the community)' });
    await waitFor('40 at the community', async () => (await byOrigin(COMMUNITY, ids)).length === 40, 30_000, 100);
    const atCommunity = (await sql.get(COMMUNITY)!.query<{ id: string }>(`SELECT id FROM public_sentiment.cases WHERE origin_case_id = ANY($1::uuid[]) ORDER BY case_no`, [ids])).rows.map((r) => r.id);

    // Escalate them at the community while the street's process is killed (SIGKILL) half-way.
    const street = services.get(STREET)!;
    for (const [i, id] of atCommunity.entries()) {
      if (i === 15) await street.stop('SIGKILL');
      await act(COMMUNITY, 'community', id, 'escalate', { reason: '需要街道协调 (for the street)' });
    }
    await street.start();
    await waitFor(
      'all 40 at the district',
      async () => {
        await forward(STREET, 'street', atCommunity);
        return (await byOrigin(DISTRICT, ids)).length === 40;
      },
      60_000,
      250,
    );
    await new Promise((r) => setTimeout(r, 1000));
    for (const tier of [STREET, DISTRICT]) {
      const counts = await byOrigin(tier, ids);
      expect(counts).toHaveLength(40);
      expect(counts.every((c) => c.n === 1)).toBe(true);
    }
  }, 120_000);
});
