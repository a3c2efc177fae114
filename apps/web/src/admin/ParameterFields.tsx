import { useId } from 'react';
import { Col, Form, Grid, InputNumber, Row, Space, Table, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { formatNumber } from '../shared/format/format';
import type { ParameterKey } from './admin-queries';

export type JsonPath = readonly (string | number)[];

/** The parameters that have a form for their common fields (the rest is edited as JSON only). */
export function hasCommonFields(key: ParameterKey): boolean {
  return key === 'case-rules' || key === 'assessment-scheme';
}

export function valueAt(doc: unknown, path: JsonPath): unknown {
  let v = doc;
  for (const p of path) v = v !== null && typeof v === 'object' ? (v as Record<string | number, unknown>)[p] : undefined;
  return v;
}

/** A copy of `doc` with `value` at `path` (the path exists: the form only shows fields the document has). */
export function withValueAt(doc: unknown, path: JsonPath, value: unknown): unknown {
  const copy = structuredClone(doc) as Record<string | number, unknown>;
  let v = copy;
  for (const p of path.slice(0, -1)) v = v[p] as Record<string | number, unknown>;
  v[path[path.length - 1]!] = value;
  return copy;
}

interface Props {
  readonly paramKey: ParameterKey;
  readonly doc: unknown;
  /** Field errors of the last save, by the API's dotted field name. */
  readonly errors: ReadonlyMap<string, string>;
  readonly onChange: (path: JsonPath, value: unknown) => void;
}

/** A form over the fields of a parameter that are changed most (time limits, grade thresholds); every edit goes into the JSON. */
export function ParameterFields(props: Props) {
  return props.paramKey === 'assessment-scheme' ? <GradeFields {...props} /> : props.paramKey === 'case-rules' ? <CaseRuleFields {...props} /> : null;
}

function NumberField({ label, path, doc, errors, onChange, min = 0, max }: { label: string; path: JsonPath; min?: number; max?: number } & Omit<Props, 'paramKey'>) {
  const id = useId();
  const error = errors.get(path.join('.'));
  const value = valueAt(doc, path);
  if (typeof value !== 'number') return null;
  return (
    <Form.Item label={label} htmlFor={id} validateStatus={error ? 'error' : undefined} help={error && <span id={`${id}-error`}>{error}</span>} style={{ marginBottom: 12 }}>
      <InputNumber
        id={id}
        value={value}
        min={min}
        max={max}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? `${id}-error` : undefined}
        onChange={(v) => v !== null && onChange(path, v)}
        style={{ width: '100%' }}
      />
    </Form.Item>
  );
}

const GRADES = ['excellent', 'good', 'pass'] as const;

function GradeFields(props: Props) {
  const { t } = useTranslation();
  return (
    <Form layout="vertical" component="div">
      <Typography.Title level={5}>{t('admin.fields.gradesTitle')}</Typography.Title>
      <Row gutter={16}>
        {GRADES.map((g) => (
          <Col key={g} xs={24} sm={8}>
            <NumberField {...props} label={t('admin.fields.grade', { grade: t(`kpis.grades.${g}`) })} path={['grades', g]} max={100} />
          </Col>
        ))}
      </Row>
    </Form>
  );
}

interface DeadlineRule {
  readonly step: string;
  readonly category?: string;
  readonly urgency?: string;
  readonly minutes: number;
  readonly clock: string;
}

function CaseRuleFields(props: Props) {
  const { t } = useTranslation();
  const { doc, errors, onChange } = props;
  const idPrefix = useId();
  const deadlines = valueAt(doc, ['deadlines']);
  const rows = Array.isArray(deadlines) ? (deadlines as DeadlineRule[]).map((r, index) => ({ ...r, index })) : [];
  const errorOf = (index: number) =>
    [...errors.entries()]
      .filter(([field]) => field === `deadlines.${index}` || field.startsWith(`deadlines.${index}.`))
      .map(([, message]) => message)
      .join('; ');
  const stepName = (s: string) => t(`admin.fields.steps.${s}`, { defaultValue: s });
  const urgencyName = (u: string | undefined) => (u ? t(`urgency.${u}`, { defaultValue: u }) : t('admin.fields.anyUrgency'));
  const clockName = (c: string) => t(`admin.fields.clocks.${c}`, { defaultValue: c });
  // On a phone the four columns that say what a limit applies to become one, so the limit itself stays in view.
  const narrow = !Grid.useBreakpoint().md;
  return (
    <Form layout="vertical" component="div">
      <Typography.Title level={5}>{t('admin.fields.deadlines')}</Typography.Title>
      <Table<(typeof rows)[number]>
        rowKey="index"
        size="small"
        pagination={false}
        dataSource={rows}
        scroll={narrow ? undefined : { x: 640 }}
        aria-label={t('admin.fields.deadlines')}
        style={{ marginBottom: 16 }}
        columns={[
          ...(narrow
            ? [
                {
                  title: t('admin.fields.appliesTo'),
                  key: 'appliesTo',
                  render: (_: unknown, r: (typeof rows)[number]) => (
                    <Space direction="vertical" size={0}>
                      <Typography.Text strong>{stepName(r.step)}</Typography.Text>
                      <Space size={[8, 0]} wrap>
                        <Typography.Text type="secondary">{r.category ?? t('admin.fields.anyCategory')}</Typography.Text>
                        <Typography.Text type="secondary">{r.urgency ? urgencyName(r.urgency) : t('admin.fields.anyUrgencyLong')}</Typography.Text>
                        <Typography.Text type="secondary">{clockName(r.clock)}</Typography.Text>
                      </Space>
                    </Space>
                  ),
                },
              ]
            : [
                { title: t('admin.fields.step'), dataIndex: 'step', width: 90, render: stepName },
                { title: t('admin.fields.category'), dataIndex: 'category', width: 110, render: (c?: string) => c ?? t('admin.fields.anyCategory') },
                { title: t('admin.fields.urgency'), dataIndex: 'urgency', width: 90, render: urgencyName },
                { title: t('admin.fields.clock'), dataIndex: 'clock', width: 110, render: clockName },
              ]),
          {
            title: t('admin.fields.minutes'),
            key: 'minutes',
            render: (_: unknown, r) => {
              const error = errorOf(r.index);
              const errorId = `${idPrefix}-deadline-${r.index}-error`;
              return (
                <div>
                  <InputNumber
                    aria-label={t('admin.fields.minutesOf', { step: stepName(r.step), category: r.category ?? t('admin.fields.anyCategory'), urgency: r.urgency ? urgencyName(r.urgency) : t('admin.fields.anyUrgencyLong') })}
                    aria-invalid={error ? true : undefined}
                    aria-describedby={error ? errorId : undefined}
                    value={r.minutes}
                    min={1}
                    status={error ? 'error' : undefined}
                    onChange={(v) => v !== null && onChange(['deadlines', r.index, 'minutes'], v)}
                    style={{ width: 110 }}
                  />
                  {r.minutes >= 60 && (
                    <Typography.Text type="secondary" style={{ marginLeft: 8, whiteSpace: 'nowrap' }}>
                      {t('admin.fields.hours', { hours: formatNumber(r.minutes / 60, r.minutes % 60 === 0 ? 0 : 1) })}
                    </Typography.Text>
                  )}
                  {error && (
                    <div id={errorId}>
                      <Typography.Text type="danger">{error}</Typography.Text>
                    </div>
                  )}
                </div>
              );
            },
          },
        ]}
      />
      <Typography.Title level={5}>{t('admin.fields.windows')}</Typography.Title>
      <Row gutter={16}>
        <Col xs={24} sm={8}>
          <NumberField {...props} label={t('admin.fields.reopenWindowMinutes')} path={['reopenWindowMinutes']} />
        </Col>
        <Col xs={24} sm={8}>
          <NumberField {...props} label={t('admin.fields.duplicateRadiusM')} path={['duplicateRadiusM']} />
        </Col>
        <Col xs={24} sm={8}>
          <NumberField {...props} label={t('admin.fields.duplicateWindowHours')} path={['duplicateWindowHours']} />
        </Col>
      </Row>
    </Form>
  );
}
