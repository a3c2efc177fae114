import { postPositionsResultSchema, workerPositionsSchema, type PositionFix } from '@gm/contracts';
import { subjectOf } from '@gm/auth';
import { aFix, startInfra, type TestInfra } from '@gm/testing';
import { eventually, sql, startSlice, type Slice } from './support';

describe('workers\' positions: handheld → mobile-gateway → event → command-centre (real PostgreSQL/PostGIS, NATS JetStream, OIDC)', () => {
  let infra: TestInfra;
  let slice: Slice;
  let worker: string;

  beforeAll(async () => {
    infra = await startInfra();
    slice = await startSlice(infra);
    worker = await infra.oidc.tokenFor('gw-07');
  });

  afterAll(async () => {
    await slice?.close();
    await infra?.close();
  });

  const fix = aFix;
  const post = async (body: unknown, token = worker) => {
    const res = await fetch(`${slice.gw.url}/api/v1/positions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as { code?: string; errors?: { field: string; message: string }[] } };
  };
  const storedBatches = async () => (await sql<{ n: number }>(infra, `SELECT count(*)::int AS n FROM mobile_gateway.outbox WHERE type = 'gm.worker.positions-reported.v1'`))[0]!.n;

  it('refuses a batch with a bad fix, naming the item and the field, and keeps nothing of it', async () => {
    const cases: [PositionFix, string, RegExp][] = [
      [fix(1, { latitude: 91 }), 'fixes.1.latitude', /between -90 and 90/],
      [fix(-30), 'fixes.1.at', /future/],
      [fix(1, { accuracy: -5 }), 'fixes.1.accuracy', /0 or more/],
    ];
    for (const [bad, field, message] of cases) {
      const res = await post({ fixes: [fix(2), bad, fix(0)] });
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('REQUEST.VALIDATION_FAILED');
      expect(res.body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ field, message: expect.stringMatching(message) })]));
    }
    const old = await post({ fixes: [fix(73 * 60)] });
    expect(old.status).toBe(400);
    expect(old.body.errors?.[0]?.field).toBe('fixes.0.at');
    expect(await storedBatches()).toBe(0);
    // The gateway stays up and answers its readiness probe.
    expect((await fetch(`${slice.gw.url}/readyz`)).status).toBe(200);
  });

  it("refuses a worker's post of another worker's positions, and a staff member's", async () => {
    const other = await post({ worker: subjectOf('gw-08'), fixes: [fix(1)] });
    expect(other.status).toBe(403);
    expect(other.body.errors?.[0]?.field).toBe('worker');
    const staff = await post({ fixes: [fix(1)] }, await infra.oidc.tokenFor('community'));
    expect(staff.status).toBe(403);
    expect(await storedBatches()).toBe(0);
  });

  it("accepts the worker's own fixes and the command centre shows the newest", async () => {
    const res = await post({ worker: subjectOf('gw-07'), fixes: [fix(3), fix(1, { latitude: 24.5131, accuracy: 6 }), fix(2)] });
    expect(res.status).toBe(202);
    expect(postPositionsResultSchema.parse(res.body).accepted).toBe(3);
    const community = await infra.oidc.tokenFor('community');
    const shown = await eventually('the position at the command centre', async () => {
      const r = await fetch(`${slice.cc.url}/api/v1/workers/positions`, { headers: { authorization: `Bearer ${community}` } });
      const body = workerPositionsSchema.parse(await r.json());
      return body.items.find((w) => w.username === 'gw-07');
    });
    expect(shown).toMatchObject({ subject: subjectOf('gw-07'), unitCode: '350206001001-07', accuracyM: 6, location: { coordinates: [118.1456, 24.5131] } });
    expect(shown.ageSeconds).toBeGreaterThanOrEqual(55);
    // The event names the worker by subject and account, never by name.
    const [event] = await sql<{ payload: { data: { worker: Record<string, string> } } }>(infra, `SELECT payload FROM mobile_gateway.outbox WHERE type = 'gm.worker.positions-reported.v1'`);
    expect(event!.payload.data.worker).toEqual({ subject: subjectOf('gw-07'), username: 'gw-07', role: 'grid-worker', unit: '350206001001-07' });
    expect(JSON.stringify(event)).not.toContain('演示');
  });
});
