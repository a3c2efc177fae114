import { createContext, useContext, useEffect, useState, type ReactNode } from 'react';
import { Button, Result, Spin } from 'antd';
import { useTranslation } from 'react-i18next';
import type { User } from 'oidc-client-ts';
import { authManager, principalOf, signIn, type Principal } from './auth';

interface AuthState {
  readonly user: User | undefined;
  readonly principal: Principal | undefined;
}

const AuthContext = createContext<AuthState>({ user: undefined, principal: undefined });

export function useAuth(): AuthState & { principal: Principal } {
  const state = useContext(AuthContext);
  if (!state.principal) throw new Error('useAuth outside a signed-in page');
  return state as AuthState & { principal: Principal };
}

/** Pages that do not need a session (the return from the login page, the page after logging out). */
const OPEN_PATHS = ['/callback', '/signed-out'];

/**
 * Holds the session. A page opened without one goes to the login page (and comes back); a session
 * that cannot be renewed goes there too. With `offline` (the handheld), a device without the network
 * keeps working as the user last signed in: what it does is queued and sent once a fresh token can
 * be had.
 */
export function AuthProvider({ children, offline = false }: { children: ReactNode; offline?: boolean }) {
  const { t } = useTranslation();
  const [state, setState] = useState<AuthState & { ready: boolean; failed?: string }>({ user: undefined, principal: undefined, ready: false });

  useEffect(() => {
    const m = authManager();
    const set = (user: User | null) => setState({ user: user ?? undefined, principal: user ? principalOf(user) : undefined, ready: true });
    const onLoaded = (user: User) => set(user);
    const onUnloaded = () => set(null);
    m.events.addUserLoaded(onLoaded);
    m.events.addUserUnloaded(onUnloaded);
    void (async () => {
      if (OPEN_PATHS.includes(window.location.pathname)) return setState((s) => ({ ...s, ready: true }));
      const user = await m.getUser();
      if (user && !user.expired) return set(user);
      // Expired: try the refresh token first, then the login page.
      const renewed = user && navigator.onLine ? await m.signinSilent().catch(() => null) : null;
      if (renewed) return set(renewed);
      if (offline && user && !navigator.onLine) {
        window.addEventListener('online', () => void m.signinSilent().catch(() => signIn()), { once: true });
        return set(user);
      }
      if (!navigator.onLine) return setState((s) => ({ ...s, ready: true, failed: t('auth.offline') }));
      await signIn().catch((err: unknown) => setState((s) => ({ ...s, ready: true, failed: err instanceof Error ? err.message : String(err) })));
    })();
    return () => {
      m.events.removeUserLoaded(onLoaded);
      m.events.removeUserUnloaded(onUnloaded);
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [offline]);

  if (state.failed) {
    return (
      <Result
        status="warning"
        title={t('auth.unreachable')}
        subTitle={state.failed}
        extra={<Button type="primary" onClick={() => window.location.reload()}>{t('common.retry')}</Button>}
      />
    );
  }
  if (!state.ready || (!state.principal && !OPEN_PATHS.includes(window.location.pathname))) {
    return (
      <div className="gm-fullscreen-center">
        <Spin size="large" tip={t('auth.signingIn')}>
          <div style={{ width: 200, height: 80 }} />
        </Spin>
      </div>
    );
  }
  return <AuthContext.Provider value={state}>{children}</AuthContext.Provider>;
}
