import { UserManager, WebStorageStateStore, type User } from 'oidc-client-ts';
import type { RuntimeConfig } from '../config/runtime-config';

/** Realm roles of the platform (Keycloak realm_access.roles). */
export type Role = 'grid-worker' | 'grid-leader' | 'community-staff' | 'street-staff' | 'district-staff' | 'department' | 'admin' | 'auditor';

export interface Principal {
  readonly subject: string;
  readonly username: string;
  readonly name: string;
  readonly orgUnit: string;
  readonly roles: readonly Role[];
  /** A department user's department (the token's `department` claim). */
  readonly department?: string;
}

let manager: UserManager | undefined;

/**
 * Login with OpenID Connect authorization code + PKCE (S256) against the realm. The console's
 * session lives in this tab (sessionStorage); the handheld's on the device (`persistent`: a worker's
 * phone is personal, and the app must open without the network). Tokens are renewed silently with
 * the refresh token before they expire, and when renewal fails the user is sent back to the login
 * page (once the network is there), never left on a blank page.
 */
export function authManager(config?: Pick<RuntimeConfig, 'oidc'>, opts: { persistent?: boolean } = {}): UserManager {
  if (manager) return manager;
  if (!config) throw new Error('auth not configured');
  const origin = window.location.origin;
  manager = new UserManager({
    authority: config.oidc.authority,
    client_id: config.oidc.clientId,
    redirect_uri: `${origin}/callback`,
    post_logout_redirect_uri: `${origin}/signed-out`,
    response_type: 'code',
    scope: 'openid profile',
    automaticSilentRenew: true,
    accessTokenExpiringNotificationTimeInSeconds: 30,
    userStore: new WebStorageStateStore({ store: opts.persistent ? window.localStorage : window.sessionStorage }),
    loadUserInfo: false,
  });
  manager.events.addSilentRenewError(() => void signIn());
  manager.events.addAccessTokenExpired(() => void renewOrSignIn());
  return manager;
}

const RETURN_TO = 'gm.returnTo';
let redirecting = false;

/** Off to the login page (once, however many reasons arrive together); back to where the user was afterwards. */
export async function signIn(): Promise<void> {
  if (redirecting) return;
  // Offline, the login page cannot load: go there when the network is back (the page stays usable meanwhile).
  if (!navigator.onLine) {
    window.addEventListener('online', () => void renewOrSignIn(), { once: true });
    return;
  }
  redirecting = true;
  const here = window.location.pathname + window.location.search;
  const returnTo = here.startsWith('/callback') || here.startsWith('/signed-out') ? '/' : here;
  sessionStorage.setItem(RETURN_TO, returnTo);
  try {
    await authManager().signinRedirect({ state: { returnTo }, extraQueryParams: { ui_locales: document.documentElement.lang || 'zh-CN' } });
  } catch (err) {
    redirecting = false;
    throw err;
  }
}

/** Where to go after the login page: the page the user was on. */
export function returnToAfterSignIn(state: unknown): string {
  const fromState = (state as { returnTo?: unknown } | undefined)?.returnTo;
  const kept = sessionStorage.getItem(RETURN_TO);
  sessionStorage.removeItem(RETURN_TO);
  const target = typeof fromState === 'string' ? fromState : (kept ?? '/');
  // Only a path of this console, never another origin.
  return target.startsWith('/') && !target.startsWith('//') ? target : '/';
}

export async function signOut(): Promise<void> {
  const m = authManager();
  const user = await m.getUser();
  await m.removeUser();
  await m.signoutRedirect(user?.id_token ? { id_token_hint: user.id_token } : {});
}

/** A fresh token, renewing it first if it has (nearly) expired; undefined when the session is over. */
export async function accessToken(): Promise<string | undefined> {
  const m = authManager();
  let user = await m.getUser();
  if (user && (user.expires_in ?? 0) < 10) user = await m.signinSilent().catch(() => null);
  return user && !user.expired ? user.access_token : undefined;
}

export async function renewOrSignIn(): Promise<void> {
  const user = await authManager().signinSilent().catch(() => null);
  if (!user) await signIn();
}

export function principalOf(user: User): Principal {
  const claims = decodePayload(user.access_token);
  const roles = ((claims['realm_access'] as { roles?: string[] } | undefined)?.roles ?? []).filter((r): r is Role =>
    ['grid-worker', 'grid-leader', 'community-staff', 'street-staff', 'district-staff', 'department', 'admin', 'auditor'].includes(r),
  );
  return {
    subject: String(claims['sub'] ?? ''),
    username: String(claims['preferred_username'] ?? ''),
    name: String(claims['name'] ?? claims['preferred_username'] ?? ''),
    orgUnit: String(claims['org_unit'] ?? ''),
    roles,
    ...(typeof claims['department'] === 'string' && { department: claims['department'] }),
  };
}

/** The token's claims, for display and for choosing menus only: every service verifies the token itself. */
function decodePayload(jwt: string): Record<string, unknown> {
  const part = jwt.split('.')[1] ?? '';
  const json = atob(part.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(part.length / 4) * 4, '='));
  return JSON.parse(new TextDecoder().decode(Uint8Array.from(json, (c) => c.charCodeAt(0)))) as Record<string, unknown>;
}

export const DESK_ROLES: readonly Role[] = ['community-staff', 'street-staff', 'district-staff'];
export const STAFF_ROLES: readonly Role[] = ['grid-leader', 'community-staff', 'street-staff', 'district-staff', 'admin', 'auditor'];

export function hasAnyRole(p: Principal | undefined, roles: readonly Role[]): boolean {
  return !!p && p.roles.some((r) => roles.includes(r));
}
