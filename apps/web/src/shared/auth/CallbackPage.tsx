import { useEffect, useState } from 'react';
import { Button, Result, Spin } from 'antd';
import { useTranslation } from 'react-i18next';
import { authManager, returnToAfterSignIn, signIn } from './auth';

/** Where the login page sends the browser back with the code: exchanged for tokens (PKCE), then on to the page the user wanted. */
export function CallbackPage() {
  const { t } = useTranslation();
  const [error, setError] = useState<string>();
  useEffect(() => {
    authManager()
      .signinRedirectCallback()
      // A full load, so that the session is picked up by every provider.
      .then((user) => window.location.replace(returnToAfterSignIn(user.state)))
      .catch((err: unknown) => setError(err instanceof Error ? err.message : String(err)));
  }, []);
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
