import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose';
import { demoUsers, subjectOf, type DemoUser } from './demo-users';

export interface DevIssuerOptions {
  readonly host?: string;
  /** 0 picks a free port. */
  readonly port?: number;
  readonly realm?: string;
  /** Audience put into access tokens (Keycloak: Audience mapper). */
  readonly audience?: string;
  readonly orgUnitClaim?: string;
  readonly tokenLifetimeSec?: number;
  /** Rotate the signing key this often; 0 turns periodic rotation off. */
  readonly rotateEveryMs?: number;
  /** Keep retired keys in the JWKS this long, so tokens they signed stay verifiable. */
  readonly retiredKeyGraceMs?: number;
  /** Enables `POST /realms/<realm>/dev/mint` (arbitrary claims) and `/dev/rotate`. Tests only. */
  readonly allowMint?: boolean;
  readonly users?: readonly DemoUser[];
  /** Public base URL if it differs from the listening address. */
  readonly publicUrl?: string;
}

interface SigningKey {
  readonly kid: string;
  readonly privateKey: CryptoKey;
  readonly publicJwk: JWK;
  retiredAt?: number;
}

/**
 * A development OpenID Connect issuer that serves Keycloak's paths and mints Keycloak-shaped
 * access tokens for demo users (password grant). Keys are RS256, identified by `kid`, and rotate.
 * Not for production: production uses Keycloak (deploy/keycloak).
 */
export class DevIssuer {
  private server: Server | undefined;
  private keys: SigningKey[] = [];
  private rotation: NodeJS.Timeout | undefined;
  private baseUrl = '';
  readonly realm: string;
  readonly audience: string;
  private readonly users: Map<string, DemoUser>;

  constructor(private readonly opts: DevIssuerOptions = {}) {
    this.realm = opts.realm ?? 'gm';
    this.audience = opts.audience ?? 'gm-api';
    this.users = new Map((opts.users ?? demoUsers()).map((u) => [u.username, u]));
  }

  get issuer(): string {
    return `${this.baseUrl}/realms/${this.realm}`;
  }

  get jwksUri(): string {
    return `${this.issuer}/protocol/openid-connect/certs`;
  }

  get tokenEndpoint(): string {
    return `${this.issuer}/protocol/openid-connect/token`;
  }

  async start(): Promise<this> {
    await this.rotate();
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => json(res, 500, { error: 'server_error', error_description: err instanceof Error ? err.message : 'error' }));
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
  async rotate(): Promise<string> {
    const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
    const kid = randomUUID();
    const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' };
    const now = Date.now();
    for (const k of this.keys) k.retiredAt ??= now;
    const grace = this.opts.retiredKeyGraceMs ?? 2 * (this.opts.tokenLifetimeSec ?? 3600) * 1000;
    this.keys = [{ kid, privateKey, publicJwk }, ...this.keys.filter((k) => k.retiredAt === undefined || now - k.retiredAt < grace)];
    return kid;
  }

  get currentKid(): string {
    return this.current().kid;
  }

  /** Access token for a demo user, as the token endpoint would issue it. */
  async tokenFor(username: string, overrides: JWTPayload = {}): Promise<string> {
    const user = this.users.get(username);
    if (!user) throw new Error(`no demo user ${username}`);
    return this.sign({ ...this.claimsOf(user, 'gm-web'), ...overrides });
  }

  /** Signs arbitrary claims with the current key (tests craft expired or foreign-audience tokens). */
  async sign(claims: JWTPayload): Promise<string> {
    const key = this.current();
    return new SignJWT(claims).setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: key.kid }).sign(key.privateKey);
  }

  listUsers(): Omit<DemoUser, 'password'>[] {
    return [...this.users.values()].map(({ password: _p, ...rest }) => rest);
  }

  private current(): SigningKey {
    const key = this.keys[0];
    if (!key) throw new Error('issuer not started');
    return key;
  }

  private claimsOf(user: DemoUser, clientId: string): JWTPayload {
    const now = Math.floor(Date.now() / 1000);
    return {
      exp: now + (this.opts.tokenLifetimeSec ?? 3600),
      iat: now,
      jti: randomUUID(),
      iss: this.issuer,
      aud: [this.audience, 'account'],
      sub: subjectOf(user.username),
      typ: 'Bearer',
      azp: clientId,
      scope: 'openid profile',
      realm_access: { roles: [...user.roles, 'default-roles-' + this.realm] },
      resource_access: { account: { roles: ['view-profile'] } },
      preferred_username: user.username,
      name: user.name,
      [this.opts.orgUnitClaim ?? 'org_unit']: user.orgUnit,
    };
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://x');
    const base = `/realms/${this.realm}`;
    const path = url.pathname;
    if (req.method === 'GET' && path === `${base}/.well-known/openid-configuration`) {
      return json(res, 200, {
        issuer: this.issuer,
        authorization_endpoint: `${this.issuer}/protocol/openid-connect/auth`,
        token_endpoint: this.tokenEndpoint,
        jwks_uri: this.jwksUri,
        grant_types_supported: ['password'],
        response_types_supported: ['token'],
        subject_types_supported: ['public'],
        id_token_signing_alg_values_supported: ['RS256'],
        token_endpoint_auth_methods_supported: ['none', 'client_secret_post'],
        claims_supported: ['sub', 'iss', 'aud', 'exp', 'preferred_username', 'name', 'realm_access', this.opts.orgUnitClaim ?? 'org_unit'],
      });
    }
    if (req.method === 'GET' && path === `${base}/protocol/openid-connect/certs`) {
      return json(res, 200, { keys: this.keys.map((k) => k.publicJwk) });
    }
    if (req.method === 'POST' && path === `${base}/protocol/openid-connect/token`) {
      const form = new URLSearchParams(await readBody(req));
      if (form.get('grant_type') !== 'password') {
        return json(res, 400, { error: 'unsupported_grant_type', error_description: 'only grant_type=password is supported by the development issuer' });
      }
      const user = this.users.get(form.get('username') ?? '');
      if (!user || user.password !== form.get('password')) {
        return json(res, 401, { error: 'invalid_grant', error_description: 'Invalid user credentials' });
      }
      const claims = this.claimsOf(user, form.get('client_id') ?? 'gm-web');
      const token = await this.sign(claims);
      return json(res, 200, {
        access_token: token,
        expires_in: Number(claims.exp) - Number(claims.iat),
        token_type: 'Bearer',
        scope: claims['scope'],
        'not-before-policy': 0,
      });
    }
    if (req.method === 'GET' && path === `${base}/dev/users`) {
      return json(res, 200, { users: this.listUsers() });
    }
    if (req.method === 'POST' && path === `${base}/dev/rotate` && this.opts.allowMint) {
      return json(res, 200, { kid: await this.rotate() });
    }
    if (req.method === 'POST' && path === `${base}/dev/mint` && this.opts.allowMint) {
      const body = JSON.parse((await readBody(req)) || '{}') as { username?: string; claims?: JWTPayload };
      const user = this.users.get(body.username ?? '');
      if (!user) return json(res, 400, { error: 'invalid_request', error_description: 'unknown username' });
      return json(res, 200, { access_token: await this.sign({ ...this.claimsOf(user, 'gm-web'), ...body.claims }) });
    }
    return json(res, 404, { error: 'not_found' });
  }
}

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function readBody(req: IncomingMessage, limit = 64 * 1024): Promise<string> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        reject(new Error('body too large'));
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
