import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { aReport, openSse, startInfra, type TestInfra } from '@gm/testing';
import { startSlice, type Slice } from './support';

function b64url(value: object): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

describe('authentication and org-unit scope on HTTP and NATS entries', () => {
  let infra: TestInfra;
  let slice: Slice;

  beforeAll(async () => {
    infra = await startInfra();
    // No cool-down between key-set fetches: the forged-kid test must not delay the rotation test.
    slice = await startSlice(infra, { OIDC_JWKS_COOLDOWN_MS: '0' });
  });
  afterAll(async () => {
    await slice?.close();
    await infra?.close();
  });

  const report = (authorization?: string, body: unknown = aReport()) =>
    fetch(`${slice.gw.url}/api/v1/reports`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(authorization && { authorization }) },
      body: JSON.stringify(body),
    });

  async function expectError(res: Response, status: number, code: string): Promise<void> {
    expect(res.status).toBe(status);
    expect(res.headers.get('content-type')).toContain('application/json');
    const body = (await res.json()) as { code: string; message: string; statusCode: number };
    expect(body.code).toBe(code);
    expect(body.statusCode).toBe(status);
    expect(body.message.length).toBeGreaterThan(0);
  }

  it('no token → 401 with a JSON message', async () => {
    await expectError(await report(), 401, 'AUTH.UNAUTHENTICATED');
    await expectError(await report('Basic Z3c6ZGVtbw=='), 401, 'AUTH.UNAUTHENTICATED');
  });

  it('expired token → 401', async () => {
    const now = Math.floor(Date.now() / 1000);
    const token = await infra.oidc.mint('gw-07', { iat: now - 7200, exp: now - 3600 });
    const res = await report(`Bearer ${token}`);
    await expectError(res.clone(), 401, 'AUTH.UNAUTHENTICATED');
    expect(((await res.json()) as { detail: string }).detail).toBe('token expired');
  });

  it('wrong issuer → 401', async () => {
    const token = await infra.oidc.mint('gw-07', { iss: 'https://sso.elsewhere.example/realms/gm' });
    await expectError(await report(`Bearer ${token}`), 401, 'AUTH.UNAUTHENTICATED');
  });

  it('wrong audience → 401', async () => {
    const token = await infra.oidc.mint('gw-07', { aud: 'another-api' });
    await expectError(await report(`Bearer ${token}`), 401, 'AUTH.UNAUTHENTICATED');
  });

  it('alg "none" → 401', async () => {
    const good = await infra.oidc.tokenFor('gw-07');
    const claims = JSON.parse(Buffer.from(good.split('.')[1]!, 'base64url').toString()) as object;
    const unsigned = `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url(claims)}.`;
    await expectError(await report(`Bearer ${unsigned}`), 401, 'AUTH.UNAUTHENTICATED');
  });

  it('unknown kid (signed by a key the realm never published) → 401', async () => {
    const good = await infra.oidc.tokenFor('gw-07');
    const claims = JSON.parse(Buffer.from(good.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
    const { privateKey, publicKey } = await generateKeyPair('RS256');
    expect((await exportJWK(publicKey)).kty).toBe('RSA');
    const forged = await new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: 'not-a-realm-key' }).sign(privateKey);
    await expectError(await report(`Bearer ${forged}`), 401, 'AUTH.UNAUTHENTICATED');
  });

  it('a token signed before a key rotation still verifies (retired keys stay published)', async () => {
    const before = await infra.oidc.tokenFor('gw-07');
    await infra.oidc.rotate();
    expect((await report(`Bearer ${before}`)).status).toBe(201);
    expect((await report(`Bearer ${await infra.oidc.tokenFor('gw-07')}`)).status).toBe(201);
  });

  it('a grid worker reporting into another grid → 403', async () => {
    const token = await infra.oidc.tokenFor('gw-07');
    await expectError(await report(`Bearer ${token}`, aReport({ gridCode: '350206001001-08' })), 403, 'AUTH.OUT_OF_SCOPE');
  });

  it('a role that may not report from a handheld → 403', async () => {
    await expectError(await report(`Bearer ${await infra.oidc.tokenFor('community')}`), 403, 'AUTH.FORBIDDEN');
  });

  it("a community user reading another community's live feed → 403; its own → 200", async () => {
    const token = await infra.oidc.tokenFor('community');
    const foreign = await openSse(`${slice.cc.url}/api/v1/live?unit=350206001002`, { token });
    expect(foreign.status).toBe(403);
    expect(JSON.parse(await foreign.errorBody())).toMatchObject({ code: 'AUTH.OUT_OF_SCOPE' });
    const own = await openSse(`${slice.cc.url}/api/v1/live?unit=350206001001-07`, { token });
    expect(own.status).toBe(200);
    own.close();
    const none = await openSse(`${slice.cc.url}/api/v1/live`);
    expect(none.status).toBe(401);
  });

  it('EventSource clients may pass the token as access_token on the live feed', async () => {
    const token = await infra.oidc.tokenFor('street');
    const viaQuery = await openSse(`${slice.cc.url}/api/v1/live?access_token=${encodeURIComponent(token)}`);
    expect(viaQuery.status).toBe(200);
    viaQuery.close();
  });

  it('the NATS entry verifies the token too: a forged token on the RPC is refused', async () => {
    const { RpcClient } = await import('@gm/messaging');
    const { namespace } = await import('@gm/contracts');
    const client = new RpcClient({ servers: [infra.nats.url], namespace: namespace(infra.nats.namespace), tier: '350206', service: 'mobile-gateway' });
    try {
      const { Rpc } = await import('@gm/contracts');
      const call = client.request(Rpc.reportCase, { report: aReport(), idempotencyKey: 'forged-0001', channel: 'handheld' }, { authorization: 'Bearer not.a.jwt' });
      await expect(call).rejects.toMatchObject({ code: 'AUTH.UNAUTHENTICATED' });
    } finally {
      await client.onApplicationShutdown();
    }
  });
});
