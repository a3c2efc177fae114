import { createHash, randomBytes } from 'node:crypto';
import { createRemoteJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify } from 'jose';
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
    expect(discovery).toMatchObject({
      authorization_endpoint: `${issuer.issuer}/protocol/openid-connect/auth`,
      end_session_endpoint: `${issuer.issuer}/protocol/openid-connect/logout`,
      userinfo_endpoint: `${issuer.issuer}/protocol/openid-connect/userinfo`,
      grant_types_supported: ['authorization_code', 'refresh_token', 'password'],
      response_types_supported: ['code'],
      code_challenge_methods_supported: ['S256'],
      scopes_supported: expect.arrayContaining(['openid', 'profile']),
      id_token_signing_alg_values_supported: ['RS256'],
    });
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

  it('refuses a caller 429 with Retry-After after five failed logins of one user, even with the right password then; other users are not affected', async () => {
    for (let i = 0; i < 5; i++) expect((await password('street', `wrong-${i}`)).status).toBe(401);
    const refused = await password('street');
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await refused.json()).toMatchObject({ error: 'too_many_requests' });
    expect((await password('district')).status).toBe(200);
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
    // A department user carries its department; nobody else does.
    const water = ((await (await password('department-water')).json()) as { access_token: string }).access_token;
    await expect(verifier.verify(water)).resolves.toMatchObject({ department: 'water', roles: ['department'] });
    expect((await verifier.verify(after)).department).toBeUndefined();
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

// ---------------------------------------------------------------------------------------------
// Authorization code flow with PKCE, as a browser SPA (oidc-client-ts) drives it.
// ---------------------------------------------------------------------------------------------

const CLIENT = 'gm-web';
const REDIRECT = 'http://127.0.0.1:5173/auth/callback';
const APP_ORIGIN = 'http://127.0.0.1:5173';

interface Pkce {
  readonly verifier: string;
  readonly challenge: string;
}

function pkce(): Pkce {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

interface TokenResponse {
  access_token: string;
  id_token: string;
  refresh_token: string;
  token_type: string;
  expires_in: number;
  refresh_expires_in: number;
  scope: string;
  session_state: string;
}

/** `name=value` of the session cookie set by a response, or undefined. */
function sessionCookie(res: Response): string | undefined {
  return res.headers.getSetCookie().map((c) => c.split(';')[0]!).find((c) => c.startsWith('GM_DEV_SESSION=') && c !== 'GM_DEV_SESSION=');
}

/** The hidden fields of the login form, unescaped. */
function hiddenFields(page: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const m of page.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) {
    fields[m[1]!] = m[2]!.replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code)));
  }
  return fields;
}

/** Visible text of an element's inner HTML (tags dropped, whitespace collapsed), like an accessible name. */
function textOf(innerHtml: string): string {
  return innerHtml.replace(/<[^>]*>/g, '').replace(/\s+/g, ' ').trim();
}

describe('development OIDC issuer: authorization code flow with PKCE for the public client gm-web', () => {
  let issuer: DevIssuer;

  beforeAll(async () => {
    issuer = await new DevIssuer({ rotateEveryMs: 0 }).start();
  });
  afterAll(() => issuer.stop());

  const authUrl = (p: Pkce, extra: Record<string, string> = {}, without: string[] = []) => {
    const params = new URLSearchParams({
      response_type: 'code',
      client_id: CLIENT,
      redirect_uri: REDIRECT,
      scope: 'openid profile',
      state: 'st-' + randomBytes(6).toString('hex'),
      nonce: 'n-' + randomBytes(6).toString('hex'),
      code_challenge: p.challenge,
      code_challenge_method: 'S256',
      ...extra,
    });
    for (const name of without) params.delete(name);
    return `${issuer.authorizationEndpoint}?${params}`;
  };

  const get = (url: string, cookie?: string) => fetch(url, { redirect: 'manual', headers: cookie ? { cookie } : {} });

  /** Opens the login page and submits it, as a person would. */
  const submitLogin = async (url: string, username = 'gw-07', password = 'demo', edit: (f: Record<string, string>) => void = () => undefined) => {
    const page = await get(url);
    expect(page.status).toBe(200);
    const fields = hiddenFields(await page.text());
    edit(fields);
    return fetch(issuer.authorizationEndpoint, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ ...fields, username, password }),
    });
  };

  const location = (res: Response) => new URL(res.headers.get('location') ?? 'about:blank');

  const exchange = (code: string, verifier: string | undefined, redirectUri = REDIRECT, origin?: string) =>
    fetch(issuer.tokenEndpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...(origin && { origin }) },
      body: new URLSearchParams({ grant_type: 'authorization_code', client_id: CLIENT, code, redirect_uri: redirectUri, ...(verifier !== undefined && { code_verifier: verifier }) }),
    });

  const refresh = (refreshToken: string) =>
    fetch(issuer.tokenEndpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'refresh_token', client_id: CLIENT, refresh_token: refreshToken }),
    });

  /** Logs in through the form: the session cookie and the tokens of a first code. */
  const logIn = async (username = 'gw-07') => {
    const p = pkce();
    const res = await submitLogin(authUrl(p), username);
    expect(res.status).toBe(302);
    const cookie = sessionCookie(res);
    expect(cookie).toBeDefined();
    const tokens = (await (await exchange(location(res).searchParams.get('code')!, p.verifier)).json()) as TokenResponse;
    expect(tokens.refresh_token).toBeTruthy();
    return { cookie: cookie!, tokens };
  };

  /** A new code through single sign-on (the session cookie, no form). */
  const ssoCode = async (cookie: string, p: Pkce, extra: Record<string, string> = {}) => {
    const res = await get(authUrl(p, extra), cookie);
    expect(res.status).toBe(302);
    const code = location(res).searchParams.get('code');
    expect(code).toBeTruthy();
    return code!;
  };

  it('logs in through the form and exchanges the code (PKCE S256) for tokens that verify against the JWKS', async () => {
    const p = pkce();
    const url = authUrl(p, { nonce: 'nonce-123', state: 'state-abc' });
    const res = await submitLogin(url);
    expect(res.status).toBe(302);
    const back = location(res);
    expect(`${back.origin}${back.pathname}`).toBe(REDIRECT);
    expect(back.searchParams.get('state')).toBe('state-abc');
    expect(back.searchParams.get('iss')).toBe(issuer.issuer);
    const sessionState = back.searchParams.get('session_state');
    expect(sessionState).toBeTruthy();
    const setCookie = res.headers.getSetCookie().find((c) => c.startsWith('GM_DEV_SESSION='))!;
    expect(setCookie).toMatch(/; HttpOnly/);
    expect(setCookie).toMatch(/; SameSite=Lax/);
    expect(setCookie).toMatch(/; Path=\/realms\/gm\//);

    const tokenRes = await exchange(back.searchParams.get('code')!, p.verifier);
    expect(tokenRes.status).toBe(200);
    const tokens = (await tokenRes.json()) as TokenResponse;
    expect(tokens).toMatchObject({ token_type: 'Bearer', session_state: sessionState, expires_in: 3600, refresh_expires_in: expect.any(Number) });
    expect(tokens.scope.split(' ')).toEqual(expect.arrayContaining(['openid', 'profile']));
    expect(tokens.refresh_expires_in).toBeGreaterThan(7 * 3600);
    expect(tokens.refresh_expires_in).toBeLessThanOrEqual(8 * 3600);

    const jwks = createRemoteJWKSet(new URL(issuer.jwksUri));
    const access = await jwtVerify(tokens.access_token, jwks, { issuer: issuer.issuer, audience: 'gm-api', algorithms: ['RS256'] });
    expect(access.payload).toMatchObject({ azp: CLIENT, preferred_username: 'gw-07', org_unit: '350206001001-07', sid: sessionState, realm_access: { roles: expect.arrayContaining(['grid-worker']) } });
    const id = await jwtVerify(tokens.id_token, jwks, { issuer: issuer.issuer, audience: CLIENT, algorithms: ['RS256'] });
    expect(id.payload).toMatchObject({ aud: CLIENT, azp: CLIENT, nonce: 'nonce-123', sid: sessionState, sub: access.payload.sub, preferred_username: 'gw-07', name: expect.stringContaining('Demo grid worker A'), org_unit: '350206001001-07', auth_time: expect.any(Number) });
    expect(id.payload.exp).toBeGreaterThan(Math.floor(Date.now() / 1000));

    const info = await fetch(issuer.userinfoEndpoint, { headers: { authorization: `Bearer ${tokens.access_token}` } });
    expect(info.status).toBe(200);
    expect(await info.json()).toEqual({ sub: access.payload.sub, preferred_username: 'gw-07', name: expect.any(String), org_unit: '350206001001-07' });
    // An ID token is not an access token, and no token is no token.
    expect((await fetch(issuer.userinfoEndpoint, { headers: { authorization: `Bearer ${tokens.id_token}` } })).status).toBe(401);
    expect((await fetch(issuer.userinfoEndpoint)).status).toBe(401);
  });

  it('refuses a wrong or missing code_verifier, a reused code and a code for another redirect_uri (400 invalid_grant)', async () => {
    const { cookie } = await logIn();
    const expectInvalidGrant = async (res: Response) => {
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ error: 'invalid_grant', error_description: expect.any(String) });
    };

    const p1 = pkce();
    await expectInvalidGrant(await exchange(await ssoCode(cookie, p1), pkce().verifier));

    const p2 = pkce();
    await expectInvalidGrant(await exchange(await ssoCode(cookie, p2), undefined));

    const p3 = pkce();
    const reused = await ssoCode(cookie, p3);
    expect((await exchange(reused, p3.verifier)).status).toBe(200);
    await expectInvalidGrant(await exchange(reused, p3.verifier));

    const p4 = pkce();
    await expectInvalidGrant(await exchange(await ssoCode(cookie, p4), p4.verifier, 'http://127.0.0.1:5173/elsewhere'));

    // A failed attempt spends the code: the right verifier afterwards is too late.
    const p5 = pkce();
    const spent = await ssoCode(cookie, p5);
    await expectInvalidGrant(await exchange(spent, pkce().verifier));
    await expectInvalidGrant(await exchange(spent, p5.verifier));
  });

  it('requires PKCE S256: without it, or with plain, the client gets error=invalid_request and no code', async () => {
    for (const [extra, without] of [
      [{}, ['code_challenge', 'code_challenge_method']],
      [{}, ['code_challenge_method']],
      [{ code_challenge_method: 'plain' }, []],
    ] as const) {
      const res = await get(authUrl(pkce(), extra, [...without]));
      expect(res.status).toBe(302);
      const back = location(res);
      expect(`${back.origin}${back.pathname}`).toBe(REDIRECT);
      expect(back.searchParams.get('error')).toBe('invalid_request');
      expect(back.searchParams.get('state')).toMatch(/^st-/);
      expect(back.searchParams.get('code')).toBeNull();
    }
  });

  it('never redirects to a redirect_uri outside the client patterns, nor for an unknown client: a 400 page', async () => {
    const p = pkce();
    for (const url of [
      authUrl(p, { redirect_uri: 'https://evil.example/cb' }),
      authUrl(p, { redirect_uri: 'http://127.0.0.1:5173@evil.example/cb' }),
      authUrl(p, { redirect_uri: 'http://user:pw@127.0.0.1:5173/cb' }),
      authUrl(p, { redirect_uri: 'http://127.0.0.1:5173/cb#fragment' }),
      authUrl(p, { redirect_uri: 'http://10.0.0.7:5173/cb' }),
      authUrl(p, { redirect_uri: 'https://127.0.0.1:5173/cb' }),
      authUrl(p, {}, ['redirect_uri']),
      authUrl(p, { client_id: 'someone-else' }),
    ]) {
      const res = await get(url);
      expect(res.status).toBe(400);
      expect(res.headers.get('location')).toBeNull();
      expect(res.headers.get('content-type')).toMatch(/^text\/html/);
      expect(await res.text()).not.toContain('evil.example');
    }
    // The form is checked again when posted: a tampered hidden field gets the page too.
    const tampered = await submitLogin(authUrl(p), 'gw-07', 'demo', (f) => (f['redirect_uri'] = 'https://evil.example/cb'));
    expect(tampered.status).toBe(400);
    expect(tampered.headers.get('location')).toBeNull();
    expect(sessionCookie(tampered)).toBeUndefined();
  });

  it('shows the form again with an error and the username kept on a wrong password, and issues no code', async () => {
    const res = await submitLogin(authUrl(pkce()), 'gw-07', 'wrong');
    expect(res.status).toBe(200);
    expect(res.headers.get('location')).toBeNull();
    expect(sessionCookie(res)).toBeUndefined();
    const page = await res.text();
    expect(textOf(/<p id="login-error"[^>]*>(.*?)<\/p>/s.exec(page)?.[1] ?? '')).toBe('用户名或密码错误 Invalid username or password');
    expect(page).toMatch(/<input id="username"[^>]* value="gw-07"/);
    expect(page).not.toContain('wrong');
    expect(hiddenFields(page)).toMatchObject({ client_id: CLIENT, redirect_uri: REDIRECT, code_challenge_method: 'S256' });
  });

  it('says so on the form (429, Retry-After) after five failed logins through it', async () => {
    for (let i = 0; i < 5; i++) expect((await submitLogin(authUrl(pkce()), 'auditor', `wrong-${i}`)).status).toBe(200);
    const res = await submitLogin(authUrl(pkce()), 'auditor', 'demo');
    expect(res.status).toBe(429);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(res.headers.get('location')).toBeNull();
    expect(textOf(/<p id="login-error"[^>]*>(.*?)<\/p>/s.exec(await res.text())?.[1] ?? '')).toBe('登录失败次数过多，请稍后再试 Too many failed logins; please try again later');
  });

  it('signs in again by the session cookie (SSO), and answers prompt=none and prompt=login like Keycloak', async () => {
    const noSession = await get(authUrl(pkce(), { prompt: 'none', state: 'silent' }));
    expect(noSession.status).toBe(302);
    expect(location(noSession).searchParams.get('error')).toBe('login_required');
    expect(location(noSession).searchParams.get('state')).toBe('silent');
    expect(location(noSession).searchParams.get('code')).toBeNull();

    const { cookie, tokens } = await logIn('community');
    const p = pkce();
    const again = await get(authUrl(p, { nonce: 'second' }), cookie);
    expect(again.status).toBe(302);
    expect(location(again).searchParams.get('session_state')).toBe(tokens.session_state);
    const second = (await (await exchange(location(again).searchParams.get('code')!, p.verifier)).json()) as TokenResponse;
    expect(decodeJwt(second.id_token)).toMatchObject({ preferred_username: 'community', nonce: 'second', sid: tokens.session_state });

    await ssoCode(cookie, pkce(), { prompt: 'none' });
    const forced = await get(authUrl(pkce(), { prompt: 'login' }), cookie);
    expect(forced.status).toBe(200);
    const fields = hiddenFields(await forced.text());
    expect(fields['prompt']).toBeUndefined();
    // The same user logging in again keeps the session, so other tabs keep refreshing.
    const relogin = await fetch(issuer.authorizationEndpoint, { method: 'POST', redirect: 'manual', headers: { cookie }, body: new URLSearchParams({ ...fields, username: 'community', password: 'demo' }) });
    expect(relogin.status).toBe(302);
    expect(location(relogin).searchParams.get('session_state')).toBe(tokens.session_state);
    // A cookie that is not a live session is no session.
    expect((await get(authUrl(pkce()), 'GM_DEV_SESSION=forged.value')).status).toBe(200);
  });

  it('rotates refresh tokens: the new one works once, the old one is refused', async () => {
    const { tokens } = await logIn();
    const first = await refresh(tokens.refresh_token);
    expect(first.status).toBe(200);
    const rotated = (await first.json()) as TokenResponse;
    expect(rotated.refresh_token).not.toBe(tokens.refresh_token);
    expect(rotated.session_state).toBe(tokens.session_state);
    // oidc-client-ts checks that a refreshed ID token keeps sub, azp and auth_time.
    const before = decodeJwt(tokens.id_token);
    expect(decodeJwt(rotated.id_token)).toMatchObject({ sub: before.sub, azp: before['azp'], auth_time: before['auth_time'] });
    await jwtVerify(rotated.access_token, createRemoteJWKSet(new URL(issuer.jwksUri)), { issuer: issuer.issuer, audience: 'gm-api' });

    const old = await refresh(tokens.refresh_token);
    expect(old.status).toBe(400);
    expect(await old.json()).toMatchObject({ error: 'invalid_grant' });
    const third = await refresh(rotated.refresh_token);
    expect(third.status).toBe(200);
    expect((await refresh(rotated.refresh_token)).status).toBe(400);
    expect((await refresh('made-up')).status).toBe(400);

    // Revocation (RFC 7009, oidc-client-ts revokeTokensOnSignout) spends a refresh token too.
    const latest = ((await third.json()) as TokenResponse).refresh_token;
    const revoked = await fetch(`${issuer.issuer}/protocol/openid-connect/revoke`, {
      method: 'POST',
      body: new URLSearchParams({ client_id: CLIENT, token: latest, token_type_hint: 'refresh_token' }),
    });
    expect(revoked.status).toBe(200);
    expect((await refresh(latest)).status).toBe(400);
  });

  it('logs out: the session ends (refresh refused, the form again) and only an allowed post_logout_redirect_uri is followed', async () => {
    const { cookie, tokens } = await logIn();
    const logoutUrl = (params: Record<string, string>) => `${issuer.endSessionEndpoint}?${new URLSearchParams(params)}`;

    const evil = await get(logoutUrl({ client_id: CLIENT, post_logout_redirect_uri: 'https://evil.example/bye', state: 's' }), cookie);
    expect(evil.status).toBe(400);
    expect(evil.headers.get('location')).toBeNull();
    const noClient = await get(logoutUrl({ post_logout_redirect_uri: 'http://127.0.0.1:5173/bye' }), cookie);
    expect(noClient.status).toBe(400);
    expect(noClient.headers.get('location')).toBeNull();

    const res = await get(logoutUrl({ client_id: CLIENT, post_logout_redirect_uri: 'http://127.0.0.1:5173/bye', state: 'out-1' }), cookie);
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('http://127.0.0.1:5173/bye?state=out-1');
    expect(res.headers.getSetCookie().some((c) => c.startsWith('GM_DEV_SESSION=;') && /Max-Age=0/.test(c))).toBe(true);

    const refused = await refresh(tokens.refresh_token);
    expect(refused.status).toBe(400);
    expect(await refused.json()).toMatchObject({ error: 'invalid_grant' });
    expect((await get(authUrl(pkce()), cookie)).status).toBe(200);
    expect((await fetch(issuer.userinfoEndpoint, { headers: { authorization: `Bearer ${tokens.access_token}` } })).status).toBe(401);

    // id_token_hint identifies the client and the session without the cookie (a POST this time).
    const other = await logIn('gw-08');
    const byHint = await fetch(issuer.endSessionEndpoint, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ id_token_hint: other.tokens.id_token, post_logout_redirect_uri: 'http://localhost:3115/' }),
    });
    expect(byHint.status).toBe(302);
    expect(byHint.headers.get('location')).toBe('http://localhost:3115/');
    expect((await refresh(other.tokens.refresh_token)).status).toBe(400);

    const page = await get(issuer.endSessionEndpoint);
    expect(page.status).toBe(200);
    expect(textOf(/<h1>(.*?)<\/h1>/s.exec(await page.text())?.[1] ?? '')).toBe('已退出 Logged out');
  });

  it('answers CORS for the console origins only: preflight, Access-Control-Allow-Origin, Vary: Origin', async () => {
    const pre = await fetch(issuer.tokenEndpoint, {
      method: 'OPTIONS',
      headers: { origin: APP_ORIGIN, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
    });
    expect(pre.status).toBe(204);
    expect(pre.headers.get('access-control-allow-origin')).toBe(APP_ORIGIN);
    expect(pre.headers.get('access-control-allow-methods')).toContain('POST');
    expect(pre.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('content-type');
    expect(pre.headers.get('vary')).toMatch(/Origin/);

    const p = pkce();
    const { cookie } = await logIn();
    const allowed = await exchange(await ssoCode(cookie, p), p.verifier, REDIRECT, 'http://localhost:3215');
    expect(allowed.status).toBe(200);
    expect(allowed.headers.get('access-control-allow-origin')).toBe('http://localhost:3215');
    expect(allowed.headers.get('vary')).toMatch(/Origin/);

    const foreign = await exchange('no-such-code', p.verifier, REDIRECT, 'https://evil.example');
    expect(foreign.status).toBe(400);
    expect(foreign.headers.get('access-control-allow-origin')).toBeNull();
    expect(foreign.headers.get('vary')).toMatch(/Origin/);
    const foreignPre = await fetch(issuer.tokenEndpoint, { method: 'OPTIONS', headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' } });
    expect(foreignPre.headers.get('access-control-allow-origin')).toBeNull();

    for (const url of [`${issuer.issuer}/.well-known/openid-configuration`, issuer.jwksUri]) {
      const res = await fetch(url, { headers: { origin: 'http://127.0.0.1:3005' } });
      expect(res.headers.get('access-control-allow-origin')).toBe('http://127.0.0.1:3005');
    }
  });

  it('serves a self-contained bilingual login page: labelled inputs, a named button, demo users, strict CSP', async () => {
    const res = await get(authUrl(pkce()));
    expect(res.status).toBe(200);
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("style-src 'self' 'unsafe-inline'");
    expect(csp).toContain("script-src 'none'");
    expect(csp).toContain(`form-action 'self' ${APP_ORIGIN}`);
    const page = await res.text();

    const labels = Object.fromEntries([...page.matchAll(/<label for="([^"]+)">(.*?)<\/label>/gs)].map((m) => [m[1], textOf(m[2]!)]));
    expect(labels).toEqual({ username: '用户名 Username', password: '密码 Password' });
    expect(page).toMatch(/<input id="username" name="username" type="text"/);
    expect(page).toMatch(/<input id="password" name="password" type="password"/);
    expect([...page.matchAll(/<button[^>]*>(.*?)<\/button>/gs)].map((m) => textOf(m[1]!))).toEqual(['登录 Log in']);
    expect(textOf(/<h1>(.*?)<\/h1>/s.exec(page)?.[1] ?? '')).toBe('社区网格化服务管理 · 登录 Log in');
    expect(page).toMatch(/<html lang="zh-CN">/);
    expect(page).toContain('<meta name="viewport" content="width=device-width, initial-scale=1">');
    expect(page).toContain('<code>gw-07</code>');
    expect(page).toContain('demo');

    // No external resource: the only URLs are the carried request's own values.
    const withoutRequest = page.replace(/<input type="hidden"[^>]*>/g, '');
    expect(withoutRequest).not.toMatch(/https?:\/\//);
    expect(page).not.toMatch(/<script|<link|@import|url\(/i);

    const en = await (await get(authUrl(pkce(), { ui_locales: 'en' }))).text();
    expect(en).toMatch(/<html lang="en">/);
  });
});

describe('development OIDC issuer: short lifetimes', () => {
  it('expires refresh tokens after refreshTokenLifetimeSec, and the session after sessionLifetimeSec', async () => {
    const short = await new DevIssuer({ rotateEveryMs: 0, refreshTokenLifetimeSec: 1, sessionLifetimeSec: 2 }).start();
    try {
      const p = pkce();
      const auth = `${short.authorizationEndpoint}?${new URLSearchParams({ response_type: 'code', client_id: CLIENT, redirect_uri: REDIRECT, scope: 'openid', state: 's', code_challenge: p.challenge, code_challenge_method: 'S256' })}`;
      const fields = hiddenFields(await (await fetch(auth)).text());
      const login = await fetch(short.authorizationEndpoint, { method: 'POST', redirect: 'manual', body: new URLSearchParams({ ...fields, username: 'gw-07', password: 'demo' }) });
      const cookie = sessionCookie(login)!;
      const code = new URL(login.headers.get('location')!).searchParams.get('code')!;
      const tokenBody = (grant: Record<string, string>) => ({ method: 'POST', body: new URLSearchParams({ client_id: CLIENT, ...grant }) });
      const tokens = (await (await fetch(short.tokenEndpoint, tokenBody({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: p.verifier }))).json()) as TokenResponse;
      expect(tokens.refresh_expires_in).toBeLessThanOrEqual(1);

      await new Promise((r) => setTimeout(r, 1100));
      const late = await fetch(short.tokenEndpoint, tokenBody({ grant_type: 'refresh_token', refresh_token: tokens.refresh_token }));
      expect(late.status).toBe(400);
      expect(await late.json()).toMatchObject({ error: 'invalid_grant' });
      expect((await fetch(auth, { redirect: 'manual', headers: { cookie } })).status).toBe(302);

      await new Promise((r) => setTimeout(r, 1000));
      expect((await fetch(auth, { redirect: 'manual', headers: { cookie } })).status).toBe(200);
    } finally {
      await short.stop();
    }
  });
});
