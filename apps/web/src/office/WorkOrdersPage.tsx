import { useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { Alert, App, Button, Card, DatePicker, Descriptions, Drawer, Form, Input, InputNumber, Select, Space, Switch, Table, Tag, Timeline, Typography, type FormInstance } from 'antd';
import { PlusOutlined } from '@ant-design/icons';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import type { Dayjs } from 'dayjs';
import { api, ApiError, unwrap } from '../shared/api/client';
import type { Json } from '../shared/api/types';
import type { paths as ServiceOffice } from '../shared/api/generated/service-office';
import { hasAnyRole, type Role } from '../shared/auth/auth';
import { useAuth } from '../shared/auth/AuthProvider';
import { hasService } from '../shared/config/runtime-config';
import { formatDateTime, formatPercent } from '../shared/format/format';
import { localName } from '../shared/i18n/i18n';
import { EvidenceField } from '../cases/EvidenceField';
import './office-i18n';

type WorkOrder = Json<ServiceOffice['/api/v1/work-orders']['get']>['items'][number];
type Detail = Json<ServiceOffice['/api/v1/work-orders/{id}']['get']>;
type Kpi = Json<ServiceOffice['/api/v1/work-orders/kpis']['get']>['items'][number];
type Step = 'acknowledge' | 'arrive' | 'resolve' | 'decline' | 'urge' | 'withdraw';

const WHISTLERS: Role[] = ['community-staff', 'street-staff', 'district-staff'];
const STATUS_COLOR: Record<string, string> = { whistled: 'orange', acknowledged: 'blue', arrived: 'cyan', resolved: 'green', declined: 'red', withdrawn: 'default' };

/** 吹哨报到: the tier's work orders, whistling departments in, and each work order's receipts and steps. */
export function WorkOrdersPage() {
  const { t } = useTranslation();
  const { principal } = useAuth();
  const [status, setStatus] = useState<string>();
  const [overdue, setOverdue] = useState(false);
  const [page, setPage] = useState(1);
  const [whistling, setWhistling] = useState(false);
  const [params, setParams] = useSearchParams();
  const openId = params.get('open') ?? undefined;
  const setOpenId = (id: string | undefined) => setParams(id ? { open: id } : {}, { replace: true });
  const enabled = hasService('service-office');
  const list = useQuery({
    queryKey: ['work-orders', status, overdue, page],
    enabled,
    queryFn: () =>
      unwrap(api.office.GET('/api/v1/work-orders', { params: { query: { ...(status && { status: status as never }), ...(overdue && { overdue: 'true' as const }), limit: 20, offset: (page - 1) * 20 } } })),
  });
  const departments = useDepartmentNames();
  if (!enabled) return <Alert type="info" showIcon message={t('office.serviceMissing')} style={{ margin: 16 }} />;
  const whistler = hasAnyRole(principal, WHISTLERS);

  return (
    <div className="gm-page">
      <Card
        title={t('office.workOrders.title')}
        extra={whistler && <Button type="primary" icon={<PlusOutlined />} onClick={() => setWhistling(true)}>{t('office.workOrders.whistle')}</Button>}
      >
        <Typography.Paragraph type="secondary">{t('office.workOrders.hint')}</Typography.Paragraph>
        <Space wrap style={{ marginBottom: 12 }}>
          <Select
            aria-label={t('office.workOrders.status')}
            style={{ width: 160 }}
            allowClear
            placeholder={t('office.workOrders.allStatuses')}
            value={status}
            onChange={(v) => {
              setStatus(v);
              setPage(1);
            }}
            options={['whistled', 'acknowledged', 'arrived', 'resolved', 'declined', 'withdrawn'].map((s) => ({ value: s, label: t(`office.woStatus.${s}`) }))}
          />
          <Space>
            <Switch aria-label={t('office.workOrders.overdueOnly')} checked={overdue} onChange={(v) => { setOverdue(v); setPage(1); }} />
            {t('office.workOrders.overdueOnly')}
          </Space>
        </Space>
        {list.error && <Alert type="error" showIcon message={list.error.message} />}
        <Table<WorkOrder>
          rowKey="id"
          loading={list.isLoading}
          dataSource={list.data?.items ?? []}
          locale={{ emptyText: t('office.workOrders.empty') }}
          scroll={{ x: 900 }}
          pagination={{ current: page, pageSize: 20, total: list.data?.total ?? 0, onChange: setPage, showSizeChanger: false }}
          onRow={(w) => ({ onClick: () => setOpenId(w.id), style: { cursor: 'pointer' } })}
          columns={[
            { title: t('office.workOrders.no'), dataIndex: 'no', render: (no: string, w) => <Button type="link" style={{ padding: 0 }} onClick={() => setOpenId(w.id)}>{no}</Button> },
            { title: t('office.workOrders.subject'), dataIndex: 'title' },
            { title: t('office.workOrders.department'), dataIndex: 'department', render: (d: string) => departments.get(d) ?? d },
            {
              title: t('office.workOrders.status'),
              key: 'status',
              render: (_, w) => (
                <Space size={4} wrap>
                  <Tag color={STATUS_COLOR[w.status]}>{t(`office.woStatus.${w.status}`)}</Tag>
                  {w.overdue.map((o) => <Tag key={o} color="red">{t(`office.overdue.${o}`)}</Tag>)}
                </Space>
              ),
            },
            { title: t('office.workOrders.arriveBy'), dataIndex: 'arriveBy', render: formatDateTime },
            { title: t('office.workOrders.deadline'), dataIndex: 'deadline', render: formatDateTime },
            { title: t('office.workOrders.case'), dataIndex: 'caseNo', render: (v: string | null) => v ?? t('office.none') },
          ]}
        />
      </Card>
      <DepartmentKpis />
      {whistling && <WhistleDrawer onClose={() => setWhistling(false)} />}
      {openId && <WorkOrderDrawer id={openId} onClose={() => setOpenId(undefined)} />}
    </div>
  );
}

/** Department names by code, in the page's language. */
export function useDepartmentNames(): Map<string, string> {
  const { i18n } = useTranslation();
  const q = useQuery({ queryKey: ['departments'], enabled: hasService('service-office'), queryFn: () => unwrap(api.office.GET('/api/v1/departments')) });
  return new Map((q.data?.items ?? []).map((d) => [d.code, localName({ zh: d.nameZh, en: d.nameEn }, i18n.language)]));
}

/** 部门考核: the departments' answer, arrival and resolution rates over the work orders of the last 30 days (also on the assessment page). */
export function DepartmentKpis() {
  const { t } = useTranslation();
  const departments = useDepartmentNames();
  const q = useQuery({ queryKey: ['work-order-kpis'], enabled: hasService('service-office'), queryFn: () => unwrap(api.office.GET('/api/v1/work-orders/kpis')) });
  if (!hasService('service-office')) return null;
  return (
    <Card title={t('office.workOrders.kpiTitle')} style={{ marginTop: 16 }}>
      <Typography.Paragraph type="secondary">{t('office.workOrders.kpiHint')}</Typography.Paragraph>
      {q.error && <Alert type="error" showIcon message={q.error.message} />}
      <Table<Kpi>
        rowKey="department"
        size="small"
        loading={q.isLoading}
        pagination={false}
        dataSource={q.data?.items ?? []}
        locale={{ emptyText: t('common.empty') }}
        scroll={{ x: 700 }}
        columns={[
          { title: t('office.workOrders.department'), dataIndex: 'department', render: (d: string) => departments.get(d) ?? d },
          { title: t('office.workOrders.total'), dataIndex: 'total' },
          { title: t('office.workOrders.open'), dataIndex: 'open' },
          { title: t('office.workOrders.responseRate'), dataIndex: 'responseRate', render: (v: number | null) => formatPercent(v) },
          { title: t('office.workOrders.onTimeArrivalRate'), dataIndex: 'onTimeArrivalRate', render: (v: number | null) => formatPercent(v) },
          { title: t('office.workOrders.resolutionRate'), dataIndex: 'resolutionRate', render: (v: number | null) => formatPercent(v) },
          { title: t('office.workOrders.urged'), dataIndex: 'urged' },
        ]}
      />
    </Card>
  );
}

interface WhistleValues {
  departments: string[];
  caseNo?: string;
  gridCode?: string;
  title: string;
  needed: string;
  address: string;
  latitude?: number;
  longitude?: number;
  arriveBy: Dayjs;
  deadline: Dayjs;
  respondWithinMinutes?: number;
}

function WhistleDrawer({ onClose }: { onClose: () => void }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const client = useQueryClient();
  const [form] = Form.useForm<WhistleValues>();
  const departments = useDepartmentNames();
  const whistle = useMutation({
    mutationFn: (v: WhistleValues) =>
      unwrap(
        api.office.POST('/api/v1/work-orders', {
          body: {
            departments: v.departments,
            ...(v.caseNo?.trim() && { caseNo: v.caseNo.trim() }),
            ...(v.gridCode?.trim() && { gridCode: v.gridCode.trim() }),
            title: v.title,
            needed: v.needed,
            place: { address: v.address, ...(v.latitude !== undefined && v.longitude !== undefined && v.latitude !== null && v.longitude !== null && { location: { latitude: v.latitude, longitude: v.longitude } }) },
            arriveBy: v.arriveBy.toISOString(),
            deadline: v.deadline.toISOString(),
            ...(v.respondWithinMinutes && { respondWithinMinutes: v.respondWithinMinutes }),
          },
        }),
      ),
    onSuccess: (r) => {
      message.success(t('office.workOrders.created', { count: r.items.length }));
      void client.invalidateQueries({ queryKey: ['work-orders'] });
      void client.invalidateQueries({ queryKey: ['work-order-kpis'] });
      onClose();
    },
    onError: (err) => showFieldErrors(form, err, message, { 'place.address': 'address', 'place.location.latitude': 'latitude', 'place.location.longitude': 'longitude' }),
  });
  return (
    <Drawer
      open
      title={t('office.workOrders.whistleTitle')}
      width={560}
      onClose={onClose}
      destroyOnHidden
      extra={<Button type="primary" loading={whistle.isPending} onClick={() => void form.validateFields().then((v) => whistle.mutate(v))}>{t('office.workOrders.whistle')}</Button>}
    >
      <Form form={form} layout="vertical">
        <Form.Item name="departments" label={t('office.workOrders.departments')} rules={[{ required: true, message: t('inputs.required', { field: t('office.workOrders.departments') }) }]}>
          <Select mode="multiple" options={[...departments].map(([value, label]) => ({ value, label }))} optionFilterProp="label" />
        </Form.Item>
        <Form.Item name="title" label={t('office.workOrders.titleField')} rules={[{ required: true, whitespace: true, message: t('inputs.required', { field: t('office.workOrders.titleField') }) }]}>
          <Input maxLength={100} />
        </Form.Item>
        <Form.Item name="needed" label={t('office.workOrders.needed')} rules={[{ required: true, whitespace: true, message: t('inputs.required', { field: t('office.workOrders.needed') }) }]}>
          <Input.TextArea rows={3} maxLength={1000} showCount />
        </Form.Item>
        <Form.Item name="address" label={t('office.workOrders.address')} rules={[{ required: true, whitespace: true, message: t('inputs.required', { field: t('office.workOrders.address') }) }]}>
          <Input maxLength={200} />
        </Form.Item>
        <Space align="start" wrap>
          <Form.Item name="latitude" label={t('office.workOrders.latitude')} extra={t('office.workOrders.placeHelp')}>
            <InputNumber min={-90} max={90} step={0.0001} style={{ width: 160 }} />
          </Form.Item>
          <Form.Item name="longitude" label={t('office.workOrders.longitude')}>
            <InputNumber min={-180} max={180} step={0.0001} style={{ width: 160 }} />
          </Form.Item>
        </Space>
        <Space align="start" wrap>
          <Form.Item name="arriveBy" label={t('office.workOrders.arriveBy')} rules={[{ required: true, message: t('inputs.required', { field: t('office.workOrders.arriveBy') }) }]}>
            <DatePicker showTime needConfirm={false} format="YYYY-MM-DD HH:mm" />
          </Form.Item>
          <Form.Item name="deadline" label={t('office.workOrders.deadline')} rules={[{ required: true, message: t('inputs.required', { field: t('office.workOrders.deadline') }) }]}>
            <DatePicker showTime needConfirm={false} format="YYYY-MM-DD HH:mm" />
          </Form.Item>
        </Space>
        <Form.Item name="respondWithinMinutes" label={t('office.workOrders.respondWithin')}>
          <InputNumber min={5} max={10080} style={{ width: 160 }} />
        </Form.Item>
        <Form.Item name="caseNo" label={t('office.workOrders.caseNo')}>
          <Input maxLength={40} />
        </Form.Item>
        <Form.Item name="gridCode" label={t('office.workOrders.gridCode')} extra={t('office.workOrders.gridHelp')}>
          <Input maxLength={20} />
        </Form.Item>
      </Form>
    </Drawer>
  );
}

/** The API's field errors next to the fields they name (with a map for nested names), else a message. */
export function showFieldErrors<T>(
  form: FormInstance<T>,
  err: unknown,
  message: { error: (s: string) => unknown },
  rename: Record<string, string> = {},
): void {
  const fields = err instanceof ApiError ? err.fieldErrors : [];
  const known = new Set(Object.keys(form.getFieldsValue(true) as object));
  const placed = fields.filter((f) => known.has(rename[f.field] ?? f.field.split('.')[0]!) || rename[f.field]);
  if (placed.length === 0) return void message.error(err instanceof Error ? err.message : String(err));
  form.setFields(placed.map((f) => ({ name: (rename[f.field] ?? f.field.split('.')[0]!) as never, errors: [f.message] })));
}

function WorkOrderDrawer({ id, onClose }: { id: string; onClose: () => void }) {
  const { t } = useTranslation();
  const { principal } = useAuth();
  const { message } = App.useApp();
  const client = useQueryClient();
  const departments = useDepartmentNames();
  const [step, setStep] = useState<Step>();
  const [form] = Form.useForm<{ note?: string; reason?: string; latitude?: number; longitude?: number }>();
  const [evidence, setEvidence] = useState<string[]>([]);
  const q = useQuery({ queryKey: ['work-order', id], queryFn: () => unwrap(api.office.GET('/api/v1/work-orders/{id}', { params: { path: { id } } })) });
  const act = useMutation({
    mutationFn: async (v: { note?: string; reason?: string; latitude?: number; longitude?: number }) => {
      const path = { params: { path: { id } } };
      switch (step) {
        case 'acknowledge':
          return unwrap(api.office.POST('/api/v1/work-orders/{id}/acknowledge', { ...path, body: { ...(v.note && { note: v.note }) } }));
        case 'arrive':
          return unwrap(api.office.POST('/api/v1/work-orders/{id}/arrive', { ...path, body: { location: { latitude: v.latitude!, longitude: v.longitude! }, ...(v.note && { note: v.note }) } }));
        case 'resolve':
          return unwrap(api.office.POST('/api/v1/work-orders/{id}/resolve', { ...path, body: { note: v.note ?? '', evidence } }));
        case 'decline':
          return unwrap(api.office.POST('/api/v1/work-orders/{id}/decline', { ...path, body: { reason: v.reason ?? '' } }));
        case 'urge':
          return unwrap(api.office.POST('/api/v1/work-orders/{id}/urge', { ...path, body: { ...(v.note && { note: v.note }) } }));
        default:
          return unwrap(api.office.POST('/api/v1/work-orders/{id}/withdraw', { ...path, body: { reason: v.reason ?? '' } }));
      }
    },
    onSuccess: (d) => {
      message.success(t('office.workOrders.done'));
      client.setQueryData(['work-order', id], d);
      void client.invalidateQueries({ queryKey: ['work-orders'] });
      void client.invalidateQueries({ queryKey: ['work-order-kpis'] });
      setStep(undefined);
      setEvidence([]);
      form.resetFields();
    },
    onError: (err) => showFieldErrors(form, err, message, { 'location.latitude': 'latitude', 'location.longitude': 'longitude', location: 'latitude', evidence: 'note' }),
  });
  const w = q.data as Detail | undefined;
  const open = w && ['whistled', 'acknowledged', 'arrived'].includes(w.status);
  const ours = w && principal.roles.includes('department') && principal.department === w.department;
  const whistler = w && hasAnyRole(principal, WHISTLERS);
  const steps: Step[] = !w || !open ? [] : [
    ...(ours && w.status === 'whistled' ? (['acknowledge'] as const) : []),
    ...(ours && w.status !== 'arrived' ? (['arrive'] as const) : []),
    ...(ours && w.status === 'arrived' ? (['resolve'] as const) : []),
    ...(ours ? (['decline'] as const) : []),
    ...(whistler ? (['urge', 'withdraw'] as const) : []),
  ];
  const needs = (f: 'note' | 'reason' | 'location' | 'evidence') =>
    (f === 'reason' && (step === 'decline' || step === 'withdraw')) || (f === 'location' && step === 'arrive') || (f === 'evidence' && step === 'resolve') || (f === 'note' && step !== 'decline' && step !== 'withdraw');

  return (
    <Drawer open title={w ? `${w.no} · ${w.title}` : t('common.loading')} width={640} onClose={onClose} destroyOnHidden>
      {q.error && <Alert type="error" showIcon message={q.error.message} />}
      {w && (
        <>
          <Space wrap style={{ marginBottom: 12 }}>
            <Tag color={STATUS_COLOR[w.status]}>{t(`office.woStatus.${w.status}`)}</Tag>
            {w.overdue.map((o) => <Tag key={o} color="red">{t(`office.overdue.${o}`)}</Tag>)}
            {w.urgeCount > 0 && <Tag color="volcano">{t('office.workOrders.urgeCount', { count: w.urgeCount })}</Tag>}
          </Space>
          <Descriptions column={1} size="small" bordered>
            <Descriptions.Item label={t('office.workOrders.department')}>{departments.get(w.department) ?? w.department}</Descriptions.Item>
            <Descriptions.Item label={t('office.workOrders.needed')}>{w.needed}</Descriptions.Item>
            <Descriptions.Item label={t('office.workOrders.address')}>{w.place.address}</Descriptions.Item>
            <Descriptions.Item label={t('office.workOrders.arriveBy')}>{formatDateTime(w.arriveBy)}</Descriptions.Item>
            <Descriptions.Item label={t('office.workOrders.deadline')}>{formatDateTime(w.deadline)}</Descriptions.Item>
            <Descriptions.Item label={t('office.workOrders.case')}>{w.caseNo ? <Link to={`/cases?q=${encodeURIComponent(w.caseNo)}`}>{w.caseNo}</Link> : t('office.none')}</Descriptions.Item>
          </Descriptions>
          <Typography.Title level={5} style={{ marginTop: 16 }}>{t('office.workOrders.receipts')}</Typography.Title>
          <Timeline
            items={w.receipts.map((r) => ({
              color: r.action === 'urge' ? 'red' : r.action === 'resolve' ? 'green' : 'blue',
              children: (
                <Space direction="vertical" size={0}>
                  <Typography.Text strong>{t(`office.woAction.${r.action}`)}</Typography.Text>
                  <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                    {formatDateTime(r.at)} · {r.actor.role === 'scheduler' ? t('office.workOrders.byScheduler') : `${r.actor.name ?? ''} (${t(`roles.${r.actor.role}`, { defaultValue: r.actor.role })})`}
                  </Typography.Text>
                  {r.note && <Typography.Text>{r.note.startsWith('overdue: ') ? t(`office.overdue.${r.note.slice(9)}`) : r.note}</Typography.Text>}
                  {r.distanceM !== null && <Typography.Text type="secondary">{t('office.workOrders.distance', { m: r.distanceM })}</Typography.Text>}
                </Space>
              ),
            }))}
          />
          {steps.length > 0 && (
            <Space wrap>
              {steps.map((s) => (
                <Button
                  key={s}
                  type={step === s ? 'primary' : 'default'}
                  danger={s === 'decline' || s === 'withdraw'}
                  onClick={() => {
                    setStep(s);
                    if (s === 'arrive' && w.place.location) form.setFieldsValue({ latitude: w.place.location.latitude, longitude: w.place.location.longitude });
                  }}
                >
                  {t(`office.workOrders.${s}`)}
                </Button>
              ))}
            </Space>
          )}
          {step && (
            <Card size="small" style={{ marginTop: 12 }} title={t(`office.workOrders.${step}`)}>
              <Form form={form} layout="vertical" onFinish={(v) => act.mutate(v)}>
                {needs('location') && (
                  <Space align="start" wrap>
                    <Form.Item name="latitude" label={t('office.workOrders.latitude')} rules={[{ required: true, message: t('inputs.required', { field: t('office.workOrders.latitude') }) }]}>
                      <InputNumber min={-90} max={90} step={0.0001} style={{ width: 160 }} />
                    </Form.Item>
                    <Form.Item name="longitude" label={t('office.workOrders.longitude')} rules={[{ required: true, message: t('inputs.required', { field: t('office.workOrders.longitude') }) }]}>
                      <InputNumber min={-180} max={180} step={0.0001} style={{ width: 160 }} />
                    </Form.Item>
                  </Space>
                )}
                {needs('note') && (
                  <Form.Item name="note" label={t('office.workOrders.note')} rules={step === 'resolve' ? [{ required: true, whitespace: true, message: t('inputs.required', { field: t('office.workOrders.note') }) }] : []}>
                    <Input.TextArea rows={2} maxLength={1000} />
                  </Form.Item>
                )}
                {needs('reason') && (
                  <Form.Item name="reason" label={t('office.workOrders.reason')} rules={[{ required: true, whitespace: true, message: t('inputs.required', { field: t('office.workOrders.reason') }) }]}>
                    <Input.TextArea rows={2} maxLength={1000} />
                  </Form.Item>
                )}
                {needs('evidence') && <EvidenceField value={evidence} onChange={setEvidence} />}
                <Button type="primary" htmlType="submit" loading={act.isPending} disabled={needs('evidence') && evidence.length === 0}>
                  {t('common.submit')}
                </Button>
              </Form>
            </Card>
          )}
        </>
      )}
    </Drawer>
  );
}
