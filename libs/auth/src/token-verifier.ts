import { createRemoteJWKSet, errors, jwtVerify, type JWTPayload } from 'jose';
import { DEPARTMENT_CODE, DomainError, isRole, type Principal } from '@gm/contracts';
import { OrgUnitCode } from '@gm/domain';

export interface OidcOptions {
  /** Realm issuer URL, e.g. `https://sso.example/realms/gm`. */
  readonly issuer: string;
  /** Expected `aud` (Keycloak adds the API with an Audience mapper). */
  readonly audience: string;
  /** Defaults to Keycloak's `<issuer>/protocol/openid-connect/certs`. */
  readonly jwksUri?: string | undefined;
  readonly algorithms: readonly string[];
  /** Custom claim holding the user's org unit code (a Keycloak User Attribute mapper). */
  readonly orgUnitClaim: string;
  readonly clockToleranceSec: number;
  /**
   * A token with an unknown `kid` makes the key set be fetched again, at most once per this many
   * ms (protects the identity provider from forged-kid floods; a key rotated in meanwhile is
   * picked up when the cool-down ends).
   */
  readonly jwksCooldownMs?: number;
}

export function keycloakJwksUri(issuer: string): string {
  return `${issuer.replace(/\/$/, '')}/protocol/openid-connect/certs`;
}

/**
 * Verifies Keycloak-shaped access tokens: signature against the realm's JWKS (key chosen by
 * `kid`, refetched when an unknown `kid` appears), issuer, audience, algorithm allow-list,
 * expiry. Failures are `AUTH.UNAUTHENTICATED` with a reason that carries no token content.
 */
export class TokenVerifier {
  private readonly jwks: ReturnType<typeof createRemoteJWKSet>;
  /**
   * Tokens already verified, by their exact text, until their own expiry: a client sends the same
   * token for minutes, and a signature check per request (a thread-pool job under WebCrypto) was
   * the largest cost of a cheap endpoint. Failures are never cached. Bounded; oldest dropped first.
   */
  private readonly verified = new Map<string, { principal: Principal; until: number }>();
  private static readonly MAX_CACHED = 10_000;

  constructor(private readonly opts: OidcOptions) {
    this.jwks = createRemoteJWKSet(new URL(opts.jwksUri ?? keycloakJwksUri(opts.issuer)), {
      cooldownDuration: opts.jwksCooldownMs ?? 30_000,
      cacheMaxAge: 10 * 60_000,
      timeoutDuration: 3_000,
    });
  }

  /**
   * `at` verifies the token as of an earlier moment: a report accepted while NATS was down is
   * forwarded later with the token it came with, checked against the time it was accepted.
   */
  async verify(token: string, at?: Date): Promise<Principal> {
    if (!at) {
      const hit = this.verified.get(token);
      if (hit && Date.now() < hit.until) return hit.principal;
      if (hit) this.verified.delete(token);
    }
    const { principal, exp } = await this.verifyNow(token, at);
    if (!at) this.remember(token, principal, exp);
    return principal;
  }

  private remember(token: string, principal: Principal, exp: number): void {
    if (this.verified.size >= TokenVerifier.MAX_CACHED) this.verified.delete(this.verified.keys().next().value!);
    // Expire a little early rather than a little late, whatever the clock tolerance.
    this.verified.set(token, { principal, until: Math.min(exp * 1000 - 1000, Date.now() + 10 * 60_000) });
  }

  private async verifyNow(token: string, at?: Date): Promise<{ principal: Principal; exp: number }> {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.jwks, {
        ...(at && { currentDate: at }),
        issuer: this.opts.issuer,
        audience: this.opts.audience,
        algorithms: [...this.opts.algorithms],
        clockTolerance: this.opts.clockToleranceSec,
        requiredClaims: ['exp', 'sub'],
      }));
    } catch (err) {
      // The realm's keys could not be fetched: our problem, not the caller's.
      if (err instanceof errors.JWKSTimeout || !(err instanceof errors.JOSEError)) {
        throw new DomainError('SERVICE.UNAVAILABLE', 'identity provider keys unavailable');
      }
      throw new DomainError('AUTH.UNAUTHENTICATED', reasonOf(err));
    }
    return { principal: this.principalOf(payload), exp: Number(payload.exp) };
  }

  private principalOf(payload: JWTPayload): Principal {
    const realmAccess = payload['realm_access'] as { roles?: unknown } | undefined;
    const roles = Array.isArray(realmAccess?.roles) ? realmAccess.roles.filter((r): r is string => typeof r === 'string').filter(isRole) : [];
    const orgUnit = payload[this.opts.orgUnitClaim];
    if (typeof orgUnit !== 'string' || !OrgUnitCode.isValid(orgUnit)) {
      throw new DomainError('AUTH.UNAUTHENTICATED', `token has no valid ${this.opts.orgUnitClaim} claim`);
    }
    const username = payload['preferred_username'];
    const department = payload['department'];
    return {
      subject: String(payload.sub),
      ...(typeof username === 'string' && { username }),
      roles,
      orgUnit: OrgUnitCode.parse(orgUnit).value,
      ...(typeof department === 'string' && DEPARTMENT_CODE.test(department) && { department }),
    };
  }
}

function reasonOf(err: unknown): string {
  if (err instanceof errors.JWTExpired) return 'token expired';
  if (err instanceof errors.JWKSNoMatchingKey) return 'token signed with an unknown key';
  if (err instanceof errors.JOSEAlgNotAllowed) return 'token algorithm not allowed';
  if (err instanceof errors.JWSSignatureVerificationFailed) return 'token signature invalid';
  if (err instanceof errors.JWTClaimValidationFailed) return `token claim "${err.claim}" rejected`;
  if (err instanceof errors.JOSEError) return `token rejected (${err.code})`;
  return 'token rejected';
}
