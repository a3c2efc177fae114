import { createRemoteJWKSet, errors, jwtVerify, type JWTPayload } from 'jose';
import { DomainError, isRole, type Principal } from '@gm/contracts';
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
    return this.principalOf(payload);
  }

  private principalOf(payload: JWTPayload): Principal {
    const realmAccess = payload['realm_access'] as { roles?: unknown } | undefined;
    const roles = Array.isArray(realmAccess?.roles) ? realmAccess.roles.filter((r): r is string => typeof r === 'string').filter(isRole) : [];
    const orgUnit = payload[this.opts.orgUnitClaim];
    if (typeof orgUnit !== 'string' || !OrgUnitCode.isValid(orgUnit)) {
      throw new DomainError('AUTH.UNAUTHENTICATED', `token has no valid ${this.opts.orgUnitClaim} claim`);
    }
    const username = payload['preferred_username'];
    return {
      subject: String(payload.sub),
      ...(typeof username === 'string' && { username }),
      roles,
      orgUnit: OrgUnitCode.parse(orgUnit).value,
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
