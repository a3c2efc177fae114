import { randomUUID } from 'node:crypto';
import { attachmentLinkSchema, attachmentUploadSchema, errorBodySchema, reportCaseResultSchema } from '@gm/contracts';
import { aReport, expectShape, startInfra, startService, type TestInfra, type TestService } from '@gm/testing';
import * as gateway from '../../apps/mobile-gateway/src/app.module';
import * as gwConfig from '../../apps/mobile-gateway/src/config/config';
import { startSlice, type Slice } from './support';

type Json = Record<string, unknown>;
const PHOTO = Buffer.from('synthetic JPEG bytes: a photo of a cleared pavement (not a real picture)');

/** The same server under another name a device could use (localhost for 127.0.0.1, and back). */
function publicEndpoint(internal: string): string {
  const url = new URL(internal);
  url.hostname = url.hostname === 'localhost' ? '127.0.0.1' : 'localhost';
  return url.toString().replace(/\/$/, '');
}

describe('attachments: photos as evidence through the handheld (real S3 server, PostgreSQL, NATS, OIDC)', () => {
  let infra: TestInfra;
  let slice: Slice;
  let noStorage: TestService<gwConfig.AppConfig>;
  let forBrowsers: TestService<gwConfig.AppConfig>;
  const tokens: Record<string, string> = {};

  beforeAll(async () => {
    infra = await startInfra({ s3: true });
    slice = await startSlice(infra);
    const { S3_ENDPOINT: _e, S3_ACCESS_KEY: _a, S3_SECRET_KEY: _s, ...withoutS3 } = infra.env();
    noStorage = await startService({ configSchema: gwConfig.configSchema, module: (c, l) => gateway.AppModule.forRoot(c, l) }, withoutS3);
    forBrowsers = await startService(
      { configSchema: gwConfig.configSchema, module: (c, l) => gateway.AppModule.forRoot(c, l) },
      infra.env({ S3_BUCKET: 'gm-browser-cors', S3_CORS_ORIGINS: 'http://127.0.0.1:3005', S3_PUBLIC_ENDPOINT: publicEndpoint(infra.env()['S3_ENDPOINT']!) }),
    );
    for (const user of ['gw-07', 'gw-08', 'community']) tokens[user] = await infra.oidc.tokenFor(user);
  });

  afterAll(async () => {
    await noStorage?.close();
    await forBrowsers?.close();
    await slice?.close();
    await infra?.close();
  });

  const post = async (url: string, user: string, body: unknown) => {
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${tokens[user]}` }, body: JSON.stringify(body) });
    return { status: res.status, body: (await res.json()) as Json };
  };
  const announce = (user: string, body: Json = { contentType: 'image/jpeg', sizeBytes: PHOTO.length }) => post(`${slice.gw.url}/api/v1/attachments`, user, body);
  const upload = async (answer: Json, bytes = PHOTO) => {
    const up = answer['upload'] as { url: string; method: string; headers: Record<string, string> };
    const res = await fetch(up.url, { method: up.method, headers: up.headers, body: bytes });
    expect(res.status).toBe(200);
  };
  const report = (user: string, evidence: string[], url = slice.gw.url) =>
    post(`${url}/api/v1/reports`, user, aReport({ triage: 'on_the_spot', evidence, clientId: randomUUID() }));

  it('signs the links handed to devices for the public endpoint (S3_PUBLIC_ENDPOINT), and they work there', async () => {
    const publicHost = new URL(publicEndpoint(infra.env()['S3_ENDPOINT']!)).host;
    const announced = await post(`${forBrowsers.url}/api/v1/attachments`, 'gw-07', { contentType: 'image/jpeg', sizeBytes: PHOTO.length });
    expect(announced.status).toBe(201);
    const { key, upload: how } = expectShape(attachmentUploadSchema, announced.body);
    expect(new URL(how.url).host).toBe(publicHost);
    // The signature covers the host: the upload succeeds only if it was signed for the public name.
    await upload(announced.body);
    const link = await fetch(`${forBrowsers.url}/api/v1/attachments/link?key=${encodeURIComponent(key)}`, { headers: { authorization: `Bearer ${tokens['community']}` } });
    const { url } = expectShape(attachmentLinkSchema, await link.json());
    expect(new URL(url).host).toBe(publicHost);
    expect(Buffer.from(await (await fetch(url)).arrayBuffer())).toEqual(PHOTO);
    // Without the setting, links name the endpoint the services use.
    const internal = await announce('gw-07');
    expect(new URL((internal.body['upload'] as { url: string }).url).host).toBe(new URL(infra.env()['S3_ENDPOINT']!).host);
  });

  it("lets the console's origin upload to the bucket and read a photo through a JSON link (S3_CORS_ORIGINS), and no other origin", async () => {
    const announced = await post(`${forBrowsers.url}/api/v1/attachments`, 'gw-07', { contentType: 'image/jpeg', sizeBytes: PHOTO.length });
    expect(announced.status).toBe(201);
    const { key, upload: how } = expectShape(attachmentUploadSchema, announced.body);
    const preflight = (origin: string) =>
      fetch(how.url, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'PUT', 'access-control-request-headers': 'content-type' } });
    const allowed = await preflight('http://127.0.0.1:3005');
    expect(allowed.status).toBe(200);
    expect(allowed.headers.get('access-control-allow-origin')).toBeTruthy();
    expect(allowed.headers.get('access-control-allow-methods')).toContain('PUT');
    expect((await preflight('http://evil.example')).status).toBe(403);
    await upload(announced.body);

    const link = await fetch(`${forBrowsers.url}/api/v1/attachments/link?key=${encodeURIComponent(key)}`, { headers: { authorization: `Bearer ${tokens['community']}` } });
    expect(link.status).toBe(200);
    const { url } = expectShape(attachmentLinkSchema, await link.json());
    const photo = await fetch(url, { headers: { origin: 'http://127.0.0.1:3005' } });
    expect(Buffer.from(await photo.arrayBuffer())).toEqual(PHOTO);
    expect((await fetch(`${forBrowsers.url}/api/v1/attachments/link?key=attachments/2026-01/none.jpg`, { headers: { authorization: `Bearer ${tokens['community']}` } })).status).toBe(404);
  });

  it('announces, uploads straight to the bucket, and closes an on-the-spot report with the photo as evidence', async () => {
    const announced = await announce('gw-07');
    expect(announced.status).toBe(201);
    const { key, upload: how } = expectShape(attachmentUploadSchema, announced.body);
    expect(key).toMatch(/^attachments\/\d{4}-\d{2}\/[0-9a-f-]{36}\.jpg$/);
    expect(how.headers).toEqual({ 'content-type': 'image/jpeg' });
    await upload(announced.body);
    const res = await report('gw-07', [key]);
    expect(res.status).toBe(201);
    expect(expectShape(reportCaseResultSchema.strict(), res.body).state).toBe('closed');

    // Staff read it back through a short-lived link.
    const link = await fetch(`${slice.gw.url}/api/v1/attachments/content?key=${encodeURIComponent(key)}`, {
      headers: { authorization: `Bearer ${tokens['community']}` },
      redirect: 'manual',
    });
    expect(link.status).toBe(302);
    const bytes = Buffer.from(await (await fetch(link.headers.get('location')!)).arrayBuffer());
    expect(bytes.equals(PHOTO)).toBe(true);
  });

  it('refuses evidence that was announced but not uploaded, or announced by someone else, naming each', async () => {
    const notUploaded = (await announce('gw-07')).body['key'] as string;
    const theirs = await announce('gw-08');
    await upload(theirs.body);
    const res = await report('gw-07', [notUploaded, theirs.body['key'] as string, 'attachments/2026-11/made-up.jpg']);
    expect(res.status).toBe(400);
    expect(expectShape(errorBodySchema, res.body).errors?.map((e) => e.field)).toEqual(['evidence.0', 'evidence.1', 'evidence.2']);
    expect((res.body['errors'] as { message: string }[])[0]?.message).toContain('not uploaded');
  });

  it('refuses a file larger than announced', async () => {
    const announced = await announce('gw-07', { contentType: 'image/jpeg', sizeBytes: 10 });
    await upload(announced.body, PHOTO);
    const res = await report('gw-07', [announced.body['key'] as string]);
    expect(res.status).toBe(400);
    expect((res.body['errors'] as { message: string }[])[0]?.message).toContain('larger than announced');
  });

  it('answers bad announcements with 400 naming the field', async () => {
    const badType = await announce('gw-07', { contentType: 'application/x-msdownload', sizeBytes: 10 });
    expect(badType.status).toBe(400);
    expect(expectShape(errorBodySchema, badType.body).errors?.[0]?.field).toBe('contentType');
    const tooBig = await announce('gw-07', { contentType: 'video/mp4', sizeBytes: 500 * 1024 * 1024 });
    expect(tooBig.status).toBe(400);
    expect((tooBig.body['errors'] as { field: string }[])[0]?.field).toBe('sizeBytes');
    const missing = await fetch(`${slice.gw.url}/api/v1/attachments/content?key=attachments/2026-11/none.jpg`, { headers: { authorization: `Bearer ${tokens['community']}` } });
    expect(missing.status).toBe(404);
  });

  it('a gateway without storage says so: 503 for uploads, 400 for evidence', async () => {
    const upload = await post(`${noStorage.url}/api/v1/attachments`, 'gw-07', { contentType: 'image/jpeg', sizeBytes: 10 });
    expect(upload.status).toBe(503);
    const res = await report('gw-07', ['attachments/2026-11/x.jpg'], noStorage.url);
    expect(res.status).toBe(400);
    expect((res.body['errors'] as { field: string }[])[0]?.field).toBe('evidence');
  });
});
