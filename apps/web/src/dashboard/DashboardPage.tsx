import { Button, Result, Space, Typography } from 'antd';
import { FullscreenOutlined } from '@ant-design/icons';
import { useNavigate } from 'react-router';
import { useTranslation } from 'react-i18next';
import { hasAnyRole, STAFF_ROLES } from '../shared/auth/auth';
import { useAuth } from '../shared/auth/AuthProvider';
import { levelOf } from '../shared/org-units';
import { useKpis } from '../kpis/kpi-queries';
import { Boards } from './Boards';
import { useOverview } from './dashboard-queries';

const BELOW = { district: 'street', street: 'community', community: 'grid', grid: 'grid' } as const;

/** 统计分析: the subtree's cases by day and state, lights, categories and the ranking, refreshed by the live feed. */
export function DashboardPage() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const { principal } = useAuth();
  const overview = useOverview(principal.orgUnit);
  const ranking = useKpis({ kind: 'unit', level: BELOW[levelOf(principal.orgUnit)] });
  if (!hasAnyRole(principal, STAFF_ROLES)) return <Result status="403" title={t('common.notAllowed')} />;
  return (
    <div className="gm-page">
      <Space style={{ width: '100%', justifyContent: 'space-between', marginBottom: 12 }}>
        <Typography.Title level={4} style={{ margin: 0 }}>
          {t('dashboard.title')}
        </Typography.Title>
        <Button icon={<FullscreenOutlined />} onClick={() => navigate('/wall')}>
          {t('dashboard.enterWall')}
        </Button>
      </Space>
      <Boards overview={overview.data} ranking={ranking.data} />
    </div>
  );
}
