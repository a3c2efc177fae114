import type { JWTPayload } from 'jose';
import { DevIssuer } from '@gm/auth';

export interface TestOidc {
  readonly issuer: string;
  readonly audience: string;
  /** A token for a demo user through the real token endpoint (password grant). */
  tokenFor(username: string): Promise<string>;
  /** A token with chosen claims, signed with the issuer's current key (expired, foreign audience…). */
  mint(username: string, claims: JWTPayload): Promise<string>;
  rotate(): Promise<void>;
  close(): Promise<void>;
}

/**
 * The OIDC issuer: OIDC_ISSUER when set (the project's dev issuer started elsewhere, or a Keycloak
 * with the demo realm, which then cannot mint), else the dev issuer in this process.
 */
export async function provideOidc(opts: { /** Access tokens' lifetime (the dev issuer only): short for tests of renewal. */ tokenLifetimeSec?: number } = {}): Promise<TestOidc> {
  const external = process.env['OIDC_ISSUER'];
  if (external && opts.tokenLifetimeSec === undefined) {
    const issuer = external.replace(/\/$/, '');
    return {
      issuer,
      audience: process.env['OIDC_AUDIENCE'] ?? 'gm-api',
      tokenFor: (u) => passwordGrant(`${issuer}/protocol/openid-connect/token`, u, process.env['OIDC_DEMO_PASSWORD'] ?? 'demo'),
      async mint(username, claims) {
        const res = await fetch(`${issuer}/dev/mint`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, claims }) });
        if (!res.ok) throw new Error(`issuer ${issuer} cannot mint tokens (${res.status}): tests that need crafted tokens need the dev issuer`);
        return ((await res.json()) as { access_token: string }).access_token;
      },
      async rotate() {
        const res = await fetch(`${issuer}/dev/rotate`, { method: 'POST' });
        if (!res.ok) throw new Error(`issuer ${issuer} cannot rotate keys (${res.status})`);
      },
      close: async () => undefined,
    };
  }
  const dev = await new DevIssuer({ allowMint: true, rotateEveryMs: 0, ...(opts.tokenLifetimeSec !== undefined && { tokenLifetimeSec: opts.tokenLifetimeSec }) }).start();
  return {
    issuer: dev.issuer,
    audience: dev.audience,
    tokenFor: (u) => passwordGrant(dev.tokenEndpoint, u, 'demo'),
    mint: (u, claims) => dev.tokenFor(u, claims),
    rotate: async () => void (await dev.rotate()),
    close: () => dev.stop(),
  };
}

export async function passwordGrant(tokenEndpoint: string, username: string, password: string): Promise<string> {
  const res = await fetch(tokenEndpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'password', client_id: 'gm-web', username, password }),
  });
  if (!res.ok) throw new Error(`token endpoint answered ${res.status} for ${username}`);
  return ((await res.json()) as { access_token: string }).access_token;
}
