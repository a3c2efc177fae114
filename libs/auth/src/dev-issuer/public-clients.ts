/**
 * Public OIDC clients of the development issuer and the matching of their redirect URIs.
 *
 * A pattern is `<scheme>://<host>[:<port>|:*][<path>]`. `:*` accepts any port (the console runs
 * on several tier ports, tests on random ones); a path ending in `*` is a prefix, any other path
 * must match exactly (query included); no path means `/*`. Matching compares the parsed parts of
 * the URI, never the raw string, so `http://127.0.0.1:1@evil.example/` is not "on 127.0.0.1".
 */
export interface DevIssuerClient {
  readonly clientId: string;
  readonly redirectUris: readonly string[];
  readonly postLogoutRedirectUris: readonly string[];
}

export const DEFAULT_CLIENT_ID = 'gm-web';

const LOOPBACK = ['http://127.0.0.1:*/*', 'http://localhost:*/*'] as const;

export function defaultClients(): DevIssuerClient[] {
  return [{ clientId: DEFAULT_CLIENT_ID, redirectUris: [...LOOPBACK], postLogoutRedirectUris: [...LOOPBACK] }];
}

interface UriPattern {
  readonly protocol: string;
  readonly hostname: string;
  /** `undefined` = any port; `''` = the scheme's default port. */
  readonly port: string | undefined;
  readonly path: string;
}

const PATTERN = /^(https?):\/\/([^/:?#@\\]+)(?::(\d{1,5}|\*))?(\/[^#]*)?$/i;

export function parseUriPattern(pattern: string): UriPattern {
  const m = PATTERN.exec(pattern);
  if (!m) throw new Error(`invalid redirect URI pattern ${pattern}`);
  const protocol = `${m[1]!.toLowerCase()}:`;
  const defaultPort = protocol === 'https:' ? '443' : '80';
  const port = m[3] === '*' ? undefined : m[3] === undefined || m[3] === defaultPort ? '' : String(Number(m[3]));
  return { protocol, hostname: m[2]!.toLowerCase(), port, path: m[4] ?? '/*' };
}

/** The parsed URI if it is absolute, carries no credentials nor fragment, and matches one of the patterns. */
export function matchUri(uri: string, patterns: readonly UriPattern[]): URL | undefined {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return undefined;
  }
  if (url.username || url.password || url.hash || uri.includes('#')) return undefined;
  const target = url.pathname + url.search;
  const ok = patterns.some(
    (p) =>
      url.protocol === p.protocol &&
      url.hostname === p.hostname &&
      (p.port === undefined || url.port === p.port) &&
      (p.path.endsWith('*') ? target.startsWith(p.path.slice(0, -1)) : target === p.path),
  );
  return ok ? url : undefined;
}

/** `true` when the `Origin` header value is scheme + host + port of one of the patterns. */
export function matchOrigin(origin: string, patterns: readonly UriPattern[]): boolean {
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  if (url.origin !== origin) return false;
  return patterns.some((p) => url.protocol === p.protocol && url.hostname === p.hostname && (p.port === undefined || url.port === p.port));
}

/** A client with its patterns parsed once. */
export class RegisteredClient {
  readonly clientId: string;
  private readonly redirects: UriPattern[];
  private readonly postLogout: UriPattern[];

  constructor(client: DevIssuerClient) {
    this.clientId = client.clientId;
    this.redirects = client.redirectUris.map(parseUriPattern);
    this.postLogout = client.postLogoutRedirectUris.map(parseUriPattern);
  }

  redirectUri(uri: string): URL | undefined {
    return matchUri(uri, this.redirects);
  }

  postLogoutRedirectUri(uri: string): URL | undefined {
    return matchUri(uri, this.postLogout);
  }

  /** Browser origins allowed to call the token, userinfo and discovery endpoints (Keycloak's "+" web origins). */
  allowsOrigin(origin: string): boolean {
    return matchOrigin(origin, this.redirects);
  }
}
