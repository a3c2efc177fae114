import {
  errorBodySchema,
  noticePageSchema,
  noticeReceiptsSchema,
  noticeViewSchema,
  residentServiceListSchema,
  serviceRequestDetailSchema,
  serviceRequestPageSchema,
} from '@gm/contracts';
import { expectShape, startService, type TestService } from '@gm/testing';
import type { ServiceConfig } from '@gm/platform';
import { AppModule } from '../../apps/service-office/src/app.module';
import { configSchema } from '../../apps/service-office/src/config/config';
import { startGridWithBaseData, type GridWithBaseData } from './grid-with-base-data';

const COMMUNITY = '350206001001';
const OTHER_COMMUNITY = '350206001002';

describe('service-office in the community: resident services (代办服务) through their steps, notices (通知公告) with read receipts and returns (real PostgreSQL/PostGIS, NATS, OIDC, base-data and system-admin)', () => {
  let grid: GridWithBaseData;
  let so: TestService<ServiceConfig>;
  const tokens: Record<string, string> = {};
  let ours: string;
  let neighbours: string;

  const call = async (user: string, method: string, path: string, body?: unknown) => {
    const res = await grid.call(so, method, path, tokens[user]!, body);
    return { status: res.status, body: (await res.json()) as unknown };
  };
  const fieldsOf = (body: unknown) => expectShape(errorBodySchema, body).errors?.map((e) => e.field);

  beforeAll(async () => {
    grid = await startGridWithBaseData(31);
    so = (await startService({ configSchema, module: (c, l) => AppModule.forRoot(c, l) }, grid.infra.env())) as unknown as TestService<ServiceConfig>;
    for (const u of ['gw-07', 'gw-08', 'gw-other', 'community', 'community-other', 'street', 'district', 'department', 'admin']) tokens[u] = await grid.infra.oidc.tokenFor(u);
    const resident = async (unit: string) =>
      (await grid.sql<{ id: string }>(`SELECT id FROM base_data.residents WHERE grid_code LIKE $1 AND status = 'active' ORDER BY id LIMIT 1`, [`${unit}-07%`]))[0]!.id;
    ours = await resident(COMMUNITY);
    neighbours = (await grid.sql<{ id: string }>(`SELECT id FROM base_data.residents WHERE grid_code LIKE $1 AND status = 'active' ORDER BY id LIMIT 1`, [`${OTHER_COMMUNITY}%`]))[0]!.id;
  }, 180_000);

  afterAll(async () => {
    await so?.close();
    await grid?.close();
  });

  it('a grid worker takes a minimum-living-allowance request for a resident of the grid; community staff take it through its steps once the materials are in', async () => {
    const catalogue = expectShape(residentServiceListSchema, (await call('gw-07', 'GET', '/api/v1/resident-services')).body);
    expect(catalogue.items.map((s) => s.code)).toEqual(['disability-card', 'minimum-living-allowance', 'employment-difficulty', 'birth-registration', 'elderly-subsidy']);
    const dibao = catalogue.items.find((s) => s.code === 'minimum-living-allowance')!;
    expect(dibao.steps.map((s) => s.code)).toEqual(['taken', 'home-visit', 'public-notice', 'street-review', 'district-approval', 'done']);

    const taken = await call('gw-07', 'POST', '/api/v1/service-requests', { serviceCode: 'minimum-living-allowance', residentId: ours, materials: ['application', 'id-card'], note: '家庭困难 hardship' });
    expect(taken.status).toBe(201);
    const req = expectShape(serviceRequestDetailSchema, taken.body);
    expect(req).toMatchObject({ status: 'open', step: 'taken', stepIndex: 0, materials: ['application', 'id-card'], missingMaterials: ['household-register', 'income', 'assets'], takenBy: 'gw-07', overdue: false });
    expect(req.no).toMatch(/^DB\d{14}$/);
    expect(new Date(req.deadline).getTime() - new Date(req.takenAt).getTime()).toBe(45 * 86_400_000);
    const path = `/api/v1/service-requests/${req.id}`;

    // A grid worker does not move steps; staff may not leave 受理 while materials are missing.
    expect((await call('gw-07', 'POST', `${path}/advance`, {})).status).toBe(403);
    const early = await call('community', 'POST', `${path}/advance`, {});
    expect(early.status).toBe(409);
    expect(expectShape(errorBodySchema, early.body).detail).toContain('户口簿');
    // The neighbouring community does not see it.
    expect((await call('community-other', 'GET', path)).status).toBe(404);

    const badMaterial = await call('gw-07', 'POST', `${path}/materials`, { materials: ['application', 'passport'] });
    expect(badMaterial.status).toBe(400);
    expect(fieldsOf(badMaterial.body)).toEqual(['materials.1']);
    expect((await call('gw-07', 'POST', `${path}/materials`, { materials: ['application', 'id-card', 'household-register', 'income', 'assets'] })).status).toBe(200);

    for (const note of ['入户调查完成', '公示无异议', '街道审核通过', '区民政审批通过']) expect((await call('community', 'POST', `${path}/advance`, { note })).status).toBe(200);
    const onLast = expectShape(serviceRequestDetailSchema, (await call('community', 'POST', `${path}/advance`, { note: '办结' })).body);
    expect(onLast).toMatchObject({ status: 'completed', step: 'done', missingMaterials: [] });
    expect(onLast.closedAt).not.toBeNull();
    expect(onLast.history.map((h) => [h.action, h.step])).toEqual([
      ['take', 'taken'],
      ['materials', 'taken'],
      ['advance', 'home-visit'],
      ['advance', 'public-notice'],
      ['advance', 'street-review'],
      ['advance', 'district-approval'],
      ['advance', 'done'],
    ]);
    expect((await call('community', 'POST', `${path}/advance`, {})).status).toBe(409);

    // The street sees its communities' requests; the grid worker's list holds it.
    const streetList = expectShape(serviceRequestPageSchema, (await call('street', 'GET', '/api/v1/service-requests?status=completed')).body);
    expect(streetList.items.map((r) => r.id)).toContain(req.id);
  });

  it('refuses a resident outside the taker’s area, an unknown service and a rejected request moves no more', async () => {
    const outside = await call('gw-07', 'POST', '/api/v1/service-requests', { serviceCode: 'elderly-subsidy', residentId: neighbours });
    expect(outside.status).toBe(400);
    expect(fieldsOf(outside.body)).toEqual(['residentId']);
    const unknown = await call('gw-07', 'POST', '/api/v1/service-requests', { serviceCode: 'passport', residentId: 'not-a-uuid' });
    expect(unknown.status).toBe(400);
    expect(fieldsOf(unknown.body)?.sort()).toEqual(['residentId', 'serviceCode']);
    expect((await call('department', 'POST', '/api/v1/service-requests', { serviceCode: 'elderly-subsidy', residentId: ours })).status).toBe(403);

    const taken = expectShape(serviceRequestDetailSchema, (await call('community', 'POST', '/api/v1/service-requests', { serviceCode: 'elderly-subsidy', residentId: ours, materials: ['id-card', 'household-register', 'bank-card'] })).body);
    const rejected = await call('community', 'POST', `/api/v1/service-requests/${taken.id}/reject`, { reason: '未达年龄 under the age' });
    expect(expectShape(serviceRequestDetailSchema, rejected.body)).toMatchObject({ status: 'rejected', step: 'taken' });
    expect((await call('community', 'POST', `/api/v1/service-requests/${taken.id}/advance`, {})).status).toBe(409);
  });

  it('a street notice to its communities and their grid workers: read receipts per unit and person, a return per unit (late marked), nothing for others', async () => {
    const deadline = new Date(Date.now() + 1500).toISOString();
    const published = await call('street', 'POST', '/api/v1/notices', {
      title: '关于开展消防安全排查的通知',
      body: '请各社区于本周内完成辖区消防安全排查，并上报排查情况。 Please check fire safety this week and report.',
      audience: { units: [COMMUNITY, OTHER_COMMUNITY], roles: ['community-staff', 'grid-worker'] },
      returnRequest: { instructions: '上报排查表 Return the checklist', deadline },
    });
    expect(published.status).toBe(201);
    const notice = expectShape(noticeViewSchema, published.body);
    const path = `/api/v1/notices/${notice.id}`;

    // The community and its grid workers receive it (unread); the district above and a department do not.
    const inbox = expectShape(noticePageSchema, (await call('community', 'GET', '/api/v1/notices?unread=true')).body);
    expect(inbox.items.map((n) => n.id)).toContain(notice.id);
    expect(inbox.unread).toBeGreaterThanOrEqual(1);
    expect(expectShape(noticePageSchema, (await call('gw-07', 'GET', '/api/v1/notices')).body).items[0]).toMatchObject({ id: notice.id, receiptUnit: COMMUNITY, readAt: null });
    expect((await call('district', 'POST', `${path}/read`)).status).toBe(404);
    expect(expectShape(noticePageSchema, (await call('district', 'GET', '/api/v1/notices')).body).items.map((n) => n.id)).not.toContain(notice.id);

    expect(expectShape(noticeViewSchema, (await call('gw-07', 'POST', `${path}/read`)).body).readAt).not.toBeNull();
    expect((await call('gw-08', 'POST', `${path}/read`)).status).toBe(200);
    const returned = expectShape(noticeViewSchema, (await call('community', 'POST', `${path}/return`, { text: '已排查 42 户，发现隐患 3 处 42 homes checked, 3 hazards', attachments: ['notices/checklist.pdf'] })).body);
    expect(returned.unitReturn).toMatchObject({ submittedBy: 'community', late: false });
    expect(returned.readAt).not.toBeNull();
    await new Promise((r) => setTimeout(r, 1600));
    const late = expectShape(noticeViewSchema, (await call('community-other', 'POST', `${path}/return`, { text: '已排查 late' })).body);
    expect(late.unitReturn).toMatchObject({ late: true });
    const bad = await call('community', 'POST', `${path}/return`, { text: '' });
    expect(bad.status).toBe(400);
    expect(fieldsOf(bad.body)).toEqual(['text']);

    // The publisher (and the district above) read the receipts; a community does not.
    expect((await call('community', 'GET', `${path}/receipts`)).status).toBe(404);
    const receipts = expectShape(noticeReceiptsSchema, (await call('street', 'GET', `${path}/receipts`)).body);
    expect(receipts.counts).toEqual({ units: 2, unitsRead: 2, returned: 2, late: 1, missing: 0 });
    const byUnit = Object.fromEntries(receipts.units.map((u) => [u.unit, u]));
    expect(byUnit[COMMUNITY]).toMatchObject({ readers: 3, return: { submittedBy: 'community', late: false, attachments: ['notices/checklist.pdf'] } });
    expect(byUnit[OTHER_COMMUNITY]).toMatchObject({ readers: 1, return: { late: true } });
    expect(receipts.readers.map((r) => [r.username, r.receiptUnit]).sort()).toEqual(
      [
        ['community', COMMUNITY],
        ['community-other', OTHER_COMMUNITY],
        ['gw-07', COMMUNITY],
        ['gw-08', COMMUNITY],
      ].sort(),
    );
    expect((await call('district', 'GET', `${path}/receipts`)).status).toBe(200);
  });

  it('a notice to every unit below without a return; bad audiences get 400 naming the field', async () => {
    const all = expectShape(noticeViewSchema, (await call('community', 'POST', '/api/v1/notices', { title: '停水通知', body: '明日 9:00-12:00 停水 Water off tomorrow 9-12' })).body);
    expect(all.returnRequest).toBeNull();
    const mine = expectShape(noticePageSchema, (await call('gw-07', 'GET', '/api/v1/notices')).body).items.find((n) => n.id === all.id);
    expect(mine).toMatchObject({ receiptUnit: `${COMMUNITY}-07` });
    expect((await call('gw-other', 'POST', `/api/v1/notices/${all.id}/read`)).status).toBe(404);
    expect((await call('gw-07', 'POST', `/api/v1/notices/${all.id}/return`, { text: 'x' })).status).toBe(409);

    const cases: [Record<string, unknown>, string[]][] = [
      [{ audience: { units: [OTHER_COMMUNITY] } }, ['audience.units.0']],
      [{ audience: { units: [`${COMMUNITY}-99`] } }, ['audience.units.0']],
      [{ audience: { roles: ['mayor'] } }, ['audience.roles.0']],
      [{ returnRequest: { instructions: 'x', deadline: '2020-01-01T00:00:00Z' } }, ['returnRequest.deadline']],
      [{ title: '' }, ['title']],
    ];
    for (const [over, fields] of cases) {
      const res = await call('community', 'POST', '/api/v1/notices', { title: 't', body: 'b', ...over });
      expect([JSON.stringify(over), res.status, fieldsOf(res.body)]).toEqual([JSON.stringify(over), 400, fields]);
    }
    expect((await call('gw-07', 'POST', '/api/v1/notices', { title: 't', body: 'b' })).status).toBe(403);
  });
});
