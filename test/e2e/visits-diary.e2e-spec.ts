import { randomUUID } from 'node:crypto';
import { diaryPageSchema, diaryViewSchema, errorBodySchema, syncResultSchema, visitPageSchema, visitViewSchema, type SyncItem } from '@gm/contracts';
import { aReport, expectShape } from '@gm/testing';
import { startGridWithBaseData, type GridWithBaseData } from './grid-with-base-data';

const GRID = '350206001001-07';

describe('visits (走访) and the daily log (民情日记) from the handheld: a record of the grid only, replays change nothing, the draft made from the day, submitted once and read by the community (real PostgreSQL/PostGIS, NATS, OIDC)', () => {
  let grid: GridWithBaseData;
  let worker: string;
  let household: string;
  let neighbours: string;

  beforeAll(async () => {
    grid = await startGridWithBaseData(25);
    worker = await grid.infra.oidc.tokenFor('gw-07');
    const households = grid.rows('households.csv');
    household = households.find((h) => h[2] === GRID)![0]!;
    neighbours = households.find((h) => h[2] === '350206001001-08')![0]!;
  }, 120_000);

  afterAll(async () => {
    await grid?.close();
  });

  const sync = async (items: SyncItem[]) => {
    const res = await grid.call(grid.gw, 'POST', '/api/v1/sync', worker, { items });
    expect(res.status).toBe(200);
    return expectShape(syncResultSchema, await res.json()).items;
  };
  const today = new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);
  const at = (minutesAgo: number) => new Date(Date.now() - minutesAgo * 60_000).toISOString();

  it("records a visit to a household of the worker's grid with the case raised from it; refuses another grid's household (as none) and a bad body by item; a replay changes nothing", async () => {
    const reportId = randomUUID();
    const { clientId: _dropped, ...report } = aReport({ description: '楼道堆物 (things piled in the stairwell)' });
    const visit = { visitId: randomUUID(), at: at(2), householdCode: household, notes: '独居老人，需要定期探望 (lives alone, needs regular visits)', tags: ['hardship', 'hazard'], caseClientId: reportId };
    const items: SyncItem[] = [
      { clientId: randomUUID(), type: 'visit', body: visit },
      { clientId: reportId, type: 'report', body: report },
      { clientId: randomUUID(), type: 'visit', body: { ...visit, visitId: randomUUID(), householdCode: neighbours } },
      { clientId: randomUUID(), type: 'visit', body: { visitId: randomUUID(), at: at(1), notes: '' } },
    ];
    const answers = await sync(items);
    expect(answers.map((a) => [a.status, a.error?.code ?? null])).toEqual([
      [201, null],
      [201, null],
      // Another grid's household is not told apart from none (as base-data answers outside a unit).
      [400, 'REQUEST.VALIDATION_FAILED'],
      [400, 'REQUEST.VALIDATION_FAILED'],
    ]);
    expect(answers[2]!.error!.errors).toEqual([{ field: 'householdCode', message: 'no such record in your grid' }]);
    expect(answers[3]!.error!.errors!.map((e) => e.field).sort()).toEqual(['householdCode', 'notes']);
    const again = await sync(items.slice(0, 2));
    expect(again.map((a) => [a.status, a.replayed])).toEqual([
      [201, true],
      [201, true],
    ]);
    expect(await grid.sql('SELECT count(*)::int AS n FROM mobile_gateway.visits WHERE worker_subject IS NOT NULL')).toEqual([{ n: 1 }]);
    // The visit names the case its report became.
    const caseId = (answers[1]!.result as { caseId: string }).caseId;
    const mine = expectShape(visitPageSchema, await (await grid.call(grid.gw, 'GET', '/api/v1/visits', worker)).json());
    expect(mine.items).toEqual([visitViewSchema.parse({ id: visit.visitId, worker: 'gw-07', gridCode: GRID, at: new Date(visit.at).toISOString(), householdCode: household, residentId: null, notes: visit.notes, tags: visit.tags, caseId })]);
  });

  it("drafts the day's log from the day's patrols, visits and reports; the worker edits and submits it once; the community reads it", async () => {
    const patrolId = randomUUID();
    const lat = 24.5123;
    await sync([
      // Minutes ago, so that the whole test stays on one calendar day but within a few minutes of midnight.
      { clientId: randomUUID(), type: 'patrol-start', body: { patrolId, startedAt: at(1.5) } },
      { clientId: randomUUID(), type: 'patrol-points', body: { patrolId, points: [0, 1, 2].map((i) => ({ at: at(1.4 - i * 0.2), latitude: lat + i * 0.001, longitude: 118.1456, accuracy: 5 })) } },
      { clientId: randomUUID(), type: 'patrol-stop', body: { patrolId, endedAt: at(0.5) } },
    ]);
    const draft = expectShape(diaryViewSchema, await (await grid.call(grid.gw, 'GET', `/api/v1/diary/${today}`, worker)).json());
    expect(draft).toMatchObject({ date: today, worker: 'gw-07', gridCode: GRID, status: 'draft', submittedAt: null, facts: { patrols: 1, visits: 1, reports: 1 } });
    expect(draft.facts.distanceM).toBeGreaterThan(200);
    expect(draft.text).toContain('巡查 1 次');
    expect(draft.text).toContain('独居老人');
    expect(draft.text).toContain('上报问题 1 件');

    const edited = `${draft.text}\n另：与社区约定下周二复访。`;
    const saved = expectShape(diaryViewSchema, await (await grid.call(grid.gw, 'PUT', `/api/v1/diary/${today}`, worker, { text: edited })).json());
    expect(saved).toMatchObject({ status: 'draft', text: edited });
    // Staff see submitted logs only.
    const staff = await grid.infra.oidc.tokenFor('community');
    const none = expectShape(diaryPageSchema, await (await grid.call(grid.gw, 'GET', `/api/v1/diaries?date=${today}`, staff)).json());
    expect(none.items).toEqual([]);
    const submitted = expectShape(diaryViewSchema, await (await grid.call(grid.gw, 'POST', `/api/v1/diary/${today}/submit`, worker, { text: edited })).json());
    expect(submitted).toMatchObject({ status: 'submitted', text: edited, submittedAt: expect.any(String) });
    const later = await grid.call(grid.gw, 'PUT', `/api/v1/diary/${today}`, worker, { text: 'changed afterwards' });
    expect({ status: later.status, code: expectShape(errorBodySchema, await later.json()).code }).toEqual({ status: 409, code: 'DIARY.SUBMITTED' });
    const read = expectShape(diaryPageSchema, await (await grid.call(grid.gw, 'GET', `/api/v1/diaries?date=${today}`, staff)).json());
    expect(read.items).toEqual([submitted]);
    // A worker of another community does not see it.
    const other = await grid.infra.oidc.tokenFor('gw-other');
    expect((await grid.call(grid.gw, 'GET', `/api/v1/diaries?date=${today}`, other)).status).toBe(403);
  });
});
