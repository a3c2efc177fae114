import type { Bilingual, PageLocale } from './login-page';
import { pageLocale } from './login-page';
import type { RegisteredClient } from './public-clients';

export type ResponseMode = 'query' | 'fragment';

/** A validated authorization request (code flow with PKCE S256). */
export interface AuthorizationRequest {
  readonly client: RegisteredClient;
  /** As sent: the token request must repeat it exactly. */
  readonly redirectUri: string;
  readonly responseMode: ResponseMode;
  readonly state: string | undefined;
  readonly nonce: string | undefined;
  /** Granted scope (space separated). */
  readonly scope: string;
  readonly codeChallenge: string;
  readonly prompt: ReadonlySet<'none' | 'login' | 'consent' | 'select_account'>;
  /** Seconds; a session authenticated longer ago needs the password again. */
  readonly maxAge: number | undefined;
  readonly loginHint: string | undefined;
  readonly locale: PageLocale;
  /** What the login form carries back (hidden fields): enough to validate the request again. */
  readonly formFields: Readonly<Record<string, string | undefined>>;
}

/** Where an error can be sent once the redirect URI is known to be the client's. */
export interface ErrorTarget {
  readonly redirectUri: string;
  readonly responseMode: ResponseMode;
  readonly state: string | undefined;
}

export type AuthorizationOutcome =
  | { readonly kind: 'ok'; readonly request: AuthorizationRequest }
  /** Unknown client or redirect URI: an error page, never a redirect (no open redirect). */
  | { readonly kind: 'error-page'; readonly locale: PageLocale; readonly message: Bilingual }
  | { readonly kind: 'error-redirect'; readonly target: ErrorTarget; readonly error: string; readonly description: string };

export const SUPPORTED_SCOPES = ['openid', 'profile', 'email', 'roles', 'web-origins', 'basic', 'acr'] as const;
/** Keycloak's default client scopes of gm-web: granted whether asked for or not. */
const DEFAULT_SCOPES = ['profile', 'email'];

const MAX_PARAM_LENGTH = 2048;
// RFC 7636: a S256 challenge is BASE64URL(SHA-256) = 43 characters; verifiers are 43–128 unreserved.
const CODE_CHALLENGE = /^[A-Za-z0-9\-._~]{43,128}$/;
export const CODE_VERIFIER = CODE_CHALLENGE;

const SINGLE = ['client_id', 'redirect_uri', 'response_type', 'response_mode', 'scope', 'state', 'nonce', 'code_challenge', 'code_challenge_method', 'prompt', 'max_age', 'login_hint', 'ui_locales'];

/** Checks an authorization request in Keycloak's order: client, redirect URI, then the rest (errors to the client). */
export function parseAuthorizationRequest(params: URLSearchParams, clients: ReadonlyMap<string, RegisteredClient>): AuthorizationOutcome {
  const get = (name: string): string | undefined => params.get(name) ?? undefined;
  const locale = pageLocale(get('ui_locales'));
  const client = clients.get(get('client_id') ?? '');
  if (!client || params.getAll('client_id').length > 1) {
    return { kind: 'error-page', locale, message: { zh: '客户端不存在', en: 'Client not found' } };
  }
  const redirectUri = get('redirect_uri');
  if (!redirectUri || params.getAll('redirect_uri').length > 1 || !client.redirectUri(redirectUri)) {
    return { kind: 'error-page', locale, message: { zh: '无效的参数：redirect_uri', en: 'Invalid parameter: redirect_uri' } };
  }
  const mode = get('response_mode') ?? 'query';
  const state = get('state');
  const target: ErrorTarget = { redirectUri, responseMode: mode === 'fragment' ? 'fragment' : 'query', state: state?.slice(0, MAX_PARAM_LENGTH) };
  const fail = (error: string, description: string): AuthorizationOutcome => ({ kind: 'error-redirect', target, error, description });

  if (mode !== 'query' && mode !== 'fragment') return fail('invalid_request', 'Invalid parameter: response_mode');
  const repeated = SINGLE.find((name) => params.getAll(name).length > 1);
  if (repeated) return fail('invalid_request', `Duplicated parameter: ${repeated}`);
  const tooLong = SINGLE.find((name) => (get(name)?.length ?? 0) > MAX_PARAM_LENGTH);
  if (tooLong) return fail('invalid_request', `Invalid parameter: ${tooLong}`);

  const responseType = get('response_type');
  if (!responseType) return fail('invalid_request', 'Missing parameter: response_type');
  if (responseType !== 'code') return fail('unsupported_response_type', 'Client is not allowed to initiate browser login with given response_type. Only the code flow is enabled');

  const method = get('code_challenge_method');
  const challenge = get('code_challenge');
  if (!method) return fail('invalid_request', 'Missing parameter: code_challenge_method');
  if (method !== 'S256') return fail('invalid_request', 'Invalid parameter: code challenge method is not matching the configured one');
  if (!challenge) return fail('invalid_request', 'Missing parameter: code_challenge');
  if (!CODE_CHALLENGE.test(challenge)) return fail('invalid_request', 'Invalid parameter: code_challenge');

  const prompt = new Set((get('prompt') ?? '').split(' ').filter(Boolean));
  for (const p of prompt) {
    if (!['none', 'login', 'consent', 'select_account'].includes(p)) return fail('invalid_request', 'Invalid parameter: prompt');
  }
  if (prompt.has('none') && prompt.size > 1) return fail('invalid_request', 'Invalid parameter: prompt');

  const maxAgeParam = get('max_age');
  if (maxAgeParam !== undefined && !/^\d{1,9}$/.test(maxAgeParam)) return fail('invalid_request', 'Invalid parameter: max_age');

  const requested = (get('scope') ?? '').split(' ').filter(Boolean);
  const scope = SUPPORTED_SCOPES.filter((s) => requested.includes(s) || DEFAULT_SCOPES.includes(s)).join(' ');

  return {
    kind: 'ok',
    request: {
      client,
      redirectUri,
      responseMode: mode,
      state,
      nonce: get('nonce'),
      scope,
      codeChallenge: challenge,
      prompt: prompt as ReadonlySet<'none' | 'login' | 'consent' | 'select_account'>,
      maxAge: maxAgeParam === undefined ? undefined : Number(maxAgeParam),
      loginHint: get('login_hint'),
      locale,
      formFields: {
        client_id: client.clientId,
        redirect_uri: redirectUri,
        response_type: responseType,
        response_mode: get('response_mode'),
        scope: get('scope'),
        state,
        nonce: get('nonce'),
        code_challenge: challenge,
        code_challenge_method: method,
        ui_locales: get('ui_locales'),
      },
    },
  };
}

/** Adds the parameters to the redirect URI, in its query or its fragment. */
export function redirectTo(target: { readonly redirectUri: string; readonly responseMode: ResponseMode }, params: Record<string, string | undefined>): string {
  const url = new URL(target.redirectUri);
  const defined = Object.entries(params).filter((e): e is [string, string] => e[1] !== undefined);
  if (target.responseMode === 'fragment') {
    url.hash = new URLSearchParams(defined).toString();
  } else {
    for (const [k, v] of defined) url.searchParams.append(k, v);
  }
  return url.href;
}
