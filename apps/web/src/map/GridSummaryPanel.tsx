import { Alert, Button, Card, Descriptions, Empty, List, Skeleton, Space, Statistic, Tag, Typography } from 'antd';
import { CloseOutlined } from '@ant-design/icons';
import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { api, unwrap } from '../shared/api/client';
import type { CaseOverview, OrgUnitDetail, UnitSummary } from '../shared/api/types';
import { hasService } from '../shared/config/runtime-config';
import { formatDateTime, formatNumber } from '../shared/format/format';

/** A grid at a glance: households, residents by class, open cases, its staff and their A/B partners. */
export function GridSummaryPanel({ code, name, onClose }: { code: string; name: string | undefined; onClose: () => void }) {
  const { t } = useTranslation();
  const summary = useQuery<UnitSummary>({
    queryKey: ['unit-summary', code],
    enabled: hasService('base-data'),
    queryFn: () => unwrap(api.baseData.GET('/api/v1/units/{code}/summary', { params: { path: { code } } })),
  });
  const unit = useQuery<OrgUnitDetail>({
    queryKey: ['org-unit', code],
    enabled: hasService('system-admin'),
    queryFn: () => unwrap(api.admin.GET('/api/v1/org-units/{code}', { params: { path: { code } } })),
  });
  const cases = useQuery<CaseOverview>({
    queryKey: ['overview', code],
    queryFn: () => unwrap(api.hub.GET('/api/v1/overview', { params: { query: { unit: code } } })),
  });
  // Who covers whom now (A/B posts), in the grid's community: a partner may work in the next grid.
  const community = code.split('-')[0]!;
  const handovers = useQuery({
    queryKey: ['handovers', community],
    enabled: hasService('mobile-gateway'),
    refetchInterval: 30_000,
    queryFn: () => unwrap(api.gateway.GET('/api/v1/handovers', { params: { query: { unit: community, active: 'true' } } })),
  });
  const staff = unit.data?.staff ?? [];
  const nameOf = (username: string | null | undefined) => staff.find((s) => s.username === username)?.displayName ?? username ?? '';
  const s = summary.data;

  return (
    <Card
      size="small"
      title={
        <Space direction="vertical" size={0}>
          <Typography.Text strong>{name ?? code}</Typography.Text>
          <Typography.Text type="secondary" style={{ fontSize: 12 }}>
            {t('grid.summary')} · {code}
          </Typography.Text>
        </Space>
      }
      extra={<Button type="text" size="small" icon={<CloseOutlined />} aria-label={t('common.close')} onClick={onClose} />}
      role="region"
      aria-label={t('grid.summary')}
    >
      <Space wrap size="large" style={{ marginBottom: 12 }}>
        <Statistic title={t('grid.openCases')} value={cases.data?.open ?? '—'} loading={cases.isLoading} />
        <Statistic title={t('grid.redCases')} value={cases.data?.byLight.red ?? '—'} loading={cases.isLoading} valueStyle={{ color: '#d4380d' }} />
        {s && s.households > 0 && <Statistic title={t('grid.households')} value={formatNumber(s.households)} />}
        {s && s.households > 0 && <Statistic title={t('grid.residents')} value={formatNumber(s.residents.total)} />}
      </Space>
      {!hasService('base-data') && <Alert type="info" showIcon message={t('grid.unavailable')} style={{ marginBottom: 12 }} />}
      {summary.isLoading && <Skeleton active paragraph={{ rows: 3 }} />}
      {summary.error && <Alert type="warning" showIcon message={summary.error.message} />}
      {s && s.households === 0 && s.buildings === 0 && <Alert type="info" showIcon message={t('grid.noBaseData')} style={{ marginBottom: 12 }} />}
      {s && (s.households > 0 || s.buildings > 0) && (
        <Descriptions size="small" column={2} title={t('grid.byClass')} bordered>
          <Descriptions.Item label={t('grid.classes.registered')}>{formatNumber(s.residents.byResidenceType.registered ?? 0)}</Descriptions.Item>
          <Descriptions.Item label={t('grid.classes.floating')}>{formatNumber(s.residents.byResidenceType.floating ?? 0)}</Descriptions.Item>
          <Descriptions.Item label={t('grid.classes.tenant')}>{formatNumber(s.residents.byResidenceType.tenant ?? 0)}</Descriptions.Item>
          <Descriptions.Item label={t('grid.classes.key')}>{formatNumber(s.residents.byFocusClass.key ?? 0)}</Descriptions.Item>
          <Descriptions.Item label={t('grid.classes.vulnerable')}>{formatNumber(s.residents.byFocusClass.vulnerable ?? 0)}</Descriptions.Item>
          <Descriptions.Item label={t('grid.classes.special')}>{formatNumber(s.residents.byFocusClass.special ?? 0)}</Descriptions.Item>
          <Descriptions.Item label={t('grid.classes.partyMember')}>{formatNumber(s.residents.partyMembers)}</Descriptions.Item>
          <Descriptions.Item label={t('grid.buildings')}>{formatNumber(s.buildings)}</Descriptions.Item>
          <Descriptions.Item label={t('grid.organisations')}>{formatNumber(s.organisations.total)}</Descriptions.Item>
          <Descriptions.Item label={t('grid.objects')}>{formatNumber(s.objects.total)}</Descriptions.Item>
        </Descriptions>
      )}
      <Typography.Title level={5} style={{ marginTop: 16 }}>
        {t('grid.staff')}
      </Typography.Title>
      {unit.isLoading ? (
        <Skeleton active paragraph={{ rows: 2 }} />
      ) : staff.length === 0 ? (
        <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('common.empty')} />
      ) : (
        <List
          size="small"
          dataSource={staff}
          renderItem={(m) => (
            <List.Item>
              <List.Item.Meta
                title={
                  <Space>
                    {m.displayName}
                    <Tag>{t(`grid.posts.${m.post}`)}</Tag>
                    <Tag color={m.employment === 'full-time' ? 'blue' : 'default'}>{t(`grid.employment.${m.employment}`)}</Tag>
                  </Space>
                }
                description={
                  <Space direction="vertical" size={0}>
                    {m.abPartner ? t('grid.partner', { name: nameOf(m.abPartner) }) : t('grid.noPartner')}
                    {(handovers.data?.items ?? [])
                      .filter((h) => h.worker === m.username || h.coveredBy === m.username)
                      .map((h) => (
                        <Tag key={h.id} color={h.worker === m.username ? 'orange' : 'purple'}>
                          {h.worker === m.username ? t('grid.coveredBy', { name: nameOf(h.coveredBy) }) : t('grid.covering', { name: nameOf(h.worker) })}
                          {h.until ? ` · ${t('grid.until', { time: formatDateTime(h.until) })}` : ''}
                        </Tag>
                      ))}
                  </Space>
                }
              />
            </List.Item>
          )}
        />
      )}
    </Card>
  );
}
