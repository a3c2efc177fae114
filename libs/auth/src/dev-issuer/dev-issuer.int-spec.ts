import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { DevIssuer } from './dev-issuer';
import { TokenVerifier } from '../token-verifier';

describe('development OIDC issuer (real HTTP, Keycloak paths)', () => {
  let issuer: DevIssuer;

  beforeAll(async () => {
    issuer = await new DevIssuer({ rotateEveryMs: 0, retiredKeyGraceMs: 60_000 }).start();
  });
  afterAll(() => issuer.stop());

  const password = (username: string, pw = 'demo') =>
    fetch(issuer.tokenEndpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'password', client_id: 'gm-web', username, password: pw }),
    });

  it('serves the discovery document and the JWKS where Keycloak does', async () => {
    const discovery = (await (await fetch(`${issuer.issuer}/.well-known/openid-configuration`)).json()) as Record<string, string>;
    expect(discovery['issuer']).toBe(issuer.issuer);
    expect(discovery['jwks_uri']).toBe(`${issuer.issuer}/protocol/openid-connect/certs`);
    expect(discovery['token_endpoint']).toBe(`${issuer.issuer}/protocol/openid-connect/token`);
    const jwks = (await (await fetch(discovery['jwks_uri']!)).json()) as { keys: { kid: string; alg: string; use: string; d?: string }[] };
    expect(jwks.keys).toHaveLength(1);
    expect(jwks.keys[0]).toMatchObject({ alg: 'RS256', use: 'sig', kid: issuer.currentKid });
    expect(jwks.keys[0]?.d).toBeUndefined();
  });

  it('issues Keycloak-shaped access tokens for demo users (password grant)', async () => {
    const res = await password('gw-07');
    expect(res.status).toBe(200);
    const body = (await res.json()) as { access_token: string; token_type: string; expires_in: number };
    expect(body.token_type).toBe('Bearer');
    const { payload } = await jwtVerify(body.access_token, createRemoteJWKSet(new URL(issuer.jwksUri)), { issuer: issuer.issuer, audience: 'gm-api' });
    expect(payload).toMatchObject({
      preferred_username: 'gw-07',
      realm_access: { roles: expect.arrayContaining(['grid-worker']) },
      org_unit: '350206001001-07',
      typ: 'Bearer',
      azp: 'gm-web',
    });
    expect(payload.sub).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('refuses wrong credentials and unsupported grants like Keycloak', async () => {
    const wrong = await password('gw-07', 'nope');
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toMatchObject({ error: 'invalid_grant' });
    const grant = await fetch(issuer.tokenEndpoint, { method: 'POST', body: new URLSearchParams({ grant_type: 'client_credentials' }) });
    expect(grant.status).toBe(400);
    expect(await grant.json()).toMatchObject({ error: 'unsupported_grant_type' });
  });

  it('rotates keys: new tokens carry the new kid, old tokens still verify while the old key is published', async () => {
    const before = ((await (await password('community')).json()) as { access_token: string }).access_token;
    const oldKid = decodeProtectedHeader(before).kid;
    const newKid = await issuer.rotate();
    expect(newKid).not.toBe(oldKid);
    const after = ((await (await password('community')).json()) as { access_token: string }).access_token;
    expect(decodeProtectedHeader(after).kid).toBe(newKid);

    const jwks = (await (await fetch(issuer.jwksUri)).json()) as { keys: { kid: string }[] };
    expect(jwks.keys.map((k) => k.kid)).toEqual([newKid, oldKid]);

    const verifier = new TokenVerifier({ issuer: issuer.issuer, audience: 'gm-api', algorithms: ['RS256'], orgUnitClaim: 'org_unit', clockToleranceSec: 0, jwksCooldownMs: 0 });
    await expect(verifier.verify(before)).resolves.toMatchObject({ orgUnit: '350206001001', roles: ['community-staff'] });
    await expect(verifier.verify(after)).resolves.toMatchObject({ username: 'community' });
  });

  it('remembers a verified token until it expires, never longer, and never remembers a failure', async () => {
    const short = await new DevIssuer({ rotateEveryMs: 0, allowMint: true }).start();
    const verifier = new TokenVerifier({ issuer: short.issuer, audience: 'gm-api', algorithms: ['RS256'], orgUnitClaim: 'org_unit', clockToleranceSec: 0, jwksCooldownMs: 0 });
    const now = Math.floor(Date.now() / 1000);
    const soon = await short.tokenFor('gw-07', { exp: now + 2 });
    const later = await short.tokenFor('gw-08');
    await expect(verifier.verify(soon)).resolves.toMatchObject({ username: 'gw-07' });
    await expect(verifier.verify('not.a.token')).rejects.toMatchObject({ code: 'AUTH.UNAUTHENTICATED' });
    await expect(verifier.verify(later)).resolves.toMatchObject({ username: 'gw-08' });
    await short.stop();
    // The issuer is gone: remembered tokens still verify, without a key fetch.
    await expect(verifier.verify(later)).resolves.toMatchObject({ username: 'gw-08' });
    await new Promise((r) => setTimeout(r, 2100));
    await expect(verifier.verify(soon)).rejects.toThrow();
  });

  it('drops retired keys after the grace period', async () => {
    const short = await new DevIssuer({ rotateEveryMs: 0, retiredKeyGraceMs: 1 }).start();
    try {
      const first = short.currentKid;
      await short.rotate();
      await new Promise((r) => setTimeout(r, 5));
      await short.rotate();
      const jwks = (await (await fetch(short.jwksUri)).json()) as { keys: { kid: string }[] };
      expect(jwks.keys.map((k) => k.kid)).not.toContain(first);
    } finally {
      await short.stop();
    }
  });

  it('does not mint arbitrary tokens unless enabled', async () => {
    const res = await fetch(`${issuer.issuer}/dev/mint`, { method: 'POST', body: JSON.stringify({ username: 'admin', claims: { aud: 'x' } }) });
    expect(res.status).toBe(404);
  });
});
