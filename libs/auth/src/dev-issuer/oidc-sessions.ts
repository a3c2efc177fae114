import { randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';

/** A browser's single sign-on session (the HttpOnly cookie points at it). */
export interface OidcSession {
  /** Public: `sid` in tokens, `session_state` in responses. */
  readonly id: string;
  /** Private: only in the cookie. */
  readonly secret: string;
  readonly username: string;
  /** Seconds since the epoch of the last password check (`auth_time`). */
  authTime: number;
  readonly expiresAt: number;
}

export interface AuthorizationCode {
  readonly clientId: string;
  /** Exactly as sent to the authorization endpoint; the token request must repeat it. */
  readonly redirectUri: string;
  readonly codeChallenge: string;
  readonly scope: string;
  readonly nonce: string | undefined;
  readonly sessionId: string;
  readonly createdAt: number;
}

export interface RefreshGrant {
  readonly clientId: string;
  readonly sessionId: string;
  readonly scope: string;
  readonly nonce: string | undefined;
  readonly expiresAt: number;
}

export interface OidcSessionLimits {
  readonly sessionLifetimeMs: number;
  readonly refreshTokenLifetimeMs: number;
  readonly codeLifetimeMs: number;
  readonly maxSessions: number;
  readonly maxCodes: number;
  readonly maxRefreshTokens: number;
}

/**
 * Sessions, authorization codes and refresh tokens of the development issuer, in memory.
 * Bounded: each map is swept of expired entries from its oldest end on insert, and evicts its
 * oldest entry when full. Codes and refresh tokens are single use (taken on redemption, whatever
 * the outcome), which makes refresh tokens rotate.
 */
export class OidcSessions {
  private readonly sessions = new Map<string, OidcSession>();
  private readonly codes = new Map<string, AuthorizationCode>();
  private readonly refreshTokens = new Map<string, RefreshGrant>();

  constructor(private readonly limits: OidcSessionLimits) {}

  create(username: string, now = Date.now()): OidcSession {
    bound(this.sessions, this.limits.maxSessions, (s) => s.expiresAt <= now);
    const session: OidcSession = { id: randomUUID(), secret: opaque(), username, authTime: Math.floor(now / 1000), expiresAt: now + this.limits.sessionLifetimeMs };
    this.sessions.set(session.id, session);
    return session;
  }

  /** `<id>.<secret>`: the session cookie's value. */
  cookieValue(session: OidcSession): string {
    return `${session.id}.${session.secret}`;
  }

  byCookie(value: string | undefined, now = Date.now()): OidcSession | undefined {
    const dot = value?.indexOf('.') ?? -1;
    if (!value || dot < 0) return undefined;
    const session = this.byId(value.slice(0, dot), now);
    return session && sameSecret(session.secret, value.slice(dot + 1)) ? session : undefined;
  }

  byId(id: string, now = Date.now()): OidcSession | undefined {
    const session = this.sessions.get(id);
    if (session && session.expiresAt <= now) {
      this.end(id);
      return undefined;
    }
    return session;
  }

  /** Ends a session: its codes and refresh tokens stop working. */
  end(id: string): void {
    this.sessions.delete(id);
    for (const [code, c] of this.codes) if (c.sessionId === id) this.codes.delete(code);
    for (const [token, r] of this.refreshTokens) if (r.sessionId === id) this.refreshTokens.delete(token);
  }

  issueCode(code: Omit<AuthorizationCode, 'createdAt'>, now = Date.now()): string {
    bound(this.codes, this.limits.maxCodes, (c) => now - c.createdAt > this.limits.codeLifetimeMs);
    const value = opaque();
    this.codes.set(value, { ...code, createdAt: now });
    return value;
  }

  /** The code's grant if it exists, is fresh and its session is alive; the code is gone afterwards. */
  takeCode(value: string, now = Date.now()): AuthorizationCode | undefined {
    const code = this.codes.get(value);
    this.codes.delete(value);
    if (!code || now - code.createdAt > this.limits.codeLifetimeMs || !this.byId(code.sessionId, now)) return undefined;
    return code;
  }

  /** A new refresh token, valid for the refresh lifetime but never beyond its session. */
  issueRefreshToken(grant: Omit<RefreshGrant, 'expiresAt'>, now = Date.now()): { token: string; expiresAt: number } {
    const session = this.sessions.get(grant.sessionId);
    if (!session) throw new Error('no such session');
    bound(this.refreshTokens, this.limits.maxRefreshTokens, (r) => r.expiresAt <= now);
    const token = opaque();
    const expiresAt = Math.min(now + this.limits.refreshTokenLifetimeMs, session.expiresAt);
    this.refreshTokens.set(token, { ...grant, expiresAt });
    return { token, expiresAt };
  }

  /** The token's grant if it exists, has not expired and its session is alive; the token is gone afterwards. */
  takeRefreshToken(token: string, now = Date.now()): RefreshGrant | undefined {
    const grant = this.refreshTokens.get(token);
    this.refreshTokens.delete(token);
    if (!grant || grant.expiresAt <= now || !this.byId(grant.sessionId, now)) return undefined;
    return grant;
  }

  get size(): { sessions: number; codes: number; refreshTokens: number } {
    return { sessions: this.sessions.size, codes: this.codes.size, refreshTokens: this.refreshTokens.size };
  }
}

function opaque(): string {
  return randomBytes(32).toString('base64url');
}

/** Constant-time comparison of two secrets (cookie secrets, passwords, PKCE challenges). */
export function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Drops expired entries from the oldest end, then the oldest entry if the map is still full. */
function bound<V>(map: Map<string, V>, cap: number, expired: (v: V) => boolean): void {
  for (const [key, value] of map) {
    if (!expired(value)) break;
    map.delete(key);
  }
  while (map.size >= cap) {
    const oldest = map.keys().next();
    if (oldest.done) break;
    map.delete(oldest.value);
  }
}
