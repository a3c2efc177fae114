import { randomBytes, randomUUID } from 'node:crypto';
import { Client } from 'minio';
import pg from 'pg';
import {
  aReport,
  provideDatabase,
  provideOidc,
  provideS3,
  startFederation,
  startService,
  type TestDatabase,
  type TestFederation,
  type TestOidc,
  type TestS3,
  type TestService,
} from '@gm/testing';
import { connect } from '@nats-io/transport-node';
import { AttachmentRelay } from '@gm/contracts';
import { natsConnectionOptions, type FederationTier } from '@gm/messaging';
import * as gateway from '../../apps/mobile-gateway/src/app.module';
import * as gwConfig from '../../apps/mobile-gateway/src/config/config';
import * as ps from '../../apps/public-sentiment/src/app.module';
import * as psConfig from '../../apps/public-sentiment/src/config/config';
import { eventually, tierEnv } from './support';

const STREET = '350206001';
const COMMUNITY = '350206001001';
const GRID = '350206001001-07';
const SIBLING_GRID = '350206001001-08';
const TIERS: FederationTier[] = [
  { code: STREET, parent: null },
  { code: COMMUNITY, parent: STREET },
  { code: GRID, parent: COMMUNITY },
];
/** Synthetic bytes (no picture of anyone): larger than two chunks of the relay, so the read takes three requests per hop. */
const PHOTO = randomBytes(1_200_000);
/** A synthetic PDF-typed blob of the street office (not a real document), two chunks long. */
const NOTICE = Buffer.concat([Buffer.from('%PDF-1.4 synthetic notice of the street office\n'), randomBytes(700_000)]);

type Json = Record<string, unknown>;

describe('attachments across tiers: a photo uploaded at the grid, read at the community and the street, and back down (real nats-server leafnodes, S3, PostgreSQL)', () => {
  let fed: TestFederation;
  let oidc: TestOidc;
  let s3: TestS3;
  let bucketReader: Client;
  const dbs = new Map<string, TestDatabase>();
  const gateways = new Map<string, TestService<gwConfig.AppConfig>>();
  const cases = new Map<string, TestService<psConfig.AppConfig>>();
  const tokens: Record<string, string> = {};

  const envOf = (code: string): Record<string, string> => ({
    ...tierEnv(fed, oidc, code, dbs.get(code)!.url),
    S3_ENDPOINT: s3.endpoint,
    S3_ACCESS_KEY: s3.accessKey,
    S3_SECRET_KEY: s3.secretKey,
    CASE_DEADLINE_SCAN_MS: '0',
    FEDERATION_SUMMARY_MS: '0',
  });
  const startGateway = async (code: string) =>
    gateways.set(code, await startService({ configSchema: gwConfig.configSchema, module: (c, l) => gateway.AppModule.forRoot(c, l) }, { ...envOf(code), LOG_LEVEL: 'info' }));
  const logsOf = (code: string, msg: string) => gateways.get(code)!.logs.entries().filter((e) => e['msg'] === msg);

  beforeAll(async () => {
    [oidc, s3, fed] = await Promise.all([provideOidc(), provideS3(), startFederation(TIERS)]);
    const url = new URL(s3.endpoint);
    bucketReader = new Client({ endPoint: url.hostname, port: Number(url.port), useSSL: false, accessKey: s3.accessKey, secretKey: s3.secretKey, region: s3.region });
    for (const t of TIERS) dbs.set(t.code, await provideDatabase());
    for (const t of TIERS) await startGateway(t.code);
    // Cases at the grid and the community (the escalation brings the grid's photo reference up).
    for (const code of [GRID, COMMUNITY]) {
      cases.set(code, await startService({ configSchema: psConfig.configSchema, module: (c, l) => ps.AppModule.forRoot(c, l) }, envOf(code)));
    }
    for (const user of ['gw-07', 'community', 'street']) tokens[user] = await oidc.tokenFor(user);
  }, 180_000);

  afterAll(async () => {
    for (const s of [...cases.values(), ...gateways.values()]) await s.close().catch(() => undefined);
    await fed?.close();
    await s3?.close();
    await oidc?.close();
    for (const db of dbs.values()) await db.drop().catch(() => undefined);
  });

  const call = async (base: string, user: string, method: string, path: string, body?: unknown) => {
    const res = await fetch(`${base}${path}`, {
      method,
      redirect: 'manual',
      headers: { authorization: `Bearer ${tokens[user]}`, ...(body !== undefined && { 'content-type': 'application/json' }) },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, location: res.headers.get('location'), body: (text && res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : {}) as Json };
  };
  /** Announces and uploads an attachment at `tier`'s gateway; returns its key. */
  const upload = async (tier: string, user: string, contentType: string, bytes: Buffer) => {
    const announced = await call(gateways.get(tier)!.url, user, 'POST', '/api/v1/attachments', { contentType, sizeBytes: bytes.length });
    expect(announced.status).toBe(201);
    const up = announced.body['upload'] as { url: string; method: string; headers: Record<string, string> };
    expect((await fetch(up.url, { method: up.method, headers: up.headers, body: bytes })).status).toBe(200);
    return announced.body['key'] as string;
  };
  /** What a reader at `tier` gets for `holder`'s attachment: the HTTP status, and the bytes behind the redirect. */
  const read = async (tier: string, user: string, holder: string | undefined, key: string) => {
    const q = new URLSearchParams({ key, ...(holder && { tier: holder }) });
    const res = await call(gateways.get(tier)!.url, user, 'GET', `/api/v1/attachments/content?${q}`);
    if (res.status !== 302) return { ...res, bytes: undefined, type: undefined };
    const object = await fetch(res.location!);
    expect(object.status).toBe(200);
    return { ...res, bytes: Buffer.from(await object.arrayBuffer()), type: object.headers.get('content-type') };
  };
  /** The id of the community's copy of the grid's case `caseId`, once it is there. */
  const copyAtCommunity = (caseId: string) =>
    eventually('the escalated case at the community', async () => {
      const c = new pg.Client({ connectionString: dbs.get(COMMUNITY)!.url });
      await c.connect();
      try {
        return (await c.query<{ id: string }>('SELECT id FROM public_sentiment.cases WHERE source_case_id = $1', [caseId])).rows[0]?.id;
      } finally {
        await c.end();
      }
    }, 30_000);
  const copiedAt = async (tier: string, holder: string, key: string) =>
    bucketReader.statObject(`gm-${tier}`, `federated/${holder}/${key}`).then(
      (s) => s.size,
      () => undefined,
    );

  it('a grid photo sent up with an escalated case is fetched by the community as it takes the case over, and shown there even while the grid is cut off', async () => {
    const key = await upload(GRID, 'gw-07', 'image/jpeg', PHOTO);
    const reported = await call(gateways.get(GRID)!.url, 'gw-07', 'POST', '/api/v1/reports', aReport({ gridCode: GRID, categoryCode: 'BJ0101', evidence: [key] }));
    expect(reported.status).toBe(201);
    const caseId = reported.body['caseId'] as string;
    const escalated = await call(cases.get(GRID)!.url, 'gw-07', 'POST', `/api/v1/cases/${caseId}/actions/escalate`, { reason: '需要社区协调 (needs the community)' });
    expect(escalated.status).toBe(200);

    // The community's copy of the case names the grid's photo by tier and key.
    const copyId = await copyAtCommunity(caseId);
    const timeline = (await call(cases.get(COMMUNITY)!.url, 'community', 'GET', `/api/v1/cases/${copyId}/timeline`)).body['entries'] as Json[];
    const reportEntry = timeline.find((e) => e['action'] === 'report')!;
    expect(reportEntry).toMatchObject({ tier: GRID, attachments: [key] });

    // Taking the case over, the community fetched the photo (gm.case.received.v1), before anyone opened it.
    await eventually('the photo kept at the community', async () => (await copiedAt(COMMUNITY, GRID, key)) === PHOTO.length, 30_000);
    expect(logsOf(COMMUNITY, 'attachment.prefetched').filter((e) => e['caseId'] === copyId)).toEqual([expect.objectContaining({ kept: 1, of: 1, gaveUp: 0 })]);
    expect(logsOf(COMMUNITY, 'attachment.fetched').filter((e) => e['key'] === key)).toEqual([expect.objectContaining({ holder: GRID, chunks: 3 })]);

    // The grid's link goes down: the community's staff still see the photo.
    await fed.tier(GRID).stop();
    try {
      const shown = await read(COMMUNITY, 'community', reportEntry['tier'] as string, key);
      expect(shown.status).toBe(302);
      expect(shown.bytes!.equals(PHOTO)).toBe(true);
      expect(shown.type).toBe('image/jpeg');
    } finally {
      await fed.tier(GRID).start();
    }
    // The grid's gateway is back on the link before the next test reads through it.
    const probe = await upload(GRID, 'gw-07', 'image/jpeg', NOTICE);
    await eventually('reads from the grid again', async () => (await read(COMMUNITY, 'community', GRID, probe)).status === 302, 30_000);
  });

  it("the community's photo of the result goes down with its step: the grid sees it in its timeline and reads it from the community", async () => {
    const reported = await call(gateways.get(GRID)!.url, 'gw-07', 'POST', '/api/v1/reports', aReport({ gridCode: GRID, categoryCode: 'BJ0101' }));
    const caseId = reported.body['caseId'] as string;
    expect((await call(cases.get(GRID)!.url, 'gw-07', 'POST', `/api/v1/cases/${caseId}/actions/escalate`, { reason: '需要社区协调 (needs the community)' })).status).toBe(200);
    const copyId = await copyAtCommunity(caseId);
    const after = await upload(COMMUNITY, 'community', 'image/jpeg', PHOTO);
    const act = async (action: string, body: Json) => {
      const r = await call(cases.get(COMMUNITY)!.url, 'community', 'POST', `/api/v1/cases/${copyId}/actions/${action}`, body);
      expect({ action, status: r.status, body: r.status === 200 ? undefined : r.body }).toEqual({ action, status: 200, body: undefined });
    };
    await act('dispatch', { assignee: { kind: 'department', code: 'urban-management' } });
    await act('handle', { note: '已清理 (cleared)', evidence: [after] });

    const handled = await eventually('the handling step at the grid', async () => {
      const entries = (await call(cases.get(GRID)!.url, 'gw-07', 'GET', `/api/v1/cases/${caseId}/timeline`)).body['entries'] as Json[];
      return entries.find((e) => e['action'] === 'handle');
    }, 30_000);
    expect(handled).toMatchObject({ tier: COMMUNITY, attachments: [after] });
    const r = await read(GRID, 'gw-07', handled['tier'] as string, after);
    expect(r.status).toBe(302);
    expect(r.bytes!.equals(PHOTO)).toBe(true);
  });

  it("a photo that cannot be fetched when the case arrives (the grid's gateway is down) is fetched when the grid answers again", async () => {
    const key = await upload(GRID, 'gw-07', 'image/jpeg', PHOTO);
    const reported = await call(gateways.get(GRID)!.url, 'gw-07', 'POST', '/api/v1/reports', aReport({ gridCode: GRID, categoryCode: 'BJ0101', evidence: [key] }));
    expect(reported.status).toBe(201);
    const caseId = reported.body['caseId'] as string;
    await gateways.get(GRID)!.close();
    let copyId: string;
    try {
      const escalated = await call(cases.get(GRID)!.url, 'gw-07', 'POST', `/api/v1/cases/${caseId}/actions/escalate`, { reason: '需要社区协调 (needs the community)' });
      expect(escalated.status).toBe(200);
      copyId = await copyAtCommunity(caseId);
      await eventually('the fetch put off', async () => logsOf(COMMUNITY, 'attachment.prefetch_deferred').some((e) => e['caseId'] === copyId), 30_000);
      expect(await copiedAt(COMMUNITY, GRID, key)).toBeUndefined();
    } finally {
      await startGateway(GRID);
    }
    // Tried again with the consumer's back-off (1 s, 2 s, 4 s, …) once the grid has cooled down (10 s): kept once the grid answers.
    await eventually('the photo kept at the community', async () => (await copiedAt(COMMUNITY, GRID, key)) === PHOTO.length, 45_000);
    await eventually('the case done', async () => logsOf(COMMUNITY, 'attachment.prefetched').some((e) => e['caseId'] === copyId && e['kept'] === 1 && e['gaveUp'] === 0), 10_000);
  }, 90_000);

  it('the street reads a grid photo through the community (two hops), several readers at once, and one copy is kept', async () => {
    const key = await upload(GRID, 'gw-07', 'image/jpeg', PHOTO);
    const reads = await Promise.all([1, 2, 3].map(() => read(STREET, 'street', GRID, key)));
    for (const r of reads) {
      expect(r.status).toBe(302);
      expect(r.bytes!.equals(PHOTO)).toBe(true);
    }
    expect(await copiedAt(STREET, GRID, key)).toBe(PHOTO.length);
    // Fetched once for the three readers.
    expect(logsOf(STREET, 'attachment.fetched').filter((e) => e['key'] === key)).toEqual([expect.objectContaining({ holder: GRID, bytes: PHOTO.length, chunks: 3 })]);
    // Passed through, not kept, at the community on the way.
    expect(await copiedAt(COMMUNITY, GRID, key)).toBeUndefined();
  });

  it('the grid reads the street\'s attachment (two hops up): a result photo or notice sent down with a step', async () => {
    const key = await upload(STREET, 'street', 'application/pdf', NOTICE);
    const r = await read(GRID, 'gw-07', STREET, key);
    expect(r.status).toBe(302);
    expect(r.bytes!.equals(NOTICE)).toBe(true);
    expect(r.type).toBe('application/pdf');
    expect(logsOf(GRID, 'attachment.fetched').filter((e) => e['key'] === key)).toEqual([expect.objectContaining({ holder: STREET, chunks: 2 })]);
  });

  it('says what is wrong: no such attachment at the holder, a tier beside the path, a bad tier code', async () => {
    const missing = await read(STREET, 'street', GRID, 'attachments/2026-12/00000000-0000-4000-8000-000000000000.jpg');
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ code: 'ATTACHMENT.NOT_FOUND' });
    expect(missing.body['detail']).toContain(GRID);

    const sideways = await read(GRID, 'gw-07', SIBLING_GRID, 'attachments/2026-12/a.jpg');
    expect(sideways.status).toBe(404);
    expect(sideways.body['detail']).toContain('neither above nor below');

    const bad = await read(STREET, 'street', 'grid-7', 'attachments/2026-12/a.jpg');
    expect(bad.status).toBe(400);
    expect((bad.body['errors'] as { field: string }[]).map((e) => e.field)).toEqual(['tier']);

    // A photo that holds more bytes than were announced is not served to other tiers.
    const announced = await call(gateways.get(GRID)!.url, 'gw-07', 'POST', '/api/v1/attachments', { contentType: 'image/jpeg', sizeBytes: 1000 });
    const up = announced.body['upload'] as { url: string; method: string; headers: Record<string, string> };
    expect((await fetch(up.url, { method: up.method, headers: up.headers, body: PHOTO })).status).toBe(200);
    expect((await read(COMMUNITY, 'community', GRID, announced.body['key'] as string)).status).toBe(404);

    // A key the grid has only on its disk by chance (never announced there) is not served either.
    await bucketReader.putObject(`gm-${GRID}`, 'attachments/2026-12/unannounced.jpg', Buffer.from('x'));
    expect((await read(COMMUNITY, 'community', GRID, 'attachments/2026-12/unannounced.jpg')).status).toBe(404);
  });

  it('while the community is cut off, the street still shows what it has kept and answers 503 for the rest; after the link is back it reads again', async () => {
    const kept = await upload(GRID, 'gw-07', 'image/jpeg', PHOTO);
    const notYet = await upload(GRID, 'gw-07', 'image/png', NOTICE);
    expect((await read(STREET, 'street', GRID, kept)).status).toBe(302);

    await fed.tier(COMMUNITY).stop();
    try {
      const fromCopy = await read(STREET, 'street', GRID, kept);
      expect(fromCopy.status).toBe(302);
      expect(fromCopy.bytes!.equals(PHOTO)).toBe(true);

      const cut = await read(STREET, 'street', GRID, notYet);
      expect(cut.status).toBe(503);
      expect(cut.body).toMatchObject({ code: 'SERVICE.UNAVAILABLE' });
      expect(cut.body['detail']).toContain(GRID);
      // The street's gateway is still up and serving.
      expect((await fetch(`${gateways.get(STREET)!.url}/healthz`)).status).toBe(200);
    } finally {
      await fed.tier(COMMUNITY).start();
    }
    const after = await eventually('the read through the community again', async () => {
      const r = await read(STREET, 'street', GRID, notYet);
      return r.status === 302 ? r : undefined;
    }, 30_000);
    expect(after.bytes!.equals(NOTICE)).toBe(true);
    expect(after.type).toBe('image/png');
  });

  it('drops a request whose reply subject is not in the space of the child of its link, so nobody can make a tier publish elsewhere', async () => {
    const nc = await connect(natsConnectionOptions([fed.tier(COMMUNITY).url]));
    try {
      const heard: string[] = [];
      for (const subject of [`gm.${COMMUNITY}.rpc.>`, `gm.${SIBLING_GRID}.attachment.reply.>`, 'gm.35020600100107.>']) {
        nc.subscribe(subject, { callback: (_e, m) => void heard.push(m.subject) });
      }
      const body = JSON.stringify({ tier: STREET, key: 'attachments/2026-12/a.pdf', offset: 0, budgetMs: 5_000 });
      const before = logsOf(COMMUNITY, 'attachment.request_dropped').length;
      // Up as the grid, answered into the community's own RPC subject, or into its sibling's space;
      // up as the grid spelled without its hyphen; down "from the parent", answered into a grid's space.
      nc.publish(AttachmentRelay.upSubject(COMMUNITY, GRID), body, { reply: `gm.${COMMUNITY}.rpc.case.report.v1` });
      nc.publish(AttachmentRelay.upSubject(COMMUNITY, GRID), body, { reply: AttachmentRelay.replySubject(SIBLING_GRID, 'x1') });
      nc.publish(AttachmentRelay.upSubject(COMMUNITY, '35020600100107'), body, { reply: AttachmentRelay.replySubject('35020600100107', 'x2') });
      nc.publish(AttachmentRelay.downSubject(COMMUNITY), body, { reply: AttachmentRelay.replySubject(SIBLING_GRID, 'x3') });
      await eventually('the four requests dropped', async () => logsOf(COMMUNITY, 'attachment.request_dropped').length === before + 4, 10_000);
      await nc.flush();
      expect(heard).toEqual([]);
    } finally {
      await nc.close();
    }
  });

  it("with the grid's own link credentials: it cannot ask as its sibling, and asking its parent for the sibling's attachment is refused", async () => {
    const leaf = fed.tier(GRID).leaf!;
    const nc = await connect({ servers: leaf.parentClientUrl, user: leaf.user, pass: leaf.password, reconnect: false });
    const errors: string[] = [];
    void (async () => {
      for await (const st of nc.status()) if (st.type === 'error') errors.push(String(st.error));
    })();
    try {
      const sideways = await nc.request(
        AttachmentRelay.upSubject(COMMUNITY, GRID),
        JSON.stringify({ tier: SIBLING_GRID, key: 'attachments/2026-12/a.jpg', offset: 0, budgetMs: 5_000 }),
        { timeout: 5_000, noMux: true, reply: AttachmentRelay.replySubject(GRID, 'sideways1') },
      );
      expect(sideways.headers?.get(AttachmentRelay.headers.status)).toBe('not_found');
      expect(sideways.data.length).toBe(0);

      nc.publish(AttachmentRelay.upSubject(COMMUNITY, SIBLING_GRID), '{}', { reply: AttachmentRelay.replySubject(SIBLING_GRID, 'x') });
      await nc.flush().catch(() => undefined);
      await eventually('the publish as the sibling refused', async () => errors.some((e) => /Permissions Violation for Publish/i.test(e)), 5_000);
    } finally {
      await nc.close().catch(() => undefined);
    }
  });

  it('a tier that runs alone reads only its own attachments', async () => {
    const db = await provideDatabase();
    const alone = await startService(
      { configSchema: gwConfig.configSchema, module: (c, l) => gateway.AppModule.forRoot(c, l) },
      { ...envOf(STREET), DATABASE_URL: db.url, FEDERATION_ENABLED: 'false', NATS_NAMESPACE: `alone_${randomUUID().slice(0, 8)}` },
    );
    try {
      const res = await fetch(`${alone.url}/api/v1/attachments/content?tier=${GRID}&key=attachments/2026-12/a.jpg`, { headers: { authorization: `Bearer ${tokens['street']}` }, redirect: 'manual' });
      expect(res.status).toBe(404);
      expect(((await res.json()) as Json)['detail']).toContain('runs alone');
    } finally {
      await alone.close();
      await db.drop();
    }
  });
});
