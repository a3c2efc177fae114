import pg from 'pg';
import { DEFAULT_CASE_RULES, DEFAULT_CATALOGUE } from '@gm/domain';
import { caseRulesInForceSchema, errorBodySchema, parameterHistorySchema, parameterListSchema, parameterViewSchema } from '@gm/contracts';
import { aReport, expectShape, startInfra, startService, type TestInfra, type TestService } from '@gm/testing';
import { AppModule as PublicSentimentModule } from '../../apps/public-sentiment/src/app.module';
import { configSchema as publicSentimentConfig, type AppConfig as PublicSentimentConfig } from '../../apps/public-sentiment/src/config/config';
import { AppModule as SystemAdminModule } from '../../apps/system-admin/src/app.module';
import { configSchema as systemAdminConfig, type AppConfig as SystemAdminConfig } from '../../apps/system-admin/src/config/config';

type Json = Record<string, unknown>;

describe('case rules and category catalogue: held by system-admin, followed by public-sentiment (real PostgreSQL, NATS, OIDC)', () => {
  let infra: TestInfra;
  let admin: TestService<SystemAdminConfig>;
  let cases: TestService<PublicSentimentConfig>;
  const tokens: Record<string, string> = {};

  beforeAll(async () => {
    infra = await startInfra();
    admin = await startService({ configSchema: systemAdminConfig, module: (c, l) => SystemAdminModule.forRoot(c, l) }, infra.env());
    cases = await startService({ configSchema: publicSentimentConfig, module: (c, l) => PublicSentimentModule.forRoot(c, l) }, infra.env({ CASE_DEADLINE_SCAN_MS: '0' }));
    for (const user of ['admin', 'community', 'auditor']) tokens[user] = await infra.oidc.tokenFor(user);
  });

  afterAll(async () => {
    await Promise.allSettled([cases?.close(), admin?.close()]);
    await infra?.close();
  });

  const call = async (svc: TestService<SystemAdminConfig> | TestService<PublicSentimentConfig>, user: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(`${svc.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${tokens[user]}`, ...(body !== undefined && { 'content-type': 'application/json' }), ...headers },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    return { status: res.status, body: (await res.json()) as Json };
  };
  /** Waits until public-sentiment runs by `version` of parameter `key`. */
  const followed = async (key: 'case-rules' | 'case-catalogue', version: number) => {
    const until = Date.now() + 10_000;
    while (expectShape(caseRulesInForceSchema, (await call(cases, 'community', 'GET', '/api/v1/case-rules')).body).versions[key] !== version) {
      if (Date.now() > until) throw new Error(`public-sentiment did not load ${key} version ${version}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const rules = (overrides: Json = {}) => JSON.parse(JSON.stringify({ ...DEFAULT_CASE_RULES, ...overrides })) as Json & { deadlines: Json[] };

  it('serves the shipped defaults as version 0 until an administrator saves a version', async () => {
    const res = await call(admin, 'community', 'GET', '/api/v1/parameters/case-rules');
    expect(res.status).toBe(200);
    const parameter = expectShape(parameterViewSchema, res.body);
    expect(parameter.version).toBe(0);
    expect((parameter.value as Json)['reopenWindowMinutes']).toBe(DEFAULT_CASE_RULES.reopenWindowMinutes);
    expect(expectShape(caseRulesInForceSchema, (await call(cases, 'community', 'GET', '/api/v1/case-rules')).body).versions).toEqual({ 'case-rules': 0, 'case-catalogue': 0 });
    const list = expectShape(parameterListSchema, (await call(admin, 'auditor', 'GET', '/api/v1/parameters')).body);
    expect(list.items.map((p) => [p.key, p.version])).toEqual([
      ['case-rules', 0],
      ['case-catalogue', 0],
      ['assessment-scheme', 0],
    ]);
    expect((await call(admin, 'admin', 'GET', '/api/v1/parameters/colours')).status).toBe(400);
  });

  it('keeps the assessment scheme as a parameter: bad thresholds refused by field, a good one saved as version 1', async () => {
    const current = expectShape(parameterViewSchema, (await call(admin, 'admin', 'GET', '/api/v1/parameters/assessment-scheme')).body);
    const scheme = current.value as Json & { grades: Record<string, number> };
    const bad = await call(admin, 'admin', 'PUT', '/api/v1/parameters/assessment-scheme', { ...scheme, grades: { ...scheme.grades, good: 95 } });
    expect(bad.status).toBe(400);
    expect(expectShape(errorBodySchema, bad.body).errors?.map((e) => e.field)).toContain('grades.good');
    const good = await call(admin, 'admin', 'PUT', '/api/v1/parameters/assessment-scheme', { ...scheme, grades: { ...scheme.grades, excellent: 92 } });
    expect(good.status).toBe(200);
    expect(expectShape(parameterViewSchema, good.body).version).toBe(1);
  });

  it('refuses bad rules with 400 naming the fields, and non-administrators with 403; nothing is saved', async () => {
    const noCatchAll = rules();
    noCatchAll.deadlines = noCatchAll.deadlines.filter((r) => !(r['step'] === 'accept' && r['urgency'] === undefined && r['category'] === undefined));
    const res = await call(admin, 'admin', 'PUT', '/api/v1/parameters/case-rules', noCatchAll);
    expect(res.status).toBe(400);
    expect(expectShape(errorBodySchema, res.body).errors?.map((e) => e.field)).toEqual(['deadlines']);

    const badShape = await call(admin, 'admin', 'PUT', '/api/v1/parameters/case-rules', rules({ duplicateRadiusM: -1, calendar: { ...DEFAULT_CASE_RULES.calendar, timeZone: 'Nowhere/Land' } }));
    expect(badShape.status).toBe(400);
    expect((badShape.body['errors'] as { field: string }[]).map((e) => e.field)).toContain('duplicateRadiusM');

    const badZone = await call(admin, 'admin', 'PUT', '/api/v1/parameters/case-rules', rules({ calendar: { ...DEFAULT_CASE_RULES.calendar, timeZone: 'Nowhere/Land' } }));
    expect((badZone.body['errors'] as { field: string }[]).map((e) => e.field)).toEqual(['calendar.timeZone']);

    expect((await call(admin, 'community', 'PUT', '/api/v1/parameters/case-rules', rules())).status).toBe(403);
    expect((await call(admin, 'auditor', 'GET', '/api/v1/parameters/case-rules')).body['version']).toBe(0);
  });

  it('saves a version; public-sentiment follows it at once, and new cases get the new time limits', async () => {
    const shorter = rules({ reopenWindowMinutes: 60 });
    // Accepting now takes 30 natural minutes for every case.
    shorter.deadlines = shorter.deadlines.map((r) => (r['step'] === 'accept' && r['urgency'] === undefined && r['category'] === undefined ? { ...r, minutes: 30, clock: 'natural' } : r));
    const saved = await call(admin, 'admin', 'PUT', '/api/v1/parameters/case-rules', shorter, { 'if-match': '0' });
    expect(saved.status).toBe(200);
    expect(expectShape(parameterViewSchema, saved.body).version).toBe(1);

    await followed('case-rules', 1);
    const created = await call(cases, 'community', 'POST', '/api/v1/cases', aReport({ gridCode: '350206001001-07' }));
    expect(created.status).toBe(201);
    const view = await call(cases, 'community', 'GET', `/api/v1/cases/${created.body['caseId'] as string}`);
    expect(new Date(view.body['deadlineAt'] as string).getTime() - new Date(view.body['reportedAt'] as string).getTime()).toBe(30 * 60_000);

    const db = new pg.Client({ connectionString: infra.db.url });
    await db.connect();
    try {
      const events = await db.query(`SELECT type, payload->'data' AS data FROM system_admin.outbox WHERE type = 'gm.parameter.changed.v1' AND payload->'data'->>'key' = 'case-rules'`);
      expect(events.rows).toEqual([{ type: 'gm.parameter.changed.v1', data: expect.objectContaining({ key: 'case-rules', version: 1 }) }]);
    } finally {
      await db.end();
    }
  });

  it('refuses a save based on a stale version with 409, and keeps the history', async () => {
    const stale = await call(admin, 'admin', 'PUT', '/api/v1/parameters/case-rules', rules(), { 'if-match': '0' });
    expect(stale.status).toBe(409);
    expect(expectShape(errorBodySchema, stale.body).code).toBe('PARAMETER.VERSION_CONFLICT');
    const history = expectShape(parameterHistorySchema, (await call(admin, 'admin', 'GET', '/api/v1/parameters/case-rules/history')).body);
    expect(history.items.map((h) => h.version)).toEqual([1]);
  });

  it('a new category saved in the catalogue can be reported at once; a catalogue naming an unknown department is refused', async () => {
    const catalogue = JSON.parse(JSON.stringify(DEFAULT_CATALOGUE)) as { categories: Json[]; majorClasses: Json[]; departments: Json };
    const bad = JSON.parse(JSON.stringify(catalogue)) as typeof catalogue;
    bad.categories.push({ code: 'SJ0502', family: 'event', nameZh: '流动摊贩', nameEn: 'Mobile vendors', ownerDepartment: 'nobody', defaultUrgency: 'normal' });
    const refused = await call(admin, 'admin', 'PUT', '/api/v1/parameters/case-catalogue', bad);
    expect(refused.status).toBe(400);
    expect((refused.body['errors'] as { field: string }[]).map((e) => e.field)).toEqual([`categories.${bad.categories.length - 1}.ownerDepartment`]);

    const before = await call(cases, 'community', 'POST', '/api/v1/cases', aReport({ gridCode: '350206001001-07', categoryCode: 'SJ0502' }));
    expect(before.status).toBe(400);
    expect(before.body['code']).toBe('CASE.UNKNOWN_CATEGORY');

    catalogue.categories.push({ code: 'SJ0502', family: 'event', nameZh: '流动摊贩', nameEn: 'Mobile vendors', ownerDepartment: 'urban-management', defaultUrgency: 'normal' });
    const saved = await call(admin, 'admin', 'PUT', '/api/v1/parameters/case-catalogue', catalogue);
    expect(saved.status).toBe(200);
    expect(saved.body['version']).toBe(1);
    await followed('case-catalogue', 1);
    const after = await call(cases, 'community', 'POST', '/api/v1/cases', aReport({ gridCode: '350206001001-07', categoryCode: 'SJ0502' }));
    expect(after.status).toBe(201);
    const services = (await (await fetch(`${cases.url}/open311/v2/services.json`)).json()) as { service_code: string }[];
    expect(services.map((s) => s.service_code)).toContain('SJ0502');
  });
});
