import { useEffect, useState } from 'react';
import { useNavigate } from 'react-router';
import { Button, Result, Spin } from 'antd';
import { useTranslation } from 'react-i18next';
import { authManager, signIn } from './auth';

/** Where the login page sends the browser back with the code: exchanged for tokens (PKCE), then on to the page the user wanted. */
export function CallbackPage() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const [error, setError] = useState<string>();
  useEffect(() => {
    authManager()
      .signinRedirectCallback()
      .then((user) => {
        const returnTo = (user.state as { returnTo?: string } | undefined)?.returnTo ?? '/';
        // A full load, so that the session is picked up by every provider.
        window.location.replace(returnTo);
      })
      .catch((err: unknown) => setError(err instanceof Error ? err.message : String(err)));
  }, [navigate]);
  if (error) {
    return (
      <Result status="error" title={t('auth.callbackFailed')} subTitle={error} extra={<Button type="primary" onClick={() => void signIn()}>{t('auth.signInAgain')}</Button>} />
    );
  }
  return (
    <div className="gm-fullscreen-center">
      <Spin size="large" tip={t('auth.signingIn')}>
        <div style={{ width: 200, height: 80 }} />
      </Spin>
    </div>
  );
}

export function SignedOutPage() {
  const { t } = useTranslation();
  return <Result status="success" title={t('auth.signedOut')} extra={<Button type="primary" onClick={() => window.location.assign('/')}>{t('auth.signInAgain')}</Button>} />;
}
