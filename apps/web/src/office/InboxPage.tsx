import { useState } from 'react';
import { useNavigate } from 'react-router';
import { Alert, Badge, Button, Card, List, Space, Tag, Typography } from 'antd';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { api, unwrap } from '../shared/api/client';
import type { Json } from '../shared/api/types';
import type { paths as ServiceOffice } from '../shared/api/generated/service-office';
import { hasService } from '../shared/config/runtime-config';
import { formatDateTime } from '../shared/format/format';
import { localName } from '../shared/i18n/i18n';
import './office-i18n';


type Message = Json<ServiceOffice['/api/v1/inbox']['get']>['items'][number];

/** 消息: what happened to the cases you reported, work orders for your department or from it. */
export function InboxPage() {
  const { t, i18n } = useTranslation();
  const navigate = useNavigate();
  const client = useQueryClient();
  const [page, setPage] = useState(1);
  const q = useQuery({
    queryKey: ['inbox', page],
    enabled: hasService('service-office'),
    queryFn: () => unwrap(api.office.GET('/api/v1/inbox', { params: { query: { limit: 20, offset: (page - 1) * 20 } } })),
  });
  const refresh = () => void client.invalidateQueries({ queryKey: ['inbox'] });
  const readAll = useMutation({ mutationFn: () => unwrap(api.office.POST('/api/v1/inbox/read-all')), onSuccess: refresh });
  const open = async (m: Message) => {
    if (!m.readAt) await api.office.POST('/api/v1/inbox/{id}/read', { params: { path: { id: m.id } } });
    refresh();
    navigate(m.ref.type === 'case' ? `/cases/${m.ref.id}` : `/office/work-orders?open=${m.ref.id}`);
  };
  if (!hasService('service-office')) return <Alert type="info" showIcon message={t('office.serviceMissing')} style={{ margin: 16 }} />;
  return (
    <div className="gm-page">
      <Card
        title={
          <Space>
            {t('office.inbox.title')}
            {(q.data?.unread ?? 0) > 0 && <Tag color="red">{t('office.inbox.unreadCount', { count: q.data?.unread ?? 0 })}</Tag>}
          </Space>
        }
        extra={<Button onClick={() => readAll.mutate()} loading={readAll.isPending} disabled={(q.data?.unread ?? 0) === 0}>{t('office.inbox.readAll')}</Button>}
      >
        {q.error && <Alert type="error" showIcon message={q.error.message} />}
        <List<Message>
          loading={q.isLoading}
          dataSource={q.data?.items ?? []}
          locale={{ emptyText: t('office.inbox.empty') }}
          pagination={{ current: page, pageSize: 20, total: q.data?.total ?? 0, onChange: setPage, hideOnSinglePage: true }}
          renderItem={(m) => (
            <List.Item actions={[<Button key="open" type="link" onClick={() => void open(m)} aria-label={`${t('office.inbox.open')} ${localName(m.title, i18n.language)}`}>{t('office.inbox.open')}</Button>]}>
              <List.Item.Meta
                title={
                  <Space>
                    {!m.readAt && <Badge status="processing" />}
                    <Typography.Text strong={!m.readAt}>{localName(m.title, i18n.language)}</Typography.Text>
                    {m.ref.no && <Typography.Text type="secondary">{m.ref.no}</Typography.Text>}
                  </Space>
                }
                description={
                  <Space direction="vertical" size={0}>
                    <Typography.Text>{localName(m.body, i18n.language)}</Typography.Text>
                    <Typography.Text type="secondary" style={{ fontSize: 12 }}>{formatDateTime(m.createdAt)}</Typography.Text>
                  </Space>
                }
              />
            </List.Item>
          )}
        />
      </Card>
    </div>
  );
}
