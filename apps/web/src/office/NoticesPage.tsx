import { useEffect, useState } from 'react';
import { Alert, App, Badge, Button, Card, DatePicker, Descriptions, Drawer, Form, Input, List, Select, Space, Switch, Table, Tabs, Tag, Typography } from 'antd';
import { PlusOutlined } from '@ant-design/icons';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import type { Dayjs } from 'dayjs';
import { api, unwrap } from '../shared/api/client';
import type { Json } from '../shared/api/types';
import type { paths as ServiceOffice } from '../shared/api/generated/service-office';
import { hasAnyRole, type Role } from '../shared/auth/auth';
import { useAuth } from '../shared/auth/AuthProvider';
import { hasService } from '../shared/config/runtime-config';
import { formatDateTime } from '../shared/format/format';
import { showFieldErrors } from './WorkOrdersPage';
import './office-i18n';

type Notice = Json<ServiceOffice['/api/v1/notices']['get']>['items'][number];
type Receipts = Json<ServiceOffice['/api/v1/notices/{id}/receipts']['get']>;
const PUBLISHERS: Role[] = ['community-staff', 'street-staff', 'district-staff', 'admin'];
const ROLES: Role[] = ['grid-worker', 'grid-leader', 'community-staff', 'street-staff', 'district-staff'];

/** 通知公告: notices addressed to you (read receipts, returns), and those your area published (with their receipts). */
export function NoticesPage() {
  const { t } = useTranslation();
  const { principal } = useAuth();
  const [box, setBox] = useState<'received' | 'published'>('received');
  const [page, setPage] = useState(1);
  const [openId, setOpenId] = useState<string>();
  const [publishing, setPublishing] = useState(false);
  const q = useQuery({
    queryKey: ['notices', box, page],
    enabled: hasService('service-office'),
    queryFn: () => unwrap(api.office.GET('/api/v1/notices', { params: { query: { box, limit: 20, offset: (page - 1) * 20 } } })),
  });
  if (!hasService('service-office')) return <Alert type="info" showIcon message={t('office.serviceMissing')} style={{ margin: 16 }} />;
  const publisher = hasAnyRole(principal, PUBLISHERS);
  const list = (
    <>
      {q.error && <Alert type="error" showIcon message={q.error.message} />}
      <List<Notice>
        loading={q.isLoading}
        dataSource={q.data?.items ?? []}
        locale={{ emptyText: t('office.notices.empty') }}
        pagination={{ current: page, pageSize: 20, total: q.data?.total ?? 0, onChange: setPage, hideOnSinglePage: true }}
        renderItem={(n) => (
          <List.Item actions={[<Button key="open" type="link" aria-label={n.title} onClick={() => setOpenId(n.id)}>{box === 'received' ? t('office.inbox.open') : t('office.notices.receipts')}</Button>]}>
            <List.Item.Meta
              title={
                <Space wrap>
                  {box === 'received' && !n.readAt && <Badge status="processing" text={t('office.notices.unread')} />}
                  <Typography.Text strong={box === 'received' && !n.readAt}>{n.title}</Typography.Text>
                  {n.returnRequest && <Tag color={n.unitReturn ? (n.unitReturn.late ? 'orange' : 'green') : 'blue'}>{t('office.notices.returnBy', { time: formatDateTime(n.returnRequest.deadline) })}</Tag>}
                </Space>
              }
              description={`${n.publisherUnit} · ${n.publishedBy} · ${formatDateTime(n.publishedAt)}`}
            />
          </List.Item>
        )}
      />
    </>
  );
  return (
    <div className="gm-page">
      <Card title={t('office.notices.title')} extra={publisher && <Button type="primary" icon={<PlusOutlined />} onClick={() => setPublishing(true)}>{t('office.notices.publish')}</Button>}>
        <Tabs
          activeKey={box}
          onChange={(k) => {
            setBox(k as 'received' | 'published');
            setPage(1);
          }}
          items={[
            { key: 'received', label: box === 'received' && (q.data?.unread ?? 0) > 0 ? `${t('office.notices.received')} (${q.data?.unread})` : t('office.notices.received'), children: box === 'received' ? list : null },
            { key: 'published', label: t('office.notices.published'), children: box === 'published' ? list : null },
          ]}
        />
      </Card>
      {openId && box === 'received' && <ReceivedDrawer id={openId} onClose={() => setOpenId(undefined)} />}
      {openId && box === 'published' && <ReceiptsDrawer id={openId} onClose={() => setOpenId(undefined)} />}
      {publishing && <PublishDrawer onClose={() => setPublishing(false)} />}
    </div>
  );
}

function ReceivedDrawer({ id, onClose }: { id: string; onClose: () => void }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const client = useQueryClient();
  const [form] = Form.useForm<{ text: string }>();
  // Opening it is reading it: the receipt is recorded once.
  const q = useQuery({ queryKey: ['notice', id], queryFn: () => unwrap(api.office.POST('/api/v1/notices/{id}/read', { params: { path: { id } } })) });
  const done = () => void client.invalidateQueries({ queryKey: ['notices'] });
  useEffect(() => {
    if (q.dataUpdatedAt) void client.invalidateQueries({ queryKey: ['notices'] });
  }, [q.dataUpdatedAt, client]);
  const submit = useMutation({
    mutationFn: (v: { text: string }) => unwrap(api.office.POST('/api/v1/notices/{id}/return', { params: { path: { id } }, body: { text: v.text } })),
    onSuccess: (n) => {
      message.success(t('office.notices.returned_ok'));
      client.setQueryData(['notice', id], n);
      done();
      form.resetFields();
    },
    onError: (err) => showFieldErrors(form, err, message),
  });
  const n = q.data;
  return (
    <Drawer open width={600} title={n?.title ?? t('common.loading')} onClose={onClose} destroyOnHidden>
      {q.error && <Alert type="error" showIcon message={q.error.message} />}
      {n && (
        <>
          <Typography.Paragraph type="secondary">{`${n.publisherUnit} · ${n.publishedBy} · ${formatDateTime(n.publishedAt)}`}</Typography.Paragraph>
          <Typography.Paragraph style={{ whiteSpace: 'pre-wrap' }}>{n.body}</Typography.Paragraph>
          {n.returnRequest && (
            <Card size="small" title={t('office.notices.returnBy', { time: formatDateTime(n.returnRequest.deadline) })}>
              <Typography.Paragraph>{n.returnRequest.instructions}</Typography.Paragraph>
              {n.unitReturn && (
                <Alert
                  type={n.unitReturn.late ? 'warning' : 'success'}
                  showIcon
                  style={{ marginBottom: 12 }}
                  message={`${t('office.notices.returned', { by: n.unitReturn.submittedBy, time: formatDateTime(n.unitReturn.submittedAt) })}${n.unitReturn.late ? ` · ${t('office.notices.late')}` : ''}`}
                />
              )}
              <Form form={form} layout="vertical" onFinish={(v) => submit.mutate(v)}>
                <Form.Item name="text" label={t('office.notices.returnText')} rules={[{ required: true, whitespace: true, message: t('inputs.required', { field: t('office.notices.returnText') }) }]}>
                  <Input.TextArea rows={4} maxLength={5000} showCount />
                </Form.Item>
                <Button type="primary" htmlType="submit" loading={submit.isPending}>{t('office.notices.submitReturn')}</Button>
              </Form>
            </Card>
          )}
        </>
      )}
    </Drawer>
  );
}

function ReceiptsDrawer({ id, onClose }: { id: string; onClose: () => void }) {
  const { t } = useTranslation();
  const q = useQuery({ queryKey: ['notice-receipts', id], queryFn: () => unwrap(api.office.GET('/api/v1/notices/{id}/receipts', { params: { path: { id } } })) });
  const r = q.data as Receipts | undefined;
  return (
    <Drawer open width={760} title={t('office.notices.receipts')} onClose={onClose} destroyOnHidden>
      {q.error && <Alert type="error" showIcon message={q.error.message} />}
      {r && (
        <>
          <Descriptions size="small" column={1} bordered style={{ marginBottom: 12 }}>
            <Descriptions.Item label={t('office.notices.read')}>{t('office.notices.unitsRead', { read: r.counts.unitsRead, total: r.counts.units })}</Descriptions.Item>
            <Descriptions.Item label={t('office.notices.returnCol')}>{t('office.notices.returns', r.counts)}</Descriptions.Item>
          </Descriptions>
          <Table
            rowKey="unit"
            size="small"
            pagination={{ pageSize: 20, hideOnSinglePage: true }}
            dataSource={r.units}
            scroll={{ x: 640 }}
            columns={[
              { title: t('office.notices.unit'), key: 'unit', render: (_, u) => `${u.name ?? ''} ${u.unit}` },
              { title: t('office.notices.firstRead'), dataIndex: 'firstReadAt', render: (v: string | null) => (v ? formatDateTime(v) : <Tag>{t('office.notices.unread')}</Tag>) },
              { title: t('office.notices.readersCount'), dataIndex: 'readers' },
              {
                title: t('office.notices.returnCol'),
                key: 'return',
                render: (_, u) =>
                  u.return ? (
                    <Space direction="vertical" size={0}>
                      <Typography.Text>{u.return.text}</Typography.Text>
                      <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                        {u.return.submittedBy} · {formatDateTime(u.return.submittedAt)} {u.return.late && <Tag color="orange">{t('office.notices.late')}</Tag>}
                      </Typography.Text>
                    </Space>
                  ) : (
                    <Tag>{t('office.notices.notReturned')}</Tag>
                  ),
              },
            ]}
          />
          <Typography.Title level={5}>{t('office.notices.readers')}</Typography.Title>
          <List size="small" dataSource={r.readers} renderItem={(x) => <List.Item>{`${x.username} · ${x.unit} · ${formatDateTime(x.readAt)}`}</List.Item>} />
        </>
      )}
    </Drawer>
  );
}

interface PublishValues {
  title: string;
  body: string;
  units?: string;
  roles?: Role[];
  askReturn?: boolean;
  instructions?: string;
  deadline?: Dayjs;
}

function PublishDrawer({ onClose }: { onClose: () => void }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const client = useQueryClient();
  const [form] = Form.useForm<PublishValues>();
  const askReturn = Form.useWatch('askReturn', form);
  const publish = useMutation({
    mutationFn: (v: PublishValues) =>
      unwrap(
        api.office.POST('/api/v1/notices', {
          body: {
            title: v.title,
            body: v.body,
            audience: { units: (v.units ?? '').split(/[\s,，]+/).filter(Boolean), roles: v.roles ?? [] },
            ...(v.askReturn && { returnRequest: { instructions: v.instructions ?? '', deadline: v.deadline!.toISOString() } }),
          },
        }),
      ),
    onSuccess: () => {
      message.success(t('office.notices.published_ok'));
      void client.invalidateQueries({ queryKey: ['notices'] });
      onClose();
    },
    onError: (err) => showFieldErrors(form, err, message, { 'audience.units': 'units', 'returnRequest.deadline': 'deadline', 'returnRequest.instructions': 'instructions' }),
  });
  return (
    <Drawer
      open
      width={560}
      title={t('office.notices.publishTitle')}
      onClose={onClose}
      destroyOnHidden
      extra={<Button type="primary" loading={publish.isPending} onClick={() => void form.validateFields().then((v) => publish.mutate(v))}>{t('office.notices.publish')}</Button>}
    >
      <Form form={form} layout="vertical">
        <Form.Item name="title" label={t('office.notices.titleField')} rules={[{ required: true, whitespace: true, message: t('inputs.required', { field: t('office.notices.titleField') }) }]}>
          <Input maxLength={100} />
        </Form.Item>
        <Form.Item name="body" label={t('office.notices.body')} rules={[{ required: true, whitespace: true, message: t('inputs.required', { field: t('office.notices.body') }) }]}>
          <Input.TextArea rows={6} maxLength={5000} showCount />
        </Form.Item>
        <Form.Item name="units" label={t('office.notices.units')} extra={t('office.notices.unitsHelp')}>
          <Input.TextArea rows={2} />
        </Form.Item>
        <Form.Item name="roles" label={t('office.notices.roles')} extra={t('office.notices.rolesHelp')}>
          <Select mode="multiple" options={ROLES.map((r) => ({ value: r, label: t(`roles.${r}`) }))} />
        </Form.Item>
        <Form.Item name="askReturn" label={t('office.notices.askReturn')} valuePropName="checked">
          <Switch />
        </Form.Item>
        {askReturn && (
          <>
            <Form.Item name="instructions" label={t('office.notices.instructions')} rules={[{ required: true, whitespace: true, message: t('inputs.required', { field: t('office.notices.instructions') }) }]}>
              <Input.TextArea rows={2} maxLength={1000} />
            </Form.Item>
            <Form.Item name="deadline" label={t('office.notices.returnDeadline')} rules={[{ required: true, message: t('inputs.required', { field: t('office.notices.returnDeadline') }) }]}>
              <DatePicker showTime needConfirm={false} format="YYYY-MM-DD HH:mm" />
            </Form.Item>
          </>
        )}
      </Form>
    </Drawer>
  );
}
