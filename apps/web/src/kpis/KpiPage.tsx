import { useState } from 'react';
import { Alert, Button, Card, DatePicker, Result, Segmented, Select, Space, Table, Tag, Tooltip, Typography } from 'antd';
import { DownloadOutlined } from '@ant-design/icons';
import dayjs, { type Dayjs } from 'dayjs';
import { useTranslation } from 'react-i18next';
import { authorisedFetch } from '../shared/api/client';
import { hasAnyRole, STAFF_ROLES } from '../shared/auth/auth';
import { useAuth } from '../shared/auth/AuthProvider';
import { formatNumber, formatPercent } from '../shared/format/format';
import { localName } from '../shared/i18n/i18n';
import { levelOf } from '../shared/org-units';
import { useKpis, type KpiQuery, type KpiReport } from './kpi-queries';
import { DepartmentKpis } from '../office/WorkOrdersPage';

type Row = KpiReport['rows'][number];
type Kind = NonNullable<KpiQuery['kind']>;
type Level = NonNullable<KpiQuery['level']>;
const RATE = new Set(['closureRate', 'onTimeClosureRate', 'onTimeDispatchRate', 'reworkRate']);
const SHOWN = ['reported', 'registered', 'closed', 'closureRate', 'onTimeClosureRate', 'onTimeDispatchRate', 'reworkRate', 'overdue', 'urged', 'satisfaction', 'meanHandlingHours', 'patrols', 'visits', 'dataUpdates'] as const;
const GRADE_COLOURS = { excellent: 'green', good: 'blue', pass: 'gold', fail: 'red' } as const;
const LEVELS_BELOW: Record<string, Level[]> = { district: ['street', 'community', 'grid'], street: ['community', 'grid'], community: ['grid'], grid: ['grid'] };

/** 考核评价: the KPIs and grades of a period per unit, person or department of the caller's subtree; CSV export. */
export function KpiPage() {
  const { t, i18n } = useTranslation();
  const { principal } = useAuth();
  const levels = LEVELS_BELOW[levelOf(principal.orgUnit)]!;
  const [kind, setKind] = useState<Kind>('unit');
  const [level, setLevel] = useState<Level>(levels[0]!);
  const [range, setRange] = useState<[Dayjs, Dayjs]>([dayjs().startOf('month'), dayjs()]);
  const q: KpiQuery = { kind, ...(kind === 'unit' && { level }), from: range[0].format('YYYY-MM-DD'), to: range[1].format('YYYY-MM-DD') };
  const report = useKpis(q);
  const [exporting, setExporting] = useState(false);

  if (!hasAnyRole(principal, STAFF_ROLES)) return <Result status="403" title={t('common.notAllowed')} />;

  const exportCsv = async () => {
    setExporting(true);
    try {
      const params = new URLSearchParams(Object.entries(q).map(([k, v]) => [k, String(v)]));
      const res = await authorisedFetch(`/api/v1/kpis/export.csv?${params}`);
      const url = URL.createObjectURL(await res.blob());
      const a = document.createElement('a');
      a.href = url;
      a.download = `kpis-${principal.orgUnit}-${kind}-${q.from}-${q.to}.csv`;
      a.click();
      URL.revokeObjectURL(url);
    } finally {
      setExporting(false);
    }
  };
  const figure = (k: string, v: number | null | undefined) =>
    v === null || v === undefined ? '—' : RATE.has(k) ? formatPercent(v) : k === 'satisfaction' || k === 'meanHandlingHours' ? formatNumber(v, 1) : formatNumber(v);

  return (
    <div className="gm-page">
      <Card
        title={t('kpis.title')}
        extra={
          <Button icon={<DownloadOutlined />} onClick={() => void exportCsv()} loading={exporting}>
            {t('common.exportCsv')}
          </Button>
        }
      >
        <Space wrap style={{ marginBottom: 16 }}>
          <Segmented<Kind>
            aria-label={t('kpis.subject')}
            value={kind}
            onChange={setKind}
            options={(['unit', 'person', 'department'] as const).map((k) => ({ value: k, label: t(`kpis.kinds.${k}`) }))}
          />
          {kind === 'unit' && (
            <Select<Level> aria-label={t('kpis.level')} value={level} onChange={setLevel} style={{ width: 120 }} options={levels.map((l) => ({ value: l, label: t(`levels.${l}`) }))} />
          )}
          <DatePicker.RangePicker
            aria-label={t('common.period')}
            allowClear={false}
            value={range}
            onChange={(v) => v?.[0] && v[1] && setRange([v[0], v[1]])}
            presets={[
              { label: t('kpis.month'), value: [dayjs().startOf('month'), dayjs()] },
              { label: t('kpis.quarter'), value: [dayjs().startOf('month').subtract(dayjs().month() % 3, 'month'), dayjs()] },
              { label: t('kpis.year'), value: [dayjs().startOf('year'), dayjs()] },
            ]}
          />
          {report.data && <Typography.Text type="secondary">{t('kpis.scheme', { version: report.data.schemeVersion })}</Typography.Text>}
          {report.data && report.data.includes.length > 0 && <Typography.Text type="secondary">{t('kpis.children', { tiers: report.data.includes.join('、') })}</Typography.Text>}
        </Space>
        {report.error && <Alert type="error" showIcon message={report.error.message} style={{ marginBottom: 12 }} />}
        <Table<Row>
          rowKey="subject"
          size="small"
          loading={report.isFetching}
          dataSource={report.data?.rows ?? []}
          pagination={{ pageSize: 50, hideOnSinglePage: true }}
          scroll={{ x: 1600 }}
          aria-label={t('kpis.title')}
          locale={{ emptyText: t('common.empty') }}
          columns={[
            {
              title: t('kpis.subject'),
              dataIndex: 'subject',
              fixed: 'left',
              width: 200,
              render: (subject: string, r) => (
                <Space direction="vertical" size={0}>
                  <span>{r.name ? localName(r.name, i18n.language) : subject.length > 20 ? `${subject.slice(0, 8)}…` : subject}</span>
                  {r.name && <Typography.Text type="secondary" style={{ fontSize: 12 }}>{subject}</Typography.Text>}
                </Space>
              ),
            },
            {
              title: t('kpis.index'),
              key: 'index',
              width: 100,
              sorter: (a, b) => (a.assessment.index ?? -1) - (b.assessment.index ?? -1),
              render: (_: unknown, r) => (r.assessment.index === null ? '—' : formatNumber(r.assessment.index, 1)),
            },
            {
              title: t('kpis.grade'),
              key: 'grade',
              width: 120,
              render: (_: unknown, r) =>
                r.assessment.grade === null ? (
                  <Typography.Text type="secondary">{t('kpis.notAssessable')}</Typography.Text>
                ) : (
                  <Tooltip title={r.assessment.vetoes.length > 0 ? t('kpis.vetoed', { items: r.assessment.vetoes.map((v) => localName({ zh: v.nameZh, en: v.nameEn }, i18n.language)).join('、') }) : undefined}>
                    <Tag color={GRADE_COLOURS[r.assessment.grade]}>{t(`kpis.grades.${r.assessment.grade}`)}</Tag>
                  </Tooltip>
                ),
            },
            ...SHOWN.map((k) => ({
              title: t(`kpis.indicators.${k}`),
              key: k,
              width: 110,
              align: 'right' as const,
              render: (_: unknown, r: Row) => figure(k, r.figures[k]),
            })),
          ]}
          summary={() =>
            report.data ? (
              <Table.Summary.Row>
                <Table.Summary.Cell index={0}>{t('common.total', { count: report.data.rows.length })}</Table.Summary.Cell>
                <Table.Summary.Cell index={1} />
                <Table.Summary.Cell index={2} />
                {SHOWN.map((k, i) => (
                  <Table.Summary.Cell key={k} index={i + 3} align="right">
                    {figure(k, report.data.total.figures[k])}
                  </Table.Summary.Cell>
                ))}
              </Table.Summary.Row>
            ) : null
          }
        />
      </Card>
      <DepartmentKpis />
    </div>
  );
}
