import { randomUUID } from 'node:crypto';
import { changeProposalPageSchema, changeProposalViewSchema, errorBodySchema, houseViewSchema, residentViewSchema, syncResultSchema } from '@gm/contracts';
import { idCheckCharacter } from '@gm/domain';
import { expectShape, type TestInfra, type TestService } from '@gm/testing';
import type { ServiceConfig } from '@gm/platform';
import { startGridWithBaseData, type GridWithBaseData } from './grid-with-base-data';

const GRID = '350206001001-07';

describe('change proposals (五必报): a grid worker proposes, community staff confirm (applied with history) or reject (nothing changes) (real PostgreSQL/PostGIS, NATS, OIDC)', () => {
  let grid: GridWithBaseData;
  let infra: TestInfra;
  let bd: TestService<ServiceConfig>;
  let gw: TestService<ServiceConfig>;
  let worker: string;
  let staff: string;
  let household: string;

  beforeAll(async () => {
    grid = await startGridWithBaseData(24);
    ({ infra, bd, gw } = grid);
    worker = await infra.oidc.tokenFor('gw-07');
    staff = await infra.oidc.tokenFor('community');
    household = grid.rows('households.csv').find((h) => h[2] === GRID)![0]!;
  }, 120_000);

  afterAll(async () => {
    await grid?.close();
  });

  const call = (method: string, path: string, token: string, body?: unknown) => grid.call(bd, method, path, token, body);
  const sql = <T extends object>(text: string, params: unknown[] = []) => grid.sql<T>(text, params);
  const propose = async (kind: string, body: unknown, clientId = randomUUID()) => {
    const res = await call('POST', '/api/v1/change-proposals', worker, { clientId, kind, body });
    return { status: res.status, body: (await res.json()) as unknown, clientId };
  };
  const aResidentOfTheGrid = async () => (await sql<{ id: string }>("SELECT id::text AS id FROM base_data.residents WHERE grid_code = $1 AND status = 'active' ORDER BY id LIMIT 1 OFFSET $2", [GRID, Math.floor(Math.random() * 20)]))[0]!.id;
  const newcomer = () => {
    const first17 = `350206199203${String(10 + Math.floor(Math.random() * 18)).padStart(2, '0')}${String(100 + Math.floor(Math.random() * 800))}`;
    return { idNumber: first17 + idCheckCharacter(first17), name: '新住户', phone: '13912345678', householdCode: household, relation: 'other', residenceType: 'tenant' };
  };

  it('a newcomer (新迁入) confirmed by community staff is registered, with its history; the proposal kept no personal data in clear', async () => {
    const body = newcomer();
    const made = await propose('newcomer', body);
    expect(made.status).toBe(201);
    const proposal = expectShape(changeProposalViewSchema, made.body);
    expect(proposal).toMatchObject({ kind: 'newcomer', status: 'pending', gridCode: GRID, proposer: 'gw-07', summary: { householdCode: household, name: '新**', idNumber: expect.stringMatching(/\*/) } });
    // The same clientId again: the same proposal, not a second one.
    expect(expectShape(changeProposalViewSchema, (await propose('newcomer', body, made.clientId)).body).id).toBe(proposal.id);
    const stored = JSON.stringify(await sql('SELECT summary, encode(body_box, $2) AS box FROM base_data.change_proposals WHERE id = $1', [proposal.id, 'escape']));
    for (const secret of [body.idNumber, body.phone, body.name]) expect(stored).not.toContain(secret);
    // Nothing is registered until staff confirm.
    const count = async () => (await sql<{ n: number }>('SELECT count(*)::int AS n FROM base_data.residents WHERE household_code = $1', [household]))[0]!.n;
    const before = await count();

    const pending = expectShape(changeProposalPageSchema, await (await call('GET', `/api/v1/change-proposals?status=pending&unit=${GRID}`, staff)).json());
    expect(pending.items.map((p) => p.id)).toContain(proposal.id);
    // A worker may not decide.
    expect((await call('POST', `/api/v1/change-proposals/${proposal.id}/confirm`, worker, {})).status).toBe(403);

    const confirmed = expectShape(changeProposalViewSchema, await (await call('POST', `/api/v1/change-proposals/${proposal.id}/confirm`, staff, { note: '已核实 (checked)' })).json());
    expect(confirmed).toMatchObject({ status: 'confirmed', decidedBy: expect.stringContaining('community'), applied: { kind: 'resident', key: expect.any(String) } });
    expect(await count()).toBe(before + 1);
    const resident = expectShape(residentViewSchema, await (await call('GET', `/api/v1/residents/${confirmed.applied!.key}`, staff)).json());
    expect(resident).toMatchObject({ householdCode: household, residenceType: 'tenant', status: 'active' });
    const history = (await (await call('GET', `/api/v1/residents/${resident.id}/history`, staff)).json()) as { action: string; actor: string }[];
    expect(history).toEqual([expect.objectContaining({ action: 'add', actor: expect.stringContaining('community-staff') })]);
    // Decided once only.
    const again = await call('POST', `/api/v1/change-proposals/${proposal.id}/confirm`, staff, {});
    expect({ status: again.status, code: expectShape(errorBodySchema, await again.json()).code }).toEqual({ status: 409, code: 'PROPOSAL.DECIDED' });
  });

  it('a move out (迁出) rejected changes nothing; the same confirmed marks the resident as left; a house let to tenants (房屋出租) becomes rented', async () => {
    const id = await aResidentOfTheGrid();
    const rejectedProposal = expectShape(changeProposalViewSchema, (await propose('moved-out', { residentId: id, date: '2026-12-01', reason: '工作调动 (moved for work)' })).body);
    const versionBefore = await sql('SELECT status, version FROM base_data.residents WHERE id = $1', [id]);
    const rejected = expectShape(changeProposalViewSchema, await (await call('POST', `/api/v1/change-proposals/${rejectedProposal.id}/reject`, staff, { reason: '核实未迁出 (has not moved)' })).json());
    expect(rejected).toMatchObject({ status: 'rejected', note: '核实未迁出 (has not moved)', applied: null });
    expect(await sql('SELECT status, version FROM base_data.residents WHERE id = $1', [id])).toEqual(versionBefore);

    const accepted = expectShape(changeProposalViewSchema, (await propose('moved-out', { residentId: id, date: '2026-12-02' })).body);
    await call('POST', `/api/v1/change-proposals/${accepted.id}/confirm`, staff, {});
    expect(await sql<{ status: string }>('SELECT status FROM base_data.residents WHERE id = $1', [id])).toEqual([{ status: 'left' }]);
    const history = (await (await call('GET', `/api/v1/residents/${id}/history`, staff)).json()) as { action: string }[];
    expect(history.at(-1)).toMatchObject({ action: 'leave' });

    const [house] = await sql<{ code: string }>("SELECT code FROM base_data.houses WHERE grid_code = $1 AND use <> 'rented' ORDER BY code LIMIT 1", [GRID]);
    const letting = expectShape(changeProposalViewSchema, (await propose('rented-out', { houseCode: house!.code })).body);
    await call('POST', `/api/v1/change-proposals/${letting.id}/confirm`, staff, {});
    expect(expectShape(houseViewSchema, await (await call('GET', `/api/v1/houses/${house!.code}`, staff)).json()).use).toBe('rented');
  });

  it('refuses bad proposals naming the field, a record outside the worker\'s unit, and keeps nothing of them', async () => {
    const count = async () => (await sql<{ n: number }>('SELECT count(*)::int AS n FROM base_data.change_proposals'))[0]!.n;
    const before = await count();
    const valid = newcomer();
    const badId = await propose('newcomer', { ...valid, idNumber: valid.idNumber.slice(0, 17) + (valid.idNumber[17] === '1' ? '2' : '1') });
    expect({ status: badId.status, fields: expectShape(errorBodySchema, badId.body).errors?.map((e) => e.field) }).toEqual({ status: 400, fields: ['body.idNumber'] });
    const wrongCheck = await propose('death', { residentId: 'not-a-uuid', date: '2026-12-01' });
    expect({ status: wrongCheck.status, fields: expectShape(errorBodySchema, wrongCheck.body).errors?.map((e) => e.field) }).toEqual({ status: 400, fields: ['body.residentId'] });
    const unknownKind = await propose('abduction', {});
    expect(unknownKind.status).toBe(400);
    // A resident of the neighbouring community, proposed by a worker of grid -07.
    const [other] = await sql<{ id: string }>("SELECT id::text AS id FROM base_data.residents WHERE grid_code LIKE '350206001002-%' LIMIT 1");
    const outside = await propose('death', { residentId: other!.id, date: '2026-12-01' });
    expect({ status: outside.status, fields: expectShape(errorBodySchema, outside.body).errors?.map((e) => e.field) }).toEqual({ status: 400, fields: ['body.residentId'] });
    const noHouse = await propose('rented-out', { houseCode: 'NO-SUCH-HOUSE' });
    expect(expectShape(errorBodySchema, noHouse.body).errors?.[0]?.field).toBe('body.houseCode');
    expect(await count()).toBe(before);
    // A worker of another community sees none of this grid's proposals, and may not ask for them.
    const elsewhere = await infra.oidc.tokenFor('gw-other');
    const theirs = expectShape(changeProposalPageSchema, await (await call('GET', '/api/v1/change-proposals', elsewhere)).json());
    expect(theirs.items.filter((p) => p.gridCode === GRID)).toEqual([]);
    expect((await call('GET', `/api/v1/change-proposals?unit=${GRID}`, elsewhere)).status).toBe(403);
  });

  it("a must-report queued on the handheld arrives through the gateway's sync as a proposal, once, however often it is sent", async () => {
    const id = await aResidentOfTheGrid();
    const clientId = randomUUID();
    const items = [
      { clientId, type: 'change-proposal', body: { kind: 'death', body: { residentId: id, date: '2026-12-03', reason: '病故 (illness)' } } },
      { clientId: randomUUID(), type: 'change-proposal', body: { kind: 'death', body: { residentId: 'nobody', date: '2026-12-03' } } },
    ];
    const sync = async () => {
      const res = await fetch(`${gw.url}/api/v1/sync`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${worker}` }, body: JSON.stringify({ items }) });
      expect(res.status).toBe(200);
      return expectShape(syncResultSchema, await res.json()).items;
    };
    const first = await sync();
    expect(first.map((a) => [a.status, a.error?.errors?.[0]?.field ?? null])).toEqual([
      [201, null],
      [400, 'body.residentId'],
    ]);
    const proposal = changeProposalViewSchema.parse(first[0]!.result);
    expect(proposal).toMatchObject({ kind: 'death', status: 'pending', gridCode: GRID, proposer: 'gw-07', clientId });
    const again = await sync();
    expect(again.map((a) => [a.status, a.replayed])).toEqual([
      [201, true],
      [400, true],
    ]);
    expect(await sql('SELECT count(*)::int AS n FROM base_data.change_proposals WHERE client_id = $1', [clientId])).toEqual([{ n: 1 }]);
    // Staff see it among the pending ones.
    const pending = expectShape(changeProposalPageSchema, await (await call('GET', '/api/v1/change-proposals?status=pending', staff)).json());
    expect(pending.items.map((p) => p.id)).toContain(proposal.id);
  });
});
