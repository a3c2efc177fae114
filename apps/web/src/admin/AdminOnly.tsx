import type { ReactNode } from 'react';
import { useNavigate } from 'react-router';
import { Button, Result } from 'antd';
import { useTranslation } from 'react-i18next';
import { hasAnyRole } from '../shared/auth/auth';
import { useAuth } from '../shared/auth/AuthProvider';
import './admin-i18n';

/**
 * The administration pages are for administrators only. Anyone else who opens one (a bookmark, a
 * typed URL: the menu hides them) gets a 403 page, and the page's queries never run. The services
 * check the role again on every call.
 */
export function AdminOnly({ children }: { children: ReactNode }) {
  const { t } = useTranslation();
  const { principal } = useAuth();
  const navigate = useNavigate();
  if (!hasAnyRole(principal, ['admin'])) {
    return (
      <Result
        status="403"
        title="403"
        subTitle={t('common.notAllowed')}
        extra={
          <Button type="primary" onClick={() => navigate('/map')}>
            {t('common.back')}
          </Button>
        }
      />
    );
  }
  return <>{children}</>;
}
