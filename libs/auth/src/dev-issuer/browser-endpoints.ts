import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { DemoUser } from './demo-users';
import { parseAuthorizationRequest, redirectTo, type AuthorizationRequest } from './authorization-request';
import { cookie, html, redirect, setCookie } from './http-helpers';
import { contentSecurityPolicy, errorPage, loggedOutPage, loginPage, pageLocale } from './login-page';
import { sameSecret, type OidcSession, type OidcSessions } from './oidc-sessions';
import type { RegisteredClient } from './public-clients';
import type { SigningKeys } from './signing-keys';
import type { LoginThrottle } from './login-throttle';

export const SESSION_COOKIE = 'GM_DEV_SESSION';

export interface BrowserEndpointsDeps {
  /** The issuer URL (known once the server listens). */
  readonly issuer: () => string;
  readonly realm: string;
  readonly clients: ReadonlyMap<string, RegisteredClient>;
  readonly users: ReadonlyMap<string, DemoUser>;
  readonly sessions: OidcSessions;
  readonly keys: SigningKeys;
  readonly throttle: LoginThrottle;
}

/**
 * The endpoints a browser navigates to: `/auth` (SSO by cookie, else the login form; a code back
 * to the client) and `/logout`. Anything that is not provably the client's redirect URI gets an
 * error page, never a redirect.
 */
export class BrowserEndpoints {
  constructor(private readonly deps: BrowserEndpointsDeps) {}

  /** `GET` (the client's request) or `POST` (the login form, carrying the same request). */
  authorize(req: IncomingMessage, res: ServerResponse, params: URLSearchParams, formPost: boolean): void {
    const issuer = this.deps.issuer();
    const outcome = parseAuthorizationRequest(params, this.deps.clients);
    if (outcome.kind === 'error-page') return html(res, 400, errorPage(outcome.locale, outcome.message), contentSecurityPolicy());
    if (outcome.kind === 'error-redirect') {
      const { target, error, description } = outcome;
      return redirect(res, redirectTo(target, { error, error_description: description, state: target.state, iss: issuer }));
    }
    const request = outcome.request;
    const now = Date.now();
    const session = this.deps.sessions.byCookie(cookie(req, SESSION_COOKIE), now);
    if (!formPost) {
      const fresh = session && (request.maxAge === undefined || Math.floor(now / 1000) - session.authTime <= request.maxAge) ? session : undefined;
      if (request.prompt.has('none')) {
        if (fresh) return this.redirectWithCode(res, request, fresh);
        return redirect(res, redirectTo(request, { error: 'login_required', error_description: 'Login required', state: request.state, iss: issuer }));
      }
      if (fresh && !request.prompt.has('login')) return this.redirectWithCode(res, request, fresh);
      return this.loginForm(res, request, request.loginHint, false);
    }

    const username = params.get('username') ?? '';
    const caller = req.socket.remoteAddress ?? '';
    const wait = this.deps.throttle.retryAfterSec(caller, username);
    if (wait > 0) return this.loginForm(res, request, username, true, wait);
    const user = this.deps.users.get(username);
    if (!user || !sameSecret(user.password, params.get('password') ?? '')) {
      this.deps.throttle.failed(caller, username);
      return this.loginForm(res, request, username, true);
    }
    this.deps.throttle.succeeded(caller, username);
    // The same user logging in again keeps the session (other tabs' refresh tokens stay valid).
    let current = session;
    if (current?.username === user.username) {
      current.authTime = Math.floor(now / 1000);
    } else {
      if (current) this.deps.sessions.end(current.id);
      current = this.deps.sessions.create(user.username, now);
    }
    const setSession = setCookie(SESSION_COOKIE, this.deps.sessions.cookieValue(current), { ...this.cookieScope(), maxAgeSec: (current.expiresAt - now) / 1000 });
    return this.redirectWithCode(res, request, current, { 'set-cookie': setSession });
  }

  /** `GET`/`POST` logout: ends the cookie's session (and the hint's), then redirects or says so. */
  async logout(req: IncomingMessage, res: ServerResponse, params: URLSearchParams): Promise<void> {
    const issuer = this.deps.issuer();
    const locale = pageLocale(params.get('ui_locales'));
    const fail = (zh: string, en: string) => html(res, 400, errorPage(locale, { zh, en }), contentSecurityPolicy());
    const hintParam = params.get('id_token_hint');
    // An expired ID token is still a good hint (Keycloak accepts it); a forged one is not.
    const hint = hintParam ? await this.deps.keys.verify(hintParam, { issuer, typ: 'ID', allowExpired: true }) : undefined;
    if (hintParam && !hint) return fail('无效的参数：id_token_hint', 'Invalid parameter: id_token_hint');
    const hintClient = typeof hint?.azp === 'string' ? hint.azp : undefined;
    const clientId = params.get('client_id') ?? hintClient;
    if (hintClient && clientId !== hintClient) return fail('client_id 与 id_token_hint 不一致', 'Parameter client_id different than the client of id_token_hint');
    const postLogout = params.get('post_logout_redirect_uri');
    if (postLogout !== null) {
      if (!clientId) return fail('缺少参数：client_id 或 id_token_hint', 'Missing parameters: id_token_hint or client_id');
      const client = this.deps.clients.get(clientId);
      if (!client) return fail('客户端不存在', 'Client not found');
      if (!client.postLogoutRedirectUri(postLogout)) return fail('无效的退出后重定向地址', 'Invalid redirect uri');
    }

    const session = this.deps.sessions.byCookie(cookie(req, SESSION_COOKIE));
    if (session) this.deps.sessions.end(session.id);
    if (typeof hint?.['sid'] === 'string') this.deps.sessions.end(hint['sid']);
    const clear = { 'set-cookie': setCookie(SESSION_COOKIE, '', { ...this.cookieScope(), maxAgeSec: 0 }) };
    if (postLogout !== null) return redirect(res, redirectTo({ redirectUri: postLogout, responseMode: 'query' }, { state: params.get('state') ?? undefined }), clear);
    return html(res, 200, loggedOutPage(locale), contentSecurityPolicy(), clear);
  }

  private loginForm(res: ServerResponse, request: AuthorizationRequest, username: string | undefined, failed: boolean, retryAfterSec = 0): void {
    const page = loginPage({
      locale: request.locale,
      // A path, not a URL: the form posts back to the origin the browser used.
      action: `/realms/${this.deps.realm}/protocol/openid-connect/auth`,
      hidden: request.formFields,
      ...(username !== undefined && { username }),
      failed,
      throttled: retryAfterSec > 0,
      demoUsers: [...this.deps.users.values()].map((u) => ({ username: u.username, name: u.name })),
    });
    html(res, retryAfterSec > 0 ? 429 : 200, page, contentSecurityPolicy([new URL(request.redirectUri).origin]), retryAfterSec > 0 ? { 'retry-after': String(retryAfterSec) } : {});
  }

  private redirectWithCode(res: ServerResponse, request: AuthorizationRequest, session: OidcSession, headers: OutgoingHttpHeaders = {}): void {
    const code = this.deps.sessions.issueCode({
      clientId: request.client.clientId,
      redirectUri: request.redirectUri,
      codeChallenge: request.codeChallenge,
      scope: request.scope,
      nonce: request.nonce,
      sessionId: session.id,
    });
    redirect(res, redirectTo(request, { code, state: request.state, session_state: session.id, iss: this.deps.issuer() }), headers);
  }

  private cookieScope(): { path: string; secure: boolean } {
    return { path: `/realms/${this.deps.realm}/`, secure: this.deps.issuer().startsWith('https:') };
  }
}
