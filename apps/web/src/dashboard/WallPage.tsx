import { useEffect, useState } from 'react';
import { Button, Col, ConfigProvider, Row, Space, theme, Typography } from 'antd';
import { FullscreenExitOutlined } from '@ant-design/icons';
import { useNavigate } from 'react-router';
import { useTranslation } from 'react-i18next';
import { useAuth } from '../shared/auth/AuthProvider';
import { levelOf } from '../shared/org-units';
import { useKpis } from '../kpis/kpi-queries';
import { CaseMapView } from '../map/CaseMapView';
import { useLayer, useMapCases } from '../map/map-queries';
import { Boards } from './Boards';
import { useOverview } from './dashboard-queries';

const BELOW = { district: 'street', street: 'community', community: 'grid', grid: 'grid' } as const;

/** 大屏: the command-centre wall, full screen and dark, the map beside the boards, everything live. */
export function WallPage() {
  const { t, i18n } = useTranslation();
  const navigate = useNavigate();
  const { principal } = useAuth();
  const scope = principal.orgUnit;
  const level = levelOf(scope);
  const overview = useOverview(scope);
  const ranking = useKpis({ kind: 'unit', level: BELOW[level] });
  const streets = useLayer('street', scope, level === 'district');
  const communities = useLayer('community', scope, level === 'district' || level === 'street');
  const grids = useLayer('grid', scope, level !== 'district');
  const cases = useMapCases(scope, {});
  const [now, setNow] = useState(new Date());
  useEffect(() => {
    const timer = setInterval(() => setNow(new Date()), 1000);
    return () => clearInterval(timer);
  }, []);
  return (
    <ConfigProvider button={{ autoInsertSpace: false }} theme={{ algorithm: theme.darkAlgorithm, token: { colorPrimary: '#4d8fe6' } }}>
      <div className="gm-wall">
        <Space style={{ width: '100%', justifyContent: 'space-between', marginBottom: 12 }}>
          <Typography.Title level={2} style={{ margin: 0, color: '#e6f0ff' }}>
            {t('dashboard.wallTitle')} · {scope}
          </Typography.Title>
          <Space>
            <Typography.Text style={{ color: '#9fb7d9', fontSize: 20 }}>
              {new Intl.DateTimeFormat(i18n.language === 'en' ? 'en-GB' : 'zh-CN', { dateStyle: 'medium', timeStyle: 'medium', timeZone: 'Asia/Shanghai' }).format(now)}
            </Typography.Text>
            <Button icon={<FullscreenExitOutlined />} onClick={() => navigate('/dashboard')}>
              {t('dashboard.exitWall')}
            </Button>
          </Space>
        </Space>
        <Row gutter={[16, 16]}>
          <Col xs={24} xl={10}>
            <div style={{ position: 'relative', height: 'calc(100vh - 110px)', minHeight: 400, borderRadius: 8, overflow: 'hidden' }}>
              <CaseMapView
                label={t('map.title')}
                layers={{ streets: streets.data, communities: communities.data, grids: grids.data, cases: cases.data }}
                heat={false}
                showWorkers={false}
                onGridClick={() => undefined}
                onCaseClick={(id) => navigate(`/cases/${id}`)}
              />
            </div>
          </Col>
          <Col xs={24} xl={14}>
            <Boards overview={overview.data} ranking={ranking.data} dark chartHeight={200} />
          </Col>
        </Row>
      </div>
    </ConfigProvider>
  );
}
