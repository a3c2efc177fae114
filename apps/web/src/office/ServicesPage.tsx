import { useState } from 'react';
import { Alert, App, Button, Card, Checkbox, Drawer, Form, Input, Select, Space, Steps, Table, Tag, Timeline, Typography } from 'antd';
import { PlusOutlined } from '@ant-design/icons';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { api, ApiError, unwrap } from '../shared/api/client';
import type { Json } from '../shared/api/types';
import type { paths as ServiceOffice } from '../shared/api/generated/service-office';
import { hasAnyRole, type Role } from '../shared/auth/auth';
import { useAuth } from '../shared/auth/AuthProvider';
import { hasService } from '../shared/config/runtime-config';
import { formatDateTime } from '../shared/format/format';
import { localName } from '../shared/i18n/i18n';
import { showFieldErrors } from './WorkOrdersPage';
import './office-i18n';

type Catalogue = Json<ServiceOffice['/api/v1/resident-services']['get']>['items'];
type Request = Json<ServiceOffice['/api/v1/service-requests']['get']>['items'][number];
const TAKERS: Role[] = ['grid-worker', 'grid-leader', 'community-staff'];
const HANDLERS: Role[] = ['community-staff', 'street-staff', 'district-staff'];
const STATUS_COLOR: Record<string, string> = { open: 'blue', completed: 'green', rejected: 'red' };

function useCatalogue(): Catalogue {
  const q = useQuery({ queryKey: ['resident-services'], enabled: hasService('service-office'), staleTime: Infinity, queryFn: () => unwrap(api.office.GET('/api/v1/resident-services')) });
  return q.data?.items ?? [];
}

/** 代办服务: requests taken for residents of the area, each through its service's steps to completion. */
export function ServicesPage() {
  const { t, i18n } = useTranslation();
  const { principal } = useAuth();
  const catalogue = useCatalogue();
  const [status, setStatus] = useState<string>();
  const [page, setPage] = useState(1);
  const [taking, setTaking] = useState(false);
  const [openId, setOpenId] = useState<string>();
  const q = useQuery({
    queryKey: ['service-requests', status, page],
    enabled: hasService('service-office'),
    queryFn: () => unwrap(api.office.GET('/api/v1/service-requests', { params: { query: { ...(status && { status: status as never }), limit: 20, offset: (page - 1) * 20 } } })),
  });
  if (!hasService('service-office')) return <Alert type="info" showIcon message={t('office.serviceMissing')} style={{ margin: 16 }} />;
  const def = (code: string) => catalogue.find((c) => c.code === code);
  const stepName = (r: Request) => localName(def(r.serviceCode)?.steps.find((s) => s.code === r.step), i18n.language) || r.step;
  return (
    <div className="gm-page">
      <Card title={t('office.services.title')} extra={hasAnyRole(principal, TAKERS) && <Button type="primary" icon={<PlusOutlined />} onClick={() => setTaking(true)}>{t('office.services.take')}</Button>}>
        <Typography.Paragraph type="secondary">{t('office.services.hint')}</Typography.Paragraph>
        <Select aria-label={t('office.services.status')} allowClear style={{ width: 160, marginBottom: 12 }} placeholder={t('office.workOrders.allStatuses')} value={status} onChange={(v) => { setStatus(v); setPage(1); }} options={['open', 'completed', 'rejected'].map((s) => ({ value: s, label: t(`office.srStatus.${s}`) }))} />
        {q.error && <Alert type="error" showIcon message={q.error.message} />}
        <Table<Request>
          rowKey="id"
          loading={q.isLoading}
          dataSource={q.data?.items ?? []}
          locale={{ emptyText: t('office.services.empty') }}
          scroll={{ x: 900 }}
          pagination={{ current: page, pageSize: 20, total: q.data?.total ?? 0, onChange: setPage, showSizeChanger: false }}
          columns={[
            { title: t('office.workOrders.no'), dataIndex: 'no', render: (no: string, r) => <Button type="link" style={{ padding: 0 }} onClick={() => setOpenId(r.id)}>{no}</Button> },
            { title: t('office.services.service'), dataIndex: 'serviceCode', render: (c: string) => localName(def(c), i18n.language) || c },
            { title: t('office.services.status'), key: 'status', render: (_, r) => <Space size={4}><Tag color={STATUS_COLOR[r.status]}>{t(`office.srStatus.${r.status}`)}</Tag>{r.overdue && <Tag color="red">{t('office.services.overdue')}</Tag>}</Space> },
            { title: t('office.services.step'), key: 'step', render: (_, r) => stepName(r) },
            { title: t('office.services.materials'), key: 'missing', render: (_, r) => (r.missingMaterials.length ? <Tag color="orange">{t('office.services.missing', { list: r.missingMaterials.map((m) => localName(def(r.serviceCode)?.materials.find((x) => x.code === m), i18n.language)).join('、') })}</Tag> : '✓') },
            { title: t('office.services.deadline'), dataIndex: 'deadline', render: formatDateTime },
            { title: t('office.services.takenBy'), dataIndex: 'takenBy' },
          ]}
        />
      </Card>
      {taking && <TakeDrawer catalogue={catalogue} onClose={() => setTaking(false)} onTaken={(id) => { setTaking(false); setOpenId(id); }} />}
      {openId && <RequestDrawer id={openId} catalogue={catalogue} onClose={() => setOpenId(undefined)} />}
    </div>
  );
}

function TakeDrawer({ catalogue, onClose, onTaken }: { catalogue: Catalogue; onClose: () => void; onTaken: (id: string) => void }) {
  const { t, i18n } = useTranslation();
  const { message } = App.useApp();
  const client = useQueryClient();
  const [form] = Form.useForm<{ serviceCode: string; residentId: string; materials?: string[]; note?: string }>();
  const code = Form.useWatch('serviceCode', form);
  const def = catalogue.find((c) => c.code === code);
  const take = useMutation({
    mutationFn: (v: { serviceCode: string; residentId: string; materials?: string[]; note?: string }) =>
      unwrap(api.office.POST('/api/v1/service-requests', { body: { serviceCode: v.serviceCode, residentId: v.residentId.trim(), materials: v.materials ?? [], ...(v.note && { note: v.note }) } })),
    onSuccess: (r) => {
      message.success(t('office.services.taken', { no: r.no }));
      void client.invalidateQueries({ queryKey: ['service-requests'] });
      onTaken(r.id);
    },
    onError: (err) => showFieldErrors(form, err, message),
  });
  return (
    <Drawer open width={520} title={t('office.services.takeTitle')} onClose={onClose} destroyOnHidden extra={<Button type="primary" loading={take.isPending} onClick={() => void form.validateFields().then((v) => take.mutate(v))}>{t('office.services.take')}</Button>}>
      <Form form={form} layout="vertical">
        <Form.Item name="serviceCode" label={t('office.services.service')} rules={[{ required: true, message: t('inputs.required', { field: t('office.services.service') }) }]}>
          <Select options={catalogue.map((c) => ({ value: c.code, label: `${localName(c, i18n.language)}（${t('office.services.timeLimit', { days: c.timeLimitDays })}）` }))} />
        </Form.Item>
        <Form.Item name="residentId" label={t('office.services.resident')} extra={t('office.services.residentHelp')} rules={[{ required: true, whitespace: true, message: t('inputs.required', { field: t('office.services.resident') }) }]}>
          <Input maxLength={36} />
        </Form.Item>
        {def && (
          <Form.Item name="materials" label={t('office.services.materials')}>
            <Checkbox.Group options={def.materials.map((m) => ({ value: m.code, label: `${localName(m, i18n.language)}${m.required ? ' *' : ''}` }))} style={{ display: 'flex', flexDirection: 'column', gap: 4 }} />
          </Form.Item>
        )}
        <Form.Item name="note" label={t('office.workOrders.note')}>
          <Input.TextArea rows={2} maxLength={500} />
        </Form.Item>
      </Form>
    </Drawer>
  );
}

function RequestDrawer({ id, catalogue, onClose }: { id: string; catalogue: Catalogue; onClose: () => void }) {
  const { t, i18n } = useTranslation();
  const { principal } = useAuth();
  const { message } = App.useApp();
  const client = useQueryClient();
  const [note, setNote] = useState('');
  const q = useQuery({ queryKey: ['service-request', id], queryFn: () => unwrap(api.office.GET('/api/v1/service-requests/{id}', { params: { path: { id } } })) });
  const [materials, setMaterials] = useState<string[]>();
  const after = (r: unknown) => {
    client.setQueryData(['service-request', id], r);
    void client.invalidateQueries({ queryKey: ['service-requests'] });
    setNote('');
    setMaterials(undefined);
  };
  // A refused step says why (the missing materials, by name).
  const onError = (err: Error) => void message.error(err instanceof ApiError && err.body?.detail ? `${err.message}：${err.body.detail}` : err.message);
  const path = { params: { path: { id } } };
  const advance = useMutation({ mutationFn: () => unwrap(api.office.POST('/api/v1/service-requests/{id}/advance', { ...path, body: { ...(note && { note }) } })), onSuccess: after, onError });
  const reject = useMutation({ mutationFn: () => unwrap(api.office.POST('/api/v1/service-requests/{id}/reject', { ...path, body: { reason: note } })), onSuccess: after, onError });
  const save = useMutation({ mutationFn: () => unwrap(api.office.POST('/api/v1/service-requests/{id}/materials', { ...path, body: { materials: materials ?? [] } })), onSuccess: after, onError });
  const r = q.data;
  const def = r && catalogue.find((c) => c.code === r.serviceCode);
  const handler = hasAnyRole(principal, HANDLERS);
  return (
    <Drawer open width={640} title={r ? `${r.no} · ${localName(def, i18n.language)}` : t('common.loading')} onClose={onClose} destroyOnHidden>
      {q.error && <Alert type="error" showIcon message={q.error.message} />}
      {r && def && (
        <Space direction="vertical" style={{ width: '100%' }} size="middle">
          <Space wrap>
            <Tag color={STATUS_COLOR[r.status]}>{t(`office.srStatus.${r.status}`)}</Tag>
            {r.overdue && <Tag color="red">{t('office.services.overdue')}</Tag>}
            <Typography.Text type="secondary">{`${t('office.services.deadline')} ${formatDateTime(r.deadline)}`}</Typography.Text>
          </Space>
          <Steps size="small" direction="vertical" current={r.stepIndex} status={r.status === 'rejected' ? 'error' : r.status === 'completed' ? 'finish' : 'process'} items={def.steps.map((s) => ({ title: localName(s, i18n.language) }))} />
          <Card size="small" title={t('office.services.materials')}>
            <Checkbox.Group
              disabled={r.status !== 'open'}
              value={materials ?? r.materials}
              onChange={(v) => setMaterials(v as string[])}
              options={def.materials.map((m) => ({ value: m.code, label: `${localName(m, i18n.language)}${m.required ? ' *' : ''}` }))}
              style={{ display: 'flex', flexDirection: 'column', gap: 4 }}
            />
            {r.status === 'open' && <Button style={{ marginTop: 8 }} disabled={!materials} loading={save.isPending} onClick={() => save.mutate()}>{t('office.services.saveMaterials')}</Button>}
          </Card>
          {r.status === 'open' && handler && (
            <Space direction="vertical" style={{ width: '100%' }}>
              <Input.TextArea aria-label={t('office.workOrders.note')} placeholder={t('office.workOrders.note')} rows={2} maxLength={500} value={note} onChange={(e) => setNote(e.target.value)} />
              <Space>
                <Button type="primary" loading={advance.isPending} onClick={() => advance.mutate()}>{t('office.services.advance')}</Button>
                <Button danger disabled={!note.trim()} loading={reject.isPending} onClick={() => reject.mutate()}>{t('office.services.reject')}</Button>
              </Space>
            </Space>
          )}
          <Typography.Title level={5}>{t('office.services.history')}</Typography.Title>
          <Timeline
            items={r.history.map((h) => ({
              children: (
                <Space direction="vertical" size={0}>
                  <Typography.Text strong>{`${t(`office.srAction.${h.action}`)} · ${localName(def.steps.find((s) => s.code === h.step), i18n.language)}`}</Typography.Text>
                  <Typography.Text type="secondary" style={{ fontSize: 12 }}>{`${formatDateTime(h.at)} · ${h.actor} (${t(`roles.${h.role}`, { defaultValue: h.role })})`}</Typography.Text>
                  {h.note && (
                    <Typography.Text>
                      {h.action === 'materials' ? h.note.split(', ').map((c) => localName(def.materials.find((m) => m.code === c), i18n.language) || c).join('、') : h.note}
                    </Typography.Text>
                  )}
                </Space>
              ),
            }))}
          />
        </Space>
      )}
    </Drawer>
  );
}
