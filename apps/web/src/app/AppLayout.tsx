import { useMemo, useState } from 'react';
import { Outlet, useLocation, useNavigate } from 'react-router';
import { Badge, Button, Drawer, Dropdown, Grid, Layout, Menu, Segmented, Space, Tooltip, Typography } from 'antd';
import {
  AimOutlined,
  BarChartOutlined,
  BellOutlined,
  SolutionOutlined,
  DesktopOutlined,
  FileSearchOutlined,
  LogoutOutlined,
  MenuOutlined,
  SettingOutlined,
  TeamOutlined,
  TrophyOutlined,
  UserOutlined,
} from '@ant-design/icons';
import { useTranslation } from 'react-i18next';
import { hasAnyRole, signOut, STAFF_ROLES } from '../shared/auth/auth';
import { useAuth } from '../shared/auth/AuthProvider';
import { runtimeConfig } from '../shared/config/runtime-config';
import { setLanguage, type Language } from '../shared/i18n/i18n';
import { useLiveStatus } from '../shared/live/LiveFeedProvider';
import { levelOf } from '../shared/org-units';
import { hasService } from '../shared/config/runtime-config';
import { useUnreadCount } from '../office/unread';

/** The console's frame: menu by role, the tier and the user, language, the live feed's state. */
export function AppLayout() {
  const { t, i18n } = useTranslation();
  const { principal } = useAuth();
  const navigate = useNavigate();
  const location = useLocation();
  const screens = Grid.useBreakpoint();
  const [collapsed, setCollapsed] = useState(false);
  const live = useLiveStatus();
  const unread = useUnreadCount();
  const tier = runtimeConfig().tier;

  const items = useMemo(() => {
    const staff = hasAnyRole(principal, STAFF_ROLES);
    return [
      { key: '/map', icon: <AimOutlined />, label: t('nav.map') },
      { key: '/cases', icon: <FileSearchOutlined />, label: t('nav.cases') },
      ...(staff ? [{ key: '/field', icon: <TeamOutlined />, label: t('nav.field') }] : []),
      ...(staff ? [{ key: '/kpis', icon: <TrophyOutlined />, label: t('nav.kpis') }] : []),
      ...(staff ? [{ key: '/dashboard', icon: <BarChartOutlined />, label: t('nav.dashboard') }] : []),
      ...(staff ? [{ key: '/wall', icon: <DesktopOutlined />, label: t('nav.wall') }] : []),
      ...(hasService('service-office')
        ? [
            {
              key: '/office',
              icon: <SolutionOutlined />,
              label: t('nav.office'),
              children: [
                ...(hasAnyRole(principal, [...STAFF_ROLES, 'department']) ? [{ key: '/office/work-orders', label: t('nav.officeWorkOrders') }] : []),
                ...(hasAnyRole(principal, ['grid-leader', 'community-staff', 'street-staff', 'district-staff', 'admin', 'auditor']) ? [{ key: '/office/services', label: t('nav.officeServices') }] : []),
                ...(staff ? [{ key: '/office/notices', label: t('nav.officeNotices') }] : []),
                ...(hasAnyRole(principal, ['department', 'admin']) ? [{ key: '/office/subscriptions', label: t('nav.officeSubscriptions') }] : []),
                { key: '/office/inbox', label: t('nav.officeInbox') },
              ],
            },
          ]
        : []),
      ...(hasAnyRole(principal, ['admin'])
        ? [
            {
              key: '/admin',
              icon: <SettingOutlined />,
              label: t('nav.admin'),
              children: [
                { key: '/admin/parameters', label: t('nav.adminParameters') },
                { key: '/admin/org', label: t('nav.adminOrg') },
                { key: '/admin/departments', label: t('nav.adminDepartments') },
                { key: '/admin/imports', label: t('nav.adminImports') },
              ],
            },
          ]
        : []),
    ];
  }, [principal, t]);
  const selected = location.pathname.startsWith('/cases') ? '/cases' : location.pathname;
  // Phones: the menu opens as a drawer from the header, so that nothing covers the pages.
  const narrow = screens.md === false;
  const [drawer, setDrawer] = useState(false);
  const menu = (
    <Menu
      theme="dark"
      mode="inline"
      selectedKeys={[selected]}
      defaultOpenKeys={location.pathname.startsWith('/admin') ? ['/admin'] : location.pathname.startsWith('/office') ? ['/office'] : []}
      items={items}
      onClick={({ key }) => {
        navigate(key);
        setDrawer(false);
      }}
      aria-label={t('app.title')}
    />
  );

  return (
    <Layout style={{ minHeight: '100vh' }}>
      {narrow ? (
        <Drawer placement="left" open={drawer} onClose={() => setDrawer(false)} width={240} styles={{ body: { padding: 0, background: '#001529' } }} title={t('app.short')}>
          {menu}
        </Drawer>
      ) : (
        <Layout.Sider collapsible collapsed={collapsed} onCollapse={setCollapsed} collapsedWidth={64} width={200} theme="dark">
          <div style={{ color: '#fff', padding: '16px 12px', fontWeight: 600, whiteSpace: 'nowrap', overflow: 'hidden' }}>{collapsed ? '网格' : t('app.short')}</div>
          {menu}
        </Layout.Sider>
      )}
      <Layout>
        <Layout.Header style={{ background: '#fff', padding: narrow ? '0 8px' : '0 16px', display: 'flex', alignItems: 'center', gap: narrow ? 8 : 12, height: narrow ? 56 : 64 }}>
          {narrow && <Button type="text" icon={<MenuOutlined />} aria-label={t('app.menu')} onClick={() => setDrawer(true)} />}
          <Typography.Title level={5} style={{ margin: 0, flex: 1, whiteSpace: 'nowrap', overflow: 'hidden', textOverflow: 'ellipsis' }}>
            {narrow ? t('app.short') : t('app.title')}
            {!narrow && (
              <Typography.Text type="secondary" style={{ marginLeft: 12, fontWeight: 400 }}>
                {t('app.tier', { level: t(`levels.${levelOf(tier)}`), code: tier })}
              </Typography.Text>
            )}
          </Typography.Title>
          <Tooltip title={live ? t('common.live') : t('common.liveOff')}>
            <span role="status" aria-label={live ? t('common.live') : t('common.liveOff')}>
              <Badge status={live ? 'processing' : 'error'} text={narrow ? undefined : live ? t('common.live') : t('common.liveDown')} />
            </span>
          </Tooltip>
          {hasService('service-office') && (
            <Tooltip title={t('nav.officeInbox')}>
              <Badge count={unread} size="small" offset={[-4, 4]}>
                <Button type="text" icon={<BellOutlined />} aria-label={`${t('nav.officeInbox')} ${unread}`} onClick={() => navigate('/office/inbox')} />
              </Badge>
            </Tooltip>
          )}
          <Segmented<Language>
            aria-label={`${t('app.language')} Language`}
            size="small"
            value={i18n.language === 'en' ? 'en' : 'zh-CN'}
            options={[
              { label: '中文', value: 'zh-CN' },
              { label: 'English', value: 'en' },
            ]}
            onChange={(v) => void setLanguage(v)}
          />
          <Dropdown
            menu={{
              items: [
                { key: 'who', label: `${principal.name} · ${principal.orgUnit}`, disabled: true },
                { key: 'roles', label: principal.roles.map((r) => t(`roles.${r}`)).join('、'), disabled: true },
                { type: 'divider' },
                { key: 'logout', icon: <LogoutOutlined />, label: t('common.signOut'), onClick: () => void signOut() },
              ],
            }}
          >
            <Button type="text" icon={<UserOutlined />} aria-label={principal.username}>
              {narrow ? null : <Space>{principal.username}</Space>}
            </Button>
          </Dropdown>
        </Layout.Header>
        <Layout.Content>
          <Outlet />
        </Layout.Content>
      </Layout>
    </Layout>
  );
}
