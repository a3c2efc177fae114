import { useState } from 'react';
import { Alert, App, Button, Card, DatePicker, Drawer, Form, Input, Modal, Popconfirm, Select, Space, Table, Tag, Typography } from 'antd';
import { PlusOutlined } from '@ant-design/icons';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import type { Dayjs } from 'dayjs';
import { api, unwrap } from '../shared/api/client';
import type { Json } from '../shared/api/types';
import type { paths as ServiceOffice } from '../shared/api/generated/service-office';
import { useAuth } from '../shared/auth/AuthProvider';
import { hasService } from '../shared/config/runtime-config';
import { formatDateTime } from '../shared/format/format';
import { showFieldErrors, useDepartmentNames } from './WorkOrdersPage';
import './office-i18n';

type Subscription = Json<ServiceOffice['/api/v1/subscriptions']['get']>['items'][number];
type Delivery = Json<ServiceOffice['/api/v1/subscriptions/{id}/deliveries']['get']>['items'][number];

const EVENT_TYPES = [
  'gm.case.reported.v1',
  'gm.case.accepted.v1',
  'gm.case.registered.v1',
  'gm.case.dispatched.v1',
  'gm.case.started.v1',
  'gm.case.handled.v1',
  'gm.case.closed.v1',
  'gm.case.overdue.v1',
  'gm.workorder.whistled.v1',
  'gm.workorder.urged.v1',
  'gm.department.command-outcome.v1',
];
const DELIVERY_COLOR: Record<string, string> = { pending: 'blue', delivered: 'green', dead: 'red' };

/** 事件订阅: a department's webhooks, their delivery log, re-delivery and replay. */
export function SubscriptionsPage() {
  const { t } = useTranslation();
  const { principal } = useAuth();
  const { message } = App.useApp();
  const client = useQueryClient();
  const departments = useDepartmentNames();
  const [adding, setAdding] = useState(false);
  const [openId, setOpenId] = useState<string>();
  const [secret, setSecret] = useState<string>();
  const q = useQuery({ queryKey: ['subscriptions'], enabled: hasService('service-office'), queryFn: () => unwrap(api.office.GET('/api/v1/subscriptions')) });
  const refresh = () => void client.invalidateQueries({ queryKey: ['subscriptions'] });
  const toggle = useMutation({
    mutationFn: (s: Subscription) => unwrap(api.office.PATCH('/api/v1/subscriptions/{id}', { params: { path: { id: s.id } }, body: { status: s.status === 'active' ? 'disabled' : 'active' } })),
    onSuccess: refresh,
    onError: (err) => void message.error(err.message),
  });
  const remove = useMutation({
    mutationFn: (s: Subscription) => unwrap(api.office.DELETE('/api/v1/subscriptions/{id}', { params: { path: { id: s.id } } })),
    onSuccess: refresh,
    onError: (err) => void message.error(err.message),
  });
  if (!hasService('service-office')) return <Alert type="info" showIcon message={t('office.serviceMissing')} style={{ margin: 16 }} />;
  return (
    <div className="gm-page">
      <Card title={t('office.subscriptions.title')} extra={principal.roles.includes('department') && <Button type="primary" icon={<PlusOutlined />} onClick={() => setAdding(true)}>{t('office.subscriptions.add')}</Button>}>
        <Typography.Paragraph type="secondary">{t('office.subscriptions.hint')}</Typography.Paragraph>
        {q.error && <Alert type="error" showIcon message={q.error.message} />}
        <Table<Subscription>
          rowKey="id"
          loading={q.isLoading}
          dataSource={q.data?.items ?? []}
          pagination={false}
          locale={{ emptyText: t('office.subscriptions.empty') }}
          scroll={{ x: 900 }}
          columns={[
            { title: t('office.subscriptions.url'), key: 'url', render: (_, s) => <Space direction="vertical" size={0}><Typography.Text code>{s.url}</Typography.Text><Typography.Text type="secondary">{s.description}</Typography.Text></Space> },
            { title: t('office.subscriptions.department'), dataIndex: 'department', render: (d: string) => departments.get(d) ?? d },
            { title: t('office.subscriptions.status'), key: 'status', render: (_, s) => <Tag color={s.status === 'active' ? 'green' : 'default'}>{t(`office.subscriptions.${s.status}`)}{s.disabledReason ? ` (${s.disabledReason})` : ''}</Tag> },
            { title: t('office.subscriptions.deliveries'), key: 'counts', render: (_, s) => t('office.subscriptions.counts', s.counts) },
            {
              title: '',
              key: 'actions',
              render: (_, s) => (
                <Space>
                  <Button size="small" onClick={() => setOpenId(s.id)}>{t('office.subscriptions.deliveries')}</Button>
                  <Button size="small" onClick={() => toggle.mutate(s)}>{s.status === 'active' ? t('office.subscriptions.disable') : t('office.subscriptions.enable')}</Button>
                  <Popconfirm title={t('office.subscriptions.removeConfirm')} onConfirm={() => remove.mutate(s)}>
                    <Button size="small" danger>{t('office.subscriptions.remove')}</Button>
                  </Popconfirm>
                </Space>
              ),
            },
          ]}
        />
      </Card>
      {adding && <AddDrawer onClose={() => setAdding(false)} onCreated={(s) => { setAdding(false); setSecret(s); refresh(); }} />}
      {openId && <DeliveriesDrawer id={openId} onClose={() => setOpenId(undefined)} />}
      <Modal open={!!secret} title={t('office.subscriptions.secretTitle')} onOk={() => setSecret(undefined)} onCancel={() => setSecret(undefined)} cancelButtonProps={{ style: { display: 'none' } }}>
        <Typography.Paragraph>{t('office.subscriptions.secretHelp')}</Typography.Paragraph>
        <Typography.Paragraph code copyable>{secret}</Typography.Paragraph>
      </Modal>
    </div>
  );
}

function AddDrawer({ onClose, onCreated }: { onClose: () => void; onCreated: (secret: string) => void }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const [form] = Form.useForm<{ url: string; description?: string; eventTypes?: string[] }>();
  const add = useMutation({
    mutationFn: (v: { url: string; description?: string; eventTypes?: string[] }) =>
      unwrap(api.office.POST('/api/v1/subscriptions', { body: { url: v.url.trim(), description: v.description ?? '', filters: { eventTypes: v.eventTypes ?? [], categories: [], areas: [] } } })),
    onSuccess: (s) => onCreated(s.secret),
    onError: (err) => showFieldErrors(form, err, message, { 'filters.eventTypes': 'eventTypes' }),
  });
  return (
    <Drawer
      open
      width={520}
      title={t('office.subscriptions.addTitle')}
      onClose={onClose}
      destroyOnHidden
      extra={<Button type="primary" loading={add.isPending} onClick={() => void form.validateFields().then((v) => add.mutate(v))}>{t('common.save')}</Button>}
    >
      <Form form={form} layout="vertical">
        <Form.Item name="url" label={t('office.subscriptions.url')} extra={t('office.subscriptions.urlHelp')} rules={[{ required: true, whitespace: true, message: t('inputs.required', { field: t('office.subscriptions.url') }) }]}>
          <Input placeholder="https://" />
        </Form.Item>
        <Form.Item name="description" label={t('office.subscriptions.description')}>
          <Input maxLength={200} />
        </Form.Item>
        <Form.Item name="eventTypes" label={t('office.subscriptions.eventTypes')} extra={t('office.subscriptions.eventTypesHelp')}>
          <Select mode="multiple" options={EVENT_TYPES.map((e) => ({ value: e, label: e }))} />
        </Form.Item>
      </Form>
    </Drawer>
  );
}

function DeliveriesDrawer({ id, onClose }: { id: string; onClose: () => void }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const client = useQueryClient();
  const [status, setStatus] = useState<string>();
  const [since, setSince] = useState<Dayjs | null>(null);
  const q = useQuery({
    queryKey: ['deliveries', id, status],
    refetchInterval: 5_000,
    queryFn: () => unwrap(api.office.GET('/api/v1/subscriptions/{id}/deliveries', { params: { path: { id }, query: { limit: 100, ...(status && { status: status as never }) } } })),
  });
  const refresh = () => {
    void client.invalidateQueries({ queryKey: ['deliveries', id] });
    void client.invalidateQueries({ queryKey: ['subscriptions'] });
  };
  const queued = (r: { queued: number }) => {
    message.success(t('office.subscriptions.queued', { count: r.queued }));
    refresh();
  };
  const redeliver = useMutation({
    mutationFn: (d: Delivery) => unwrap(api.office.POST('/api/v1/subscriptions/{id}/deliveries/{deliveryId}/redeliver', { params: { path: { id, deliveryId: d.id } } })),
    onSuccess: () => queued({ queued: 1 }),
    onError: (e) => void message.error(e.message),
  });
  const redeliverDead = useMutation({ mutationFn: () => unwrap(api.office.POST('/api/v1/subscriptions/{id}/dead-letters/redeliver', { params: { path: { id } } })), onSuccess: queued, onError: (e) => void message.error(e.message) });
  const replay = useMutation({ mutationFn: () => unwrap(api.office.POST('/api/v1/subscriptions/{id}/replay', { params: { path: { id } }, body: { since: since!.toISOString() } })), onSuccess: queued, onError: (e) => void message.error(e.message) });
  return (
    <Drawer open width={900} title={t('office.subscriptions.deliveries')} onClose={onClose} destroyOnHidden>
      <Space wrap style={{ marginBottom: 12 }}>
        <Select aria-label={t('office.subscriptions.status')} allowClear style={{ width: 140 }} placeholder={t('office.workOrders.allStatuses')} value={status} onChange={setStatus} options={['pending', 'delivered', 'dead'].map((s) => ({ value: s, label: t(`office.subscriptions.delivery.${s}`) }))} />
        <Button onClick={() => redeliverDead.mutate()} loading={redeliverDead.isPending}>{t('office.subscriptions.redeliverDead')}</Button>
        <DatePicker showTime aria-label={t('office.subscriptions.replaySince')} placeholder={t('office.subscriptions.replaySince')} value={since} onChange={setSince} />
        <Button disabled={!since} onClick={() => replay.mutate()} loading={replay.isPending}>{t('office.subscriptions.replay')}</Button>
      </Space>
      {q.error && <Alert type="error" showIcon message={q.error.message} />}
      <Table<Delivery>
        rowKey="id"
        size="small"
        loading={q.isLoading}
        dataSource={q.data?.items ?? []}
        pagination={{ pageSize: 20, hideOnSinglePage: true }}
        scroll={{ x: 800 }}
        columns={[
          { title: t('office.subscriptions.event'), key: 'event', render: (_, d) => <Space direction="vertical" size={0}><Typography.Text code>{d.eventType}</Typography.Text><Typography.Text type="secondary" style={{ fontSize: 12 }}>{d.caseNo ?? d.eventId}</Typography.Text></Space> },
          { title: t('office.subscriptions.status'), dataIndex: 'status', render: (s: string) => <Tag color={DELIVERY_COLOR[s]}>{t(`office.subscriptions.delivery.${s}`)}</Tag> },
          { title: t('office.subscriptions.attempts'), dataIndex: 'attempts' },
          { title: t('office.subscriptions.lastStatus'), dataIndex: 'lastStatusCode', render: (v: number | null) => v ?? '—' },
          { title: t('office.subscriptions.latency'), dataIndex: 'lastLatencyMs', render: (v: number | null) => (v === null ? '—' : `${v} ms`) },
          { title: t('office.subscriptions.error'), dataIndex: 'lastError', render: (v: string | null) => v ?? '—' },
          { title: '', dataIndex: 'createdAt', render: formatDateTime },
          { title: '', key: 'redeliver', render: (_, d) => (d.status === 'dead' ? <Button size="small" onClick={() => redeliver.mutate(d)}>{t('office.subscriptions.redeliver')}</Button> : null) },
        ]}
      />
    </Drawer>
  );
}
