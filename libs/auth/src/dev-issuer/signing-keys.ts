import { randomUUID } from 'node:crypto';
import { compactVerify, createLocalJWKSet, exportJWK, generateKeyPair, jwtVerify, SignJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose';

interface SigningKey {
  readonly kid: string;
  readonly privateKey: CryptoKey;
  readonly publicJwk: JWK;
  retiredAt?: number;
}

/** The issuer's RS256 keys: the current one signs, retired ones stay published for a grace period. */
export class SigningKeys {
  private keys: SigningKey[] = [];

  constructor(private readonly retiredKeyGraceMs: number) {}

  /** Makes a new key current; returns its `kid`. */
  async rotate(): Promise<string> {
    const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
    const kid = randomUUID();
    const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' };
    const now = Date.now();
    for (const k of this.keys) k.retiredAt ??= now;
    this.keys = [{ kid, privateKey, publicJwk }, ...this.keys.filter((k) => k.retiredAt === undefined || now - k.retiredAt < this.retiredKeyGraceMs)];
    return kid;
  }

  get currentKid(): string {
    return this.current().kid;
  }

  /** The JWKS document (public parts only). */
  jwks(): { keys: JWK[] } {
    return { keys: this.keys.map((k) => k.publicJwk) };
  }

  async sign(claims: JWTPayload): Promise<string> {
    const key = this.current();
    return new SignJWT(claims).setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: key.kid }).sign(key.privateKey);
  }

  /**
   * Claims of a token signed by a published key, from `issuer`, with the given `typ` (`Bearer`
   * for access tokens, `ID` for ID tokens); otherwise undefined. `allowExpired` is for
   * `id_token_hint`, which may be an expired ID token.
   */
  async verify(token: string, o: { issuer: string; typ: 'Bearer' | 'ID'; allowExpired: boolean }): Promise<JWTPayload | undefined> {
    const keys = createLocalJWKSet(this.jwks());
    try {
      let claims: JWTPayload;
      if (o.allowExpired) {
        const { payload } = await compactVerify(token, keys, { algorithms: ['RS256'] });
        claims = JSON.parse(new TextDecoder().decode(payload)) as JWTPayload;
      } else {
        claims = (await jwtVerify(token, keys, { algorithms: ['RS256'], issuer: o.issuer })).payload;
      }
      return claims.iss === o.issuer && claims['typ'] === o.typ ? claims : undefined;
    } catch {
      return undefined;
    }
  }

  private current(): SigningKey {
    const key = this.keys[0];
    if (!key) throw new Error('issuer not started');
    return key;
  }
}
