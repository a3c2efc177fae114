import { useEffect, useMemo, useRef, useState } from 'react';
import { useSearchParams } from 'react-router';
import { useQueryClient } from '@tanstack/react-query';
import { Alert, Button, Card, Col, Empty, Input, Row, Segmented, Skeleton, Space, Table, Tabs, Tag, Tooltip, Typography, type GetRef } from 'antd';
import { ReloadOutlined, SaveOutlined, UndoOutlined } from '@ant-design/icons';
import { useTranslation } from 'react-i18next';
import { ApiError } from '../shared/api/client';
import { formatDateTime } from '../shared/format/format';
import { AdminOnly } from './AdminOnly';
import { PARAMETER_KEYS, useParameterHistory, useParameters, useSaveParameter, type Parameter, type ParameterHistory, type ParameterItem, type ParameterKey, type ParameterList } from './admin-queries';
import { lineOf, lineRange, linesOfPaths } from './json-paths';
import { hasCommonFields, ParameterFields, withValueAt, type JsonPath } from './ParameterFields';
import './admin-i18n';

/** 运行参数: the tier's versioned parameters (case rules, category catalogue, assessment scheme), edited and saved with their history. */
export function ParametersPage() {
  return (
    <AdminOnly>
      <Parameters />
    </AdminOnly>
  );
}

function Parameters() {
  const { t } = useTranslation();
  const list = useParameters();
  const [params, setParams] = useSearchParams();
  const active = PARAMETER_KEYS.find((k) => k === params.get('key')) ?? PARAMETER_KEYS[0]!;
  const items = list.data?.items ?? [];
  const queryClient = useQueryClient();
  /** Reads the parameters and their histories again; the newest version of `key`. */
  const reload = async (key: ParameterKey) => {
    await queryClient.invalidateQueries({ queryKey: ['parameters'] });
    return queryClient.getQueryData<ParameterList>(['parameters'])?.items.find((p) => p.key === key);
  };

  return (
    <div className="gm-page">
      <Card title={t('admin.parameters')}>
        {list.error && (
          <Alert
            type="error"
            showIcon
            message={list.error.message}
            style={{ marginBottom: 12 }}
            action={<Button onClick={() => void list.refetch()}>{t('common.retry')}</Button>}
          />
        )}
        {list.isLoading ? (
          <Skeleton active paragraph={{ rows: 10 }} />
        ) : list.data && items.length === 0 ? (
          <Empty description={t('common.empty')} />
        ) : (
          list.data && (
            <Tabs
              activeKey={active}
              onChange={(key) => setParams({ key }, { replace: true })}
              items={PARAMETER_KEYS.flatMap((key) => {
                const param = items.find((p) => p.key === key);
                if (!param) return [];
                return [
                  {
                    key,
                    label: (
                      <Space size={6}>
                        {t(`admin.parameterKeys.${key}`)}
                        <Tag style={{ marginInlineEnd: 0 }} color={param.version === 0 ? 'default' : 'blue'}>
                          {t('admin.versionShort', { version: param.version })}
                        </Tag>
                      </Space>
                    ),
                    children: <ParameterPanel param={param} reload={() => reload(key)} />,
                  },
                ];
              })}
            />
          )
        )}
      </Card>
    </div>
  );
}

type Outcome =
  | { readonly kind: 'saved'; readonly version: number }
  | { readonly kind: 'invalid-json'; readonly message: string }
  | { readonly kind: 'fields'; readonly errors: readonly { field: string; message: string }[] }
  | { readonly kind: 'conflict' }
  | { readonly kind: 'failed'; readonly message: string };

const pretty = (value: unknown) => JSON.stringify(value, null, 2);

/** One parameter: its version and last change, an editor (common fields or the whole JSON), save with If-Match, the history beside. */
function ParameterPanel({ param, reload }: { param: ParameterItem; reload: () => Promise<ParameterItem | undefined> }) {
  const { t } = useTranslation();
  const key = param.key;
  const save = useSaveParameter(key);
  const [base, setBase] = useState(() => ({ version: param.version, text: pretty(param.value) }));
  const [text, setText] = useState(base.text);
  const [view, setView] = useState<'fields' | 'json'>(hasCommonFields(key) ? 'fields' : 'json');
  const [outcome, setOutcome] = useState<Outcome>();
  const [reloading, setReloading] = useState(false);
  const editor = useRef<GetRef<typeof Input.TextArea>>(null);
  const dirty = text !== base.text;
  const lines = useMemo(() => linesOfPaths(text), [text]);
  const doc = useMemo(() => (lines ? (JSON.parse(text) as unknown) : undefined), [lines, text]);
  const errors = useMemo(() => {
    const byField = new Map<string, string>();
    if (outcome?.kind === 'fields') for (const e of outcome.errors) byField.set(e.field, byField.has(e.field) ? `${byField.get(e.field)}; ${e.message}` : e.message);
    return byField;
  }, [outcome]);

  const reset = (p: Pick<Parameter, 'version' | 'value'>) => {
    const s = pretty(p.value);
    setBase({ version: p.version, text: s });
    setText(s);
  };

  // A newer version arrived (a reload, a save in another tab) while nothing was edited here: show it.
  useEffect(() => {
    if (param.version !== base.version && !dirty) reset(param);
  }, [param.version]);

  const onSave = () => {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (err) {
      setOutcome({ kind: 'invalid-json', message: err instanceof Error ? err.message : String(err) });
      setView('json');
      return;
    }
    save.mutate(
      { value, version: base.version },
      {
        onSuccess: (saved) => {
          reset(saved);
          setOutcome({ kind: 'saved', version: saved.version });
        },
        onError: (err) => {
          if (err instanceof ApiError && err.status === 409) setOutcome({ kind: 'conflict' });
          else if (err instanceof ApiError && err.status === 400 && err.fieldErrors.length > 0) setOutcome({ kind: 'fields', errors: err.fieldErrors });
          else setOutcome({ kind: 'failed', message: err.message });
        },
      },
    );
  };

  const onReload = async () => {
    setReloading(true);
    try {
      const fresh = await reload();
      if (fresh) reset(fresh);
      setOutcome(undefined);
    } finally {
      setReloading(false);
    }
  };

  /** Shows a line of the JSON: switches to the JSON view, selects the line and scrolls to it. */
  const goToLine = (line: number) => {
    setView('json');
    setTimeout(() => {
      const area = editor.current?.resizableTextArea?.textArea;
      if (!area) return;
      const [start, end] = lineRange(area.value, line);
      area.focus();
      area.setSelectionRange(start, end);
      const height = parseFloat(getComputedStyle(area).lineHeight) || 20;
      area.scrollTop = Math.max(0, (line - 4) * height);
    }, 0);
  };

  const onFieldChange = (path: JsonPath, value: unknown) => {
    if (doc !== undefined) setText(pretty(withValueAt(doc, path, value)));
  };

  return (
    <Row gutter={[16, 16]}>
      <Col xs={24} xl={16}>
        {/* A plain column, not a Space: the save bar below sticks to the foot of the screen only inside a tall parent. */}
        <div style={{ display: 'flex', flexDirection: 'column', gap: 12 }}>
          <div>
            <Space wrap size={[12, 4]}>
              <Tag color={param.version === 0 ? 'default' : 'blue'} style={{ fontSize: 14, padding: '2px 8px' }}>
                {param.version === 0 ? t('admin.defaultVersion') : t('admin.version', { version: param.version })}
              </Tag>
              <Typography.Text type="secondary">{param.updatedAt ? t('admin.updatedAt', { at: formatDateTime(param.updatedAt) }) : t('admin.neverUpdated')}</Typography.Text>
              {dirty && <Tag color="orange">{t('admin.unsaved')}</Tag>}
            </Space>
            <Typography.Paragraph type="secondary" style={{ margin: '8px 0 0' }}>
              {t(`admin.parameterHelp.${key}`)}
            </Typography.Paragraph>
          </div>

          {outcome?.kind === 'saved' && <Alert type="success" showIcon message={t('admin.savedVersion', { version: outcome.version })} closable onClose={() => setOutcome(undefined)} />}
          {outcome?.kind === 'invalid-json' && !lines && <Alert type="error" showIcon message={t('admin.invalidJson', { message: outcome.message })} />}
          {outcome?.kind === 'failed' && <Alert type="error" showIcon message={t('common.failed')} description={outcome.message} />}
          {outcome?.kind === 'conflict' && (
            <Alert
              type="warning"
              showIcon
              message={t('admin.conflict')}
              description={t('admin.conflictDetail')}
              action={
                <Button icon={<ReloadOutlined />} onClick={() => void onReload()} loading={reloading}>
                  {t('admin.reload')}
                </Button>
              }
            />
          )}
          {outcome?.kind === 'fields' && (
            <Alert
              type="error"
              showIcon
              message={t('admin.fieldErrors')}
              description={
                <ul aria-label={t('admin.fieldErrors')} style={{ margin: 0, paddingInlineStart: 18 }}>
                  {outcome.errors.map((e, i) => {
                    const line = lineOf(lines, e.field);
                    return (
                      <li key={`${e.field}-${i}`}>
                        <Typography.Text code>{e.field}</Typography.Text> {e.message}
                        {line !== undefined && (
                          <Button type="link" size="small" aria-label={t('admin.goToLineLabel', { field: e.field, line })} onClick={() => goToLine(line)}>
                            {t('admin.goToLine', { line })}
                          </Button>
                        )}
                      </li>
                    );
                  })}
                </ul>
              }
            />
          )}

          {hasCommonFields(key) && (
            <Segmented<'fields' | 'json'>
              aria-label={t('admin.viewLabel')}
              style={{ alignSelf: 'flex-start' }}
              value={view}
              onChange={setView}
              options={[
                { value: 'fields', label: t('admin.views.fields') },
                { value: 'json', label: t('admin.views.json') },
              ]}
            />
          )}
          {view === 'fields' ? (
            doc === undefined ? (
              <Alert type="warning" showIcon message={t('admin.fieldsNeedJson')} />
            ) : (
              <ParameterFields paramKey={key} doc={doc} errors={errors} onChange={onFieldChange} />
            )
          ) : (
            <Input.TextArea
              ref={editor}
              aria-label={t('admin.editorLabel')}
              value={text}
              onChange={(e) => setText(e.target.value)}
              status={lines ? undefined : 'error'}
              spellCheck={false}
              autoSize={{ minRows: 14, maxRows: 30 }}
              style={{ fontFamily: 'ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace', fontSize: 13 }}
            />
          )}

          {/* Kept in view at the foot of the screen: the case rules' form is longer than a screen. */}
          <Space wrap style={{ position: 'sticky', bottom: 0, zIndex: 3, padding: '12px 0', background: '#fff', borderTop: '1px solid #f0f0f0' }}>
            <Button type="primary" icon={<SaveOutlined />} onClick={onSave} loading={save.isPending}>
              {t('common.save')}
            </Button>
            <Button icon={<UndoOutlined />} disabled={!dirty} onClick={() => setText(base.text)}>
              {t('admin.discard')}
            </Button>
          </Space>
        </div>
      </Col>
      <Col xs={24} xl={8}>
        <ParameterHistoryCard paramKey={key} />
      </Col>
    </Row>
  );
}

function ParameterHistoryCard({ paramKey }: { paramKey: ParameterKey }) {
  const { t } = useTranslation();
  const history = useParameterHistory(paramKey);
  return (
    <Card size="small" title={t('admin.history')}>
      {history.error && <Alert type="error" showIcon message={history.error.message} />}
      {history.isLoading ? (
        <Skeleton active paragraph={{ rows: 3 }} />
      ) : (
        history.data && (
          <Table<ParameterHistory['items'][number]>
            rowKey="version"
            size="small"
            dataSource={history.data.items}
            pagination={{ pageSize: 10, hideOnSinglePage: true, size: 'small' }}
            aria-label={t('admin.history')}
            locale={{ emptyText: <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('admin.noHistory')} /> }}
            columns={[
              { title: t('admin.historyColumns.version'), dataIndex: 'version', width: 70, render: (v: number) => t('admin.versionShort', { version: v }) },
              { title: t('admin.historyColumns.changedAt'), dataIndex: 'changedAt', render: (v: string) => formatDateTime(v) },
              {
                title: t('admin.historyColumns.changedBy'),
                key: 'by',
                render: (_: unknown, r) => (
                  <Tooltip title={r.changedBy}>
                    <span>{t(`roles.${r.changedRole}`, { defaultValue: r.changedRole })}</span>
                  </Tooltip>
                ),
              },
            ]}
          />
        )
      )}
    </Card>
  );
}
