import { aReport, startInfra, type TestInfra } from '@gm/testing';
import { startSlice, type Slice } from './support';

interface ErrorBody {
  statusCode: number;
  code: string;
  message: string;
  errors?: { field: string; message: string }[];
}

describe('bad input gets a clear 4xx naming the field; the service stays up', () => {
  let infra: TestInfra;
  let slice: Slice;
  let token: string;

  beforeAll(async () => {
    infra = await startInfra();
    slice = await startSlice(infra);
    token = await infra.oidc.tokenFor('gw-07');
  });
  afterAll(async () => {
    await slice?.close();
    await infra?.close();
  });

  const post = (body: string, headers: Record<string, string> = {}) =>
    fetch(`${slice.gw.url}/api/v1/reports`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, ...headers },
      body,
    });

  async function expect400(res: Response, code: string, field?: string): Promise<ErrorBody> {
    const body = (await res.json()) as ErrorBody;
    expect({ status: res.status, code: body.code }).toEqual({ status: 400, code });
    if (field) {
      expect(body.errors?.map((e) => e.field)).toContain(field);
      expect(body.message).toContain(field);
    }
    return body;
  }

  it('malformed JSON → 400', async () => {
    await expect400(await post('{"categoryCode": "SJ0101", '), 'REQUEST.MALFORMED_BODY');
  });

  it('missing fields → 400 naming each', async () => {
    const body = await expect400(await post(JSON.stringify({ location: { latitude: 24.5, longitude: 118.1 } })), 'REQUEST.VALIDATION_FAILED');
    expect(body.errors?.map((e) => e.field)).toEqual(expect.arrayContaining(['categoryCode', 'description']));
  });

  it('latitude out of range → 400 naming location.latitude', async () => {
    const r = aReport();
    await expect400(await post(JSON.stringify({ ...r, location: { latitude: 91, longitude: 118.1 } })), 'REQUEST.VALIDATION_FAILED', 'location.latitude');
  });

  it('longitude out of range → 400 naming location.longitude', async () => {
    const r = aReport();
    await expect400(await post(JSON.stringify({ ...r, location: { latitude: 24.5, longitude: -181 } })), 'REQUEST.VALIDATION_FAILED', 'location.longitude');
  });

  it('unknown category → 400 naming categoryCode', async () => {
    await expect400(await post(JSON.stringify(aReport({ categoryCode: 'SJ9999' }))), 'CASE.UNKNOWN_CATEGORY', 'categoryCode');
  });

  it('an unknown field → 400 naming it (typos do not pass silently)', async () => {
    const body = await expect400(await post(JSON.stringify({ ...aReport(), lattitude: 24.5 })), 'REQUEST.VALIDATION_FAILED');
    expect(JSON.stringify(body.errors)).toContain('lattitude');
  });

  it('oversized body → 413', async () => {
    const res = await post(JSON.stringify(aReport({ description: 'x'.repeat(2 * 1024 * 1024) })));
    expect(res.status).toBe(413);
    expect(((await res.json()) as ErrorBody).code).toBe('REQUEST.BODY_TOO_LARGE');
  });

  it('wrong content type → 415', async () => {
    const res = await post('categoryCode=SJ0101', { 'content-type': 'text/csv' });
    expect(res.status).toBe(415);
  });

  it('English on request, Chinese by default', async () => {
    const zh = (await (await post('{')).json()) as ErrorBody;
    const en = (await (await post('{', { 'accept-language': 'en-GB,en;q=0.9' })).json()) as ErrorBody;
    expect(zh.message).toMatch(/[\u4e00-\u9fff]/);
    expect(en.message).toBe('The request body is not valid JSON');
  });

  it('a body nested 5,000 levels deep → 400 before it is parsed (no stack overflow, no 500)', async () => {
    const deep = `{"categoryCode":"SJ0101","extra":${'['.repeat(5000)}${']'.repeat(5000)}}`;
    await expect400(await post(deep), 'REQUEST.VALIDATION_FAILED', '(body)');
    const deepObject = `${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}`;
    await expect400(await post(deepObject), 'REQUEST.VALIDATION_FAILED', '(body)');
  });

  it('NUL and a lone surrogate in a text field → 400 naming the field (PostgreSQL cannot store them)', async () => {
    // JSON.stringify writes both as escapes (\u0000, \ud800), as a client sends them.
    const withNul = JSON.stringify({ ...aReport(), description: 'bins \u0000 overflowing' });
    expect(withNul).toContain('\\u0000');
    await expect400(await post(withNul), 'REQUEST.VALIDATION_FAILED', 'description');
    const withSurrogate = JSON.stringify({ ...aReport(), address: 'east gate \ud800' });
    expect(withSurrogate).toContain('\\ud800');
    await expect400(await post(withSurrogate), 'REQUEST.VALIDATION_FAILED', 'address');
    // A proper surrogate pair (an emoji) is text like any other.
    expect((await post(JSON.stringify({ ...aReport(), description: '垃圾桶满溢 🗑️ bins overflowing' }))).status).toBe(201);
  });

  it('NUL in a query parameter → 400 naming it', async () => {
    const res = await fetch(`${slice.gw.url}/api/v1/tasks?limit=%00`, { headers: { authorization: `Bearer ${token}` } });
    await expect400(res, 'REQUEST.VALIDATION_FAILED', 'limit');
  });

  it('after all that the service is up and a valid report is stored', async () => {
    expect((await fetch(`${slice.gw.url}/healthz`)).status).toBe(200);
    expect((await post(JSON.stringify(aReport()))).status).toBe(201);
  });

  it('unknown routes answer 404 in the same JSON shape', async () => {
    const res = await fetch(`${slice.gw.url}/api/v1/nothing-here`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(404);
    expect(((await res.json()) as ErrorBody).code).toBe('REQUEST.ROUTE_NOT_FOUND');
  });
});
