import { createServer, type IncomingMessage, type OutgoingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import { createHash, randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { JWTPayload } from 'jose';
import { demoUsers, subjectOf, type DemoUser } from './demo-users';
import { CODE_VERIFIER, SUPPORTED_SCOPES } from './authorization-request';
import { BrowserEndpoints } from './browser-endpoints';
import { BodyTooLargeError, corsHeaders, json, preflight, readBody } from './http-helpers';
import { LoginThrottle, type LoginThrottleOptions } from './login-throttle';
import { OidcSessions, sameSecret } from './oidc-sessions';
import { DEFAULT_CLIENT_ID, defaultClients, RegisteredClient, type DevIssuerClient } from './public-clients';
import { SigningKeys } from './signing-keys';

export type { DevIssuerClient } from './public-clients';

export interface DevIssuerOptions {
  readonly host?: string;
  /** 0 picks a free port. */
  readonly port?: number;
  readonly realm?: string;
  /** Audience put into access tokens (Keycloak: Audience mapper). */
  readonly audience?: string;
  readonly orgUnitClaim?: string;
  /** Access and ID tokens. Default 1 h. */
  readonly tokenLifetimeSec?: number;
  /** Each refresh token (they rotate); never beyond the session. Default 8 h. */
  readonly refreshTokenLifetimeSec?: number;
  /** A login session (SSO cookie), from the password check on. Default 10 h (Keycloak's SSO Session Max). */
  readonly sessionLifetimeSec?: number;
  /** Public clients of the code flow. Default: `gm-web`, redirecting to http://127.0.0.1 and http://localhost on any port. */
  readonly clients?: readonly DevIssuerClient[];
  /** Rotate the signing key this often; 0 turns periodic rotation off. */
  readonly rotateEveryMs?: number;
  /** Keep retired keys in the JWKS this long, so tokens they signed stay verifiable. */
  readonly retiredKeyGraceMs?: number;
  /** Enables `POST /realms/<realm>/dev/mint` (arbitrary claims) and `/dev/rotate`. Tests only. */
  readonly allowMint?: boolean;
  /** Failed logins allowed per caller and username before 429 (default 5 in 5 minutes). */
  readonly loginThrottle?: LoginThrottleOptions;
  readonly users?: readonly DemoUser[];
  /** Public base URL if it differs from the listening address. */
  readonly publicUrl?: string;
}

const CODE_LIFETIME_MS = 60_000;
const OIDC = '/protocol/openid-connect';
/** Endpoints that a browser calls with fetch (CORS); the others are navigations. */
const CORS_PATHS = ['/.well-known/openid-configuration', `${OIDC}/certs`, `${OIDC}/token`, `${OIDC}/userinfo`, `${OIDC}/revoke`];

/**
 * A development OpenID Connect issuer that serves Keycloak's paths and mints Keycloak-shaped
 * tokens for demo users: the authorization code flow with PKCE (login page, SSO cookie, refresh
 * tokens that rotate, logout) for public clients, and the password grant. Keys are RS256,
 * identified by `kid`, and rotate. State is in memory. Not for production: production uses
 * Keycloak (deploy/keycloak).
 */
export class DevIssuer {
  private server: Server | undefined;
  private readonly keys: SigningKeys;
  private readonly browser: BrowserEndpoints;
  private rotation: NodeJS.Timeout | undefined;
  private baseUrl = '';
  readonly realm: string;
  readonly audience: string;
  private readonly users: Map<string, DemoUser>;
  private readonly clients: Map<string, RegisteredClient>;
  private readonly sessions: OidcSessions;
  /** Failed logins per caller and username (the realm's brute-force detection, as Keycloak's `bruteForceProtected`). */
  private readonly throttle: LoginThrottle;
  private readonly tokenLifetimeSec: number;
  private readonly orgUnitClaim: string;

  constructor(private readonly opts: DevIssuerOptions = {}) {
    this.realm = opts.realm ?? 'gm';
    this.audience = opts.audience ?? 'gm-api';
    this.tokenLifetimeSec = opts.tokenLifetimeSec ?? 3600;
    this.orgUnitClaim = opts.orgUnitClaim ?? 'org_unit';
    this.users = new Map((opts.users ?? demoUsers()).map((u) => [u.username, u]));
    this.clients = new Map((opts.clients ?? defaultClients()).map((c) => [c.clientId, new RegisteredClient(c)]));
    this.throttle = new LoginThrottle(opts.loginThrottle);
    this.sessions = new OidcSessions({
      sessionLifetimeMs: (opts.sessionLifetimeSec ?? 10 * 3600) * 1000,
      refreshTokenLifetimeMs: (opts.refreshTokenLifetimeSec ?? 8 * 3600) * 1000,
      codeLifetimeMs: CODE_LIFETIME_MS,
      maxSessions: 10_000,
      maxCodes: 10_000,
      maxRefreshTokens: 50_000,
    });
    this.keys = new SigningKeys(opts.retiredKeyGraceMs ?? 2 * this.tokenLifetimeSec * 1000);
    this.browser = new BrowserEndpoints({ issuer: () => this.issuer, realm: this.realm, clients: this.clients, users: this.users, sessions: this.sessions, keys: this.keys, throttle: this.throttle });
  }

  get issuer(): string {
    return `${this.baseUrl}/realms/${this.realm}`;
  }

  get jwksUri(): string {
    return `${this.issuer}${OIDC}/certs`;
  }

  get tokenEndpoint(): string {
    return `${this.issuer}${OIDC}/token`;
  }

  get authorizationEndpoint(): string {
    return `${this.issuer}${OIDC}/auth`;
  }

  get endSessionEndpoint(): string {
    return `${this.issuer}${OIDC}/logout`;
  }

  get userinfoEndpoint(): string {
    return `${this.issuer}${OIDC}/userinfo`;
  }

  async start(): Promise<this> {
    await this.rotate();
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        if (res.headersSent || res.destroyed) return;
        if (err instanceof BodyTooLargeError) json(res, 413, { error: 'invalid_request', error_description: 'request body too large' });
        else json(res, 500, { error: 'server_error', error_description: 'unexpected error' });
      });
    });
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(this.opts.port ?? 0, this.opts.host ?? '127.0.0.1', () => resolve());
    });
    const addr = this.server.address() as AddressInfo;
    this.baseUrl = this.opts.publicUrl?.replace(/\/$/, '') ?? `http://${this.opts.host ?? '127.0.0.1'}:${addr.port}`;
    const every = this.opts.rotateEveryMs ?? 60 * 60_000;
    if (every > 0) {
      this.rotation = setInterval(() => void this.rotate(), every);
      this.rotation.unref();
    }
    return this;
  }

  async stop(): Promise<void> {
    if (this.rotation) clearInterval(this.rotation);
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Makes a new signing key current; the previous one stays published for the grace period. */
  rotate(): Promise<string> {
    return this.keys.rotate();
  }

  get currentKid(): string {
    return this.keys.currentKid;
  }

  /** Access token for a demo user, as the token endpoint would issue it. */
  async tokenFor(username: string, overrides: JWTPayload = {}): Promise<string> {
    const user = this.users.get(username);
    if (!user) throw new Error(`no demo user ${username}`);
    return this.sign({ ...this.claimsOf(user, DEFAULT_CLIENT_ID), ...overrides });
  }

  /** Signs arbitrary claims with the current key (tests craft expired or foreign-audience tokens). */
  sign(claims: JWTPayload): Promise<string> {
    return this.keys.sign(claims);
  }

  listUsers(): Omit<DemoUser, 'password'>[] {
    return [...this.users.values()].map(({ password: _p, ...rest }) => rest);
  }

  private claimsOf(user: DemoUser, clientId: string, extra: JWTPayload = {}): JWTPayload {
    const now = Math.floor(Date.now() / 1000);
    return {
      exp: now + this.tokenLifetimeSec,
      iat: now,
      jti: randomUUID(),
      iss: this.issuer,
      aud: [this.audience, 'account'],
      sub: subjectOf(user.username),
      typ: 'Bearer',
      azp: clientId,
      scope: 'openid profile',
      ...extra,
      realm_access: { roles: [...user.roles, 'default-roles-' + this.realm] },
      resource_access: { account: { roles: ['view-profile'] } },
      preferred_username: user.username,
      name: user.name,
      [this.orgUnitClaim]: user.orgUnit,
      ...(user.department && { department: user.department }),
    };
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://x');
    const base = `/realms/${this.realm}`;
    const path = url.pathname;
    const method = req.method ?? 'GET';
    const sub = path.startsWith(`${base}/`) ? path.slice(base.length) : '';
    const origin = req.headers.origin;
    const cors = CORS_PATHS.includes(sub) ? corsHeaders(origin, this.allowsOrigin(origin)) : {};
    if (method === 'OPTIONS' && CORS_PATHS.includes(sub)) return preflight(res, origin, this.allowsOrigin(origin));

    if (method === 'GET' && sub === '/.well-known/openid-configuration') return json(res, 200, this.discovery(), cors);
    if (method === 'GET' && sub === `${OIDC}/certs`) return json(res, 200, this.keys.jwks(), cors);
    if (method === 'POST' && sub === `${OIDC}/token`) return this.token(req, res, cors);
    if ((method === 'GET' || method === 'POST') && sub === `${OIDC}/userinfo`) return this.userinfo(req, res, cors);
    if (method === 'POST' && sub === `${OIDC}/revoke`) return this.revoke(req, res, cors);
    if ((method === 'GET' || method === 'POST') && sub === `${OIDC}/auth`) {
      return this.browser.authorize(req, res, method === 'GET' ? url.searchParams : new URLSearchParams(await readBody(req)), method === 'POST');
    }
    if ((method === 'GET' || method === 'POST') && sub === `${OIDC}/logout`) {
      return this.browser.logout(req, res, method === 'GET' ? url.searchParams : new URLSearchParams(await readBody(req)));
    }
    // Browsers ask for it on the login page; a 404 would be a console error in browser tests.
    if (method === 'GET' && path === '/favicon.ico') {
      res.writeHead(204, { 'cache-control': 'max-age=86400' });
      return void res.end();
    }
    if (method === 'GET' && sub === '/dev/users') return json(res, 200, { users: this.listUsers() });
    if (method === 'POST' && sub === '/dev/rotate' && this.opts.allowMint) return json(res, 200, { kid: await this.rotate() });
    if (method === 'POST' && sub === '/dev/mint' && this.opts.allowMint) {
      let body: { username?: string; claims?: JWTPayload };
      try {
        body = JSON.parse((await readBody(req)) || '{}') as typeof body;
      } catch {
        return json(res, 400, { error: 'invalid_request', error_description: 'body is not JSON' });
      }
      const user = this.users.get(body.username ?? '');
      if (!user) return json(res, 400, { error: 'invalid_request', error_description: 'unknown username' });
      return json(res, 200, { access_token: await this.sign({ ...this.claimsOf(user, DEFAULT_CLIENT_ID), ...body.claims }) });
    }
    return json(res, 404, { error: 'not_found' }, cors);
  }

  private discovery(): Record<string, unknown> {
    return {
      issuer: this.issuer,
      authorization_endpoint: this.authorizationEndpoint,
      token_endpoint: this.tokenEndpoint,
      userinfo_endpoint: this.userinfoEndpoint,
      end_session_endpoint: this.endSessionEndpoint,
      revocation_endpoint: `${this.issuer}${OIDC}/revoke`,
      jwks_uri: this.jwksUri,
      grant_types_supported: ['authorization_code', 'refresh_token', 'password'],
      response_types_supported: ['code'],
      response_modes_supported: ['query', 'fragment'],
      code_challenge_methods_supported: ['S256'],
      scopes_supported: [...SUPPORTED_SCOPES],
      prompt_values_supported: ['none', 'login', 'consent', 'select_account'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: ['RS256'],
      token_endpoint_auth_methods_supported: ['none', 'client_secret_post'],
      authorization_response_iss_parameter_supported: true,
      claims_supported: ['sub', 'iss', 'aud', 'exp', 'iat', 'auth_time', 'nonce', 'sid', 'azp', 'preferred_username', 'name', 'realm_access', this.orgUnitClaim],
    };
  }

  // ----- token endpoint ------------------------------------------------------------------------

  private async token(req: IncomingMessage, res: ServerResponse, cors: OutgoingHttpHeaders): Promise<void> {
    const form = new URLSearchParams(await readBody(req));
    const fail = (status: number, error: string, description: string) => json(res, status, { error, error_description: description }, cors);
    const grantType = form.get('grant_type');
    if (grantType === 'password') {
      const username = form.get('username') ?? '';
      const caller = req.socket.remoteAddress ?? '';
      const wait = this.throttle.retryAfterSec(caller, username);
      if (wait > 0) return json(res, 429, { error: 'too_many_requests', error_description: `Too many failed logins; try again in ${wait} s` }, { ...cors, 'retry-after': String(wait) });
      const user = this.users.get(username);
      if (!user || !sameSecret(user.password, form.get('password') ?? '')) {
        this.throttle.failed(caller, username);
        return fail(401, 'invalid_grant', 'Invalid user credentials');
      }
      this.throttle.succeeded(caller, username);
      const claims = this.claimsOf(user, form.get('client_id') ?? DEFAULT_CLIENT_ID);
      const token = await this.sign(claims);
      return json(res, 200, { access_token: token, expires_in: Number(claims.exp) - Number(claims.iat), token_type: 'Bearer', scope: claims['scope'], 'not-before-policy': 0 }, cors);
    }
    if (grantType !== 'authorization_code' && grantType !== 'refresh_token') {
      return fail(400, 'unsupported_grant_type', 'grant_type must be authorization_code, refresh_token or password');
    }
    const client = this.clients.get(form.get('client_id') ?? '');
    if (!client) return fail(401, 'invalid_client', 'Invalid client or Invalid client credentials');

    if (grantType === 'authorization_code') {
      const value = form.get('code');
      if (!value) return fail(400, 'invalid_request', 'Missing parameter: code');
      const code = this.sessions.takeCode(value);
      if (!code) return fail(400, 'invalid_grant', 'Code not valid');
      if (code.clientId !== client.clientId) return fail(400, 'invalid_grant', 'Auth error');
      if (form.get('redirect_uri') !== code.redirectUri) return fail(400, 'invalid_grant', 'Incorrect redirect_uri');
      const verifier = form.get('code_verifier');
      if (!verifier) return fail(400, 'invalid_grant', 'PKCE code verifier not specified');
      if (!CODE_VERIFIER.test(verifier)) return fail(400, 'invalid_grant', 'PKCE invalid code verifier');
      if (!sameSecret(createHash('sha256').update(verifier).digest('base64url'), code.codeChallenge)) {
        return fail(400, 'invalid_grant', 'PKCE verification failed: Code mismatch');
      }
      return this.issueTokens(res, cors, client, code.sessionId, code.scope, code.nonce);
    }

    const refreshToken = form.get('refresh_token');
    if (!refreshToken) return fail(400, 'invalid_request', 'Missing parameter: refresh_token');
    const grant = this.sessions.takeRefreshToken(refreshToken);
    if (!grant) return fail(400, 'invalid_grant', 'Invalid refresh token');
    if (grant.clientId !== client.clientId) return fail(400, 'invalid_grant', 'Invalid refresh token. Token client and authorized client don\'t match');
    // A refresh may narrow the scope, never widen it.
    const asked = form.get('scope')?.split(' ').filter(Boolean);
    const scope = asked ? grant.scope.split(' ').filter((s) => asked.includes(s) || s === 'profile' || s === 'email').join(' ') : grant.scope;
    return this.issueTokens(res, cors, client, grant.sessionId, scope, grant.nonce);
  }

  private async issueTokens(res: ServerResponse, cors: OutgoingHttpHeaders, client: RegisteredClient, sessionId: string, scope: string, nonce: string | undefined): Promise<void> {
    const session = this.sessions.byId(sessionId);
    const user = session && this.users.get(session.username);
    if (!session || !user) return json(res, 400, { error: 'invalid_grant', error_description: 'Session not active' }, cors);
    const claims = this.claimsOf(user, client.clientId, { scope, sid: session.id });
    const accessToken = await this.sign(claims);
    const refresh = this.sessions.issueRefreshToken({ clientId: client.clientId, sessionId: session.id, scope, nonce });
    const idToken = scope.split(' ').includes('openid')
      ? await this.sign({
          exp: claims.exp,
          iat: claims.iat,
          auth_time: session.authTime,
          jti: randomUUID(),
          iss: this.issuer,
          aud: client.clientId,
          sub: claims.sub,
          typ: 'ID',
          azp: client.clientId,
          ...(nonce !== undefined && { nonce }),
          sid: session.id,
          at_hash: createHash('sha256').update(accessToken).digest().subarray(0, 16).toString('base64url'),
          preferred_username: user.username,
          name: user.name,
          [this.orgUnitClaim]: user.orgUnit,
        })
      : undefined;
    return json(
      res,
      200,
      {
        access_token: accessToken,
        expires_in: this.tokenLifetimeSec,
        refresh_expires_in: Math.max(0, Math.floor((refresh.expiresAt - Date.now()) / 1000)),
        refresh_token: refresh.token,
        token_type: 'Bearer',
        ...(idToken && { id_token: idToken }),
        'not-before-policy': 0,
        session_state: session.id,
        scope,
      },
      cors,
    );
  }

  /** RFC 7009: a refresh token stops working; access tokens are JWTs and simply expire. Always 200. */
  private async revoke(req: IncomingMessage, res: ServerResponse, cors: OutgoingHttpHeaders): Promise<void> {
    const form = new URLSearchParams(await readBody(req));
    const client = this.clients.get(form.get('client_id') ?? '');
    if (!client) return json(res, 401, { error: 'invalid_client', error_description: 'Invalid client or Invalid client credentials' }, cors);
    const token = form.get('token');
    if (!token) return json(res, 400, { error: 'invalid_request', error_description: 'Missing parameter: token' }, cors);
    this.sessions.takeRefreshToken(token);
    res.writeHead(200, { ...cors, 'cache-control': 'no-store', 'content-length': 0 });
    res.end();
  }

  // ----- userinfo ------------------------------------------------------------------------

  private async userinfo(req: IncomingMessage, res: ServerResponse, cors: OutgoingHttpHeaders): Promise<void> {
    const deny = (description: string) =>
      json(res, 401, { error: 'invalid_token', error_description: description }, { ...cors, 'www-authenticate': `Bearer realm="${this.realm}", error="invalid_token"` });
    const bearer = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
    if (!bearer) return deny('Missing bearer token');
    const claims = await this.keys.verify(bearer, { issuer: this.issuer, typ: 'Bearer', allowExpired: false });
    if (!claims) return deny('Token verification failed');
    if (typeof claims['sid'] === 'string' && !this.sessions.byId(claims['sid'])) return deny('User session not found');
    const user = this.users.get(String(claims['preferred_username']));
    if (!user) return deny('User not found');
    return json(res, 200, { sub: claims.sub, preferred_username: user.username, name: user.name, [this.orgUnitClaim]: user.orgUnit }, cors);
  }

  private allowsOrigin(origin: string | undefined): boolean {
    return origin !== undefined && [...this.clients.values()].some((c) => c.allowsOrigin(origin));
  }
}
