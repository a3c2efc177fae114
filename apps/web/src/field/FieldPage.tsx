import { useState } from 'react';
import { Alert, App, Button, Card, DatePicker, Form, Input, Modal, Segmented, Space, Table, Tabs, Tag, Typography } from 'antd';
import dayjs, { type Dayjs } from 'dayjs';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { api, ApiError, unwrap } from '../shared/api/client';
import type { Json } from '../shared/api/types';
import type { paths as BaseData } from '../shared/api/generated/base-data';
import type { paths as MobileGateway } from '../shared/api/generated/mobile-gateway';
import { hasAnyRole } from '../shared/auth/auth';
import { useAuth } from '../shared/auth/AuthProvider';
import { hasService } from '../shared/config/runtime-config';
import { formatDateTime } from '../shared/format/format';
import './field-i18n';

type Proposal = Json<BaseData['/api/v1/change-proposals']['get']>['items'][number];
type Diary = Json<MobileGateway['/api/v1/diaries']['get']>['items'][number];
type Handover = Json<MobileGateway['/api/v1/handovers']['get']>['items'][number];
type Status = Proposal['status'];

/**
 * 网格工作: what the grid workers send the community for its decision and record. Changes of base
 * data to confirm or reject (五必报 and others, applied with history once confirmed), the workers'
 * daily logs (民情日记) by day, and the A/B posts: who covers whom, leaves scheduled and ended.
 */
export function FieldPage() {
  const { t } = useTranslation();
  return (
    <div className="gm-page">
      <Typography.Title level={3} style={{ marginTop: 0 }}>
        {t('field.title')}
      </Typography.Title>
      <Tabs
        items={[
          { key: 'proposals', label: t('field.tabs.proposals'), children: <Proposals /> },
          { key: 'diaries', label: t('field.tabs.diaries'), children: <Diaries /> },
          { key: 'handovers', label: t('field.tabs.handovers'), children: <Handovers /> },
        ]}
      />
    </div>
  );
}

function Proposals() {
  const { t } = useTranslation();
  const { principal } = useAuth();
  const { message } = App.useApp();
  const client = useQueryClient();
  const [status, setStatus] = useState<Status>('pending');
  const [rejecting, setRejecting] = useState<Proposal>();
  const [form] = Form.useForm<{ reason: string }>();
  const decide = hasAnyRole(principal, ['community-staff']);
  const list = useQuery({
    queryKey: ['change-proposals', status],
    enabled: hasService('base-data'),
    queryFn: () => unwrap(api.baseData.GET('/api/v1/change-proposals', { params: { query: { status, limit: 100 } } })),
  });
  const done = (text: string) => {
    message.success(text);
    void client.invalidateQueries({ queryKey: ['change-proposals'] });
  };
  const confirm = useMutation({
    mutationFn: (id: string) => unwrap(api.baseData.POST('/api/v1/change-proposals/{id}/confirm', { params: { path: { id } }, body: {} })),
    onSuccess: () => done(t('field.proposals.confirmed')),
    onError: (err) => message.error(err.message),
  });
  const reject = useMutation({
    mutationFn: (v: { id: string; reason: string }) => unwrap(api.baseData.POST('/api/v1/change-proposals/{id}/reject', { params: { path: { id: v.id } }, body: { reason: v.reason } })),
    onSuccess: () => {
      setRejecting(undefined);
      form.resetFields();
      done(t('field.proposals.rejected'));
    },
    onError: (err) => (err instanceof ApiError && err.fieldErrors.length ? form.setFields(err.fieldErrors.map((f) => ({ name: 'reason', errors: [f.message] }))) : message.error(err.message)),
  });
  if (!hasService('base-data')) return <Alert type="info" showIcon message={t('field.proposals.unavailable')} />;

  return (
    <Space direction="vertical" style={{ width: '100%' }}>
      <Typography.Text type="secondary">{t('field.proposals.hint')}</Typography.Text>
      <Segmented<Status>
        aria-label={t('field.proposals.status')}
        value={status}
        onChange={setStatus}
        options={(['pending', 'confirmed', 'rejected'] as const).map((s) => ({ value: s, label: t(`field.proposals.statuses.${s}`) }))}
      />
      {list.error && <Alert type="error" showIcon message={list.error.message} />}
      <Table<Proposal>
        rowKey="id"
        size="middle"
        loading={list.isLoading}
        dataSource={list.data?.items ?? []}
        locale={{ emptyText: t('field.proposals.empty') }}
        pagination={false}
        scroll={{ x: 900 }}
        columns={[
          { title: t('field.proposals.kind'), dataIndex: 'kind', render: (k: Proposal['kind']) => <Tag color="blue">{t(`field.proposals.kinds.${k}`)}</Tag> },
          { title: t('field.proposals.grid'), dataIndex: 'gridCode' },
          {
            title: t('field.proposals.details'),
            key: 'summary',
            render: (_, p) => (
              <Space size={[8, 0]} wrap>
                {Object.entries(p.summary).map(([k, v]) => (
                  <span key={k}>
                    <Typography.Text type="secondary">{t(`field.proposals.keys.${k}`, { defaultValue: k })}</Typography.Text> {typeof v === 'string' ? t(`field.proposals.values.${v}`, { defaultValue: v }) : String(v ?? '—')}
                  </span>
                ))}
              </Space>
            ),
          },
          { title: t('field.proposals.proposer'), dataIndex: 'proposer' },
          { title: t('field.proposals.proposedAt'), dataIndex: 'proposedAt', render: (v: string) => formatDateTime(v) },
          {
            title: t('field.proposals.status'),
            key: 'action',
            render: (_, p) =>
              p.status === 'pending' && decide ? (
                <Space>
                  <Button type="primary" size="small" loading={confirm.isPending && confirm.variables === p.id} onClick={() => confirm.mutate(p.id)} aria-label={`${t('field.proposals.confirm')} ${t(`field.proposals.kinds.${p.kind}`)} ${p.gridCode}`}>
                    {t('field.proposals.confirm')}
                  </Button>
                  <Button danger size="small" onClick={() => setRejecting(p)}>
                    {t('field.proposals.reject')}
                  </Button>
                </Space>
              ) : (
                <Space direction="vertical" size={0}>
                  <Tag color={p.status === 'confirmed' ? 'green' : p.status === 'rejected' ? 'red' : 'gold'}>{t(`field.proposals.statuses.${p.status}`)}</Tag>
                  {p.decidedBy && <Typography.Text type="secondary" style={{ fontSize: 12 }}>{t('field.proposals.decided', { by: p.decidedBy, at: formatDateTime(p.decidedAt) })}</Typography.Text>}
                </Space>
              ),
          },
        ]}
      />
      <Modal
        open={!!rejecting}
        title={t('field.proposals.rejectTitle')}
        okText={t('field.proposals.reject')}
        okButtonProps={{ danger: true, loading: reject.isPending }}
        cancelText={t('common.cancel')}
        onCancel={() => setRejecting(undefined)}
        onOk={() => void form.validateFields().then((v) => reject.mutate({ id: rejecting!.id, reason: v.reason }))}
        destroyOnHidden
      >
        <Form form={form} layout="vertical">
          <Form.Item name="reason" label={t('field.proposals.reason')} rules={[{ required: true, min: 2, whitespace: true, message: t('field.proposals.reasonRequired') }]}>
            <Input.TextArea rows={3} maxLength={500} />
          </Form.Item>
        </Form>
      </Modal>
    </Space>
  );
}

function Diaries() {
  const { t } = useTranslation();
  const [date, setDate] = useState<Dayjs>(dayjs());
  const day = date.format('YYYY-MM-DD');
  const list = useQuery({
    queryKey: ['diaries', day],
    enabled: hasService('mobile-gateway'),
    queryFn: () => unwrap(api.gateway.GET('/api/v1/diaries', { params: { query: { date: day } } })),
  });
  if (!hasService('mobile-gateway')) return <Alert type="info" showIcon message={t('field.handovers.unavailable')} />;
  return (
    <Space direction="vertical" style={{ width: '100%' }}>
      <DatePicker aria-label={t('field.diaries.date')} value={date} onChange={(d) => d && setDate(d)} allowClear={false} disabledDate={(d) => d.isAfter(dayjs(), 'day')} />
      {list.error && <Alert type="error" showIcon message={list.error.message} />}
      {list.data?.items.length === 0 && <Alert type="info" message={t('field.diaries.empty')} />}
      {(list.data?.items ?? []).map((d: Diary) => (
        <Card key={`${d.worker}-${d.date}`} size="small" title={`${d.worker} · ${d.gridCode}`} extra={d.submittedAt ? t('field.diaries.submittedAt', { at: formatDateTime(d.submittedAt) }) : undefined}>
          <Typography.Paragraph type="secondary" style={{ marginBottom: 8 }}>
            {t('field.diaries.facts', { patrols: d.facts.patrols, km: (d.facts.distanceM / 1000).toFixed(1), visits: d.facts.visits, reports: d.facts.reports })}
          </Typography.Paragraph>
          <Typography.Paragraph style={{ whiteSpace: 'pre-wrap', marginBottom: 0 }}>{d.text}</Typography.Paragraph>
        </Card>
      ))}
    </Space>
  );
}

function Handovers() {
  const { t } = useTranslation();
  const { principal } = useAuth();
  const { message } = App.useApp();
  const client = useQueryClient();
  const [form] = Form.useForm<{ worker: string; coveredBy?: string; range: [Dayjs, Dayjs]; note?: string }>();
  const manage = hasAnyRole(principal, ['grid-leader', 'community-staff', 'admin']);
  const list = useQuery({
    queryKey: ['handovers', 'all'],
    enabled: hasService('mobile-gateway'),
    queryFn: () => unwrap(api.gateway.GET('/api/v1/handovers', { params: { query: { limit: 100 } } })),
  });
  const refresh = () => void client.invalidateQueries({ queryKey: ['handovers'] });
  const schedule = useMutation({
    mutationFn: (v: { worker: string; coveredBy?: string | undefined; range: [Dayjs, Dayjs]; note?: string | undefined }) =>
      unwrap(
        api.gateway.POST('/api/v1/handovers', {
          body: { worker: v.worker.trim(), from: v.range[0].toISOString(), until: v.range[1].toISOString(), ...(v.coveredBy?.trim() && { coveredBy: v.coveredBy.trim() }), ...(v.note?.trim() && { note: v.note.trim() }) },
        }),
      ),
    onSuccess: (h) => {
      message.success(t('field.handovers.scheduled_ok', { worker: h.worker, coveredBy: h.coveredBy }));
      form.resetFields();
      refresh();
    },
    onError: (err) => {
      const fields = err instanceof ApiError ? err.fieldErrors : [];
      if (fields.length) form.setFields(fields.map((f) => ({ name: f.field === 'until' || f.field === 'from' ? 'range' : (f.field as 'worker'), errors: [f.message] })));
      else message.error(err.message);
    },
  });
  const end = useMutation({
    mutationFn: (id: string) => unwrap(api.gateway.POST('/api/v1/handovers/{id}/end', { params: { path: { id } } })),
    onSuccess: () => {
      message.success(t('field.handovers.ended_ok'));
      refresh();
    },
    onError: (err) => message.error(err.message),
  });
  if (!hasService('mobile-gateway')) return <Alert type="info" showIcon message={t('field.handovers.unavailable')} />;
  const stateOf = (h: Handover) => (h.active ? 'active' : h.endedAt || (h.until && Date.parse(h.until) <= Date.now()) ? 'ended' : 'scheduled');

  return (
    <Space direction="vertical" style={{ width: '100%' }}>
      <Typography.Text type="secondary">{t('field.handovers.hint')}</Typography.Text>
      {manage && (
        <Card size="small" title={t('field.handovers.schedule')}>
          <Form form={form} layout="inline" onFinish={(v) => schedule.mutate(v)} style={{ rowGap: 8 }}>
            <Form.Item name="worker" label={t('field.handovers.workerAccount')} rules={[{ required: true, whitespace: true, message: t('field.handovers.workerRequired') }]}>
              <Input style={{ width: 140 }} autoComplete="off" />
            </Form.Item>
            <Form.Item name="coveredBy" label={t('field.handovers.coveredByAccount')}>
              <Input style={{ width: 140 }} autoComplete="off" />
            </Form.Item>
            <Form.Item name="range" label={t('field.handovers.range')} rules={[{ required: true, message: t('field.handovers.rangeRequired') }]}>
              <DatePicker.RangePicker showTime={{ format: 'HH:mm' }} format="YYYY-MM-DD HH:mm" />
            </Form.Item>
            <Form.Item name="note" label={t('field.handovers.note')}>
              <Input style={{ width: 200 }} maxLength={500} />
            </Form.Item>
            <Button type="primary" htmlType="submit" loading={schedule.isPending}>
              {t('field.handovers.schedule')}
            </Button>
          </Form>
        </Card>
      )}
      {list.error && <Alert type="error" showIcon message={list.error.message} />}
      <Table<Handover>
        rowKey="id"
        size="middle"
        loading={list.isLoading}
        dataSource={list.data?.items ?? []}
        locale={{ emptyText: t('field.handovers.empty') }}
        pagination={false}
        scroll={{ x: 900 }}
        columns={[
          { title: t('field.handovers.worker'), key: 'worker', render: (_, h) => `${h.worker} · ${h.gridCode}` },
          { title: t('field.handovers.coveredBy'), dataIndex: 'coveredBy' },
          { title: t('field.handovers.reason'), dataIndex: 'reason', render: (r: Handover['reason'], h) => <span>{t(`field.handovers.reasons.${r}`)}{h.note ? ` · ${h.note}` : ''}</span> },
          { title: t('field.handovers.period'), key: 'period', render: (_, h) => `${formatDateTime(h.from)} – ${h.endedAt ? formatDateTime(h.endedAt) : formatDateTime(h.until)}` },
          {
            title: t('field.handovers.state'),
            key: 'state',
            render: (_, h) => {
              const s = stateOf(h);
              return <Tag color={s === 'active' ? 'purple' : s === 'scheduled' ? 'blue' : 'default'}>{t(`field.handovers.${s}`)}</Tag>;
            },
          },
          { title: t('field.handovers.recordedBy'), dataIndex: 'recordedBy' },
          {
            title: '',
            key: 'end',
            render: (_, h) =>
              manage && stateOf(h) !== 'ended' ? (
                <Button size="small" loading={end.isPending && end.variables === h.id} onClick={() => end.mutate(h.id)}>
                  {t('field.handovers.end')}
                </Button>
              ) : null,
          },
        ]}
      />
    </Space>
  );
}
