import { useId, useRef, useState } from 'react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Alert, Button, Card, Checkbox, Descriptions, Form, Progress, Select, Space, Table, Typography } from 'antd';
import { CloudUploadOutlined, FileTextOutlined, FolderOpenOutlined } from '@ant-design/icons';
import { useTranslation } from 'react-i18next';
import { ApiError } from '../shared/api/client';
import { hasService } from '../shared/config/runtime-config';
import { formatNumber } from '../shared/format/format';
import { AdminOnly } from './AdminOnly';
import { IMPORT_KINDS, importTarget, rowErrorsOf, uploadImport, type ImportKind, type ImportOutcome, type RowError } from './import-upload';
import './admin-i18n';

/** 数据导入: a file of one kind sent to its service with upload progress; the counts, or the rejected rows by line. */
export function ImportsPage() {
  return (
    <AdminOnly>
      <Imports />
    </AdminOnly>
  );
}

/** What an import changes on other pages, to be read again. */
const STALE_AFTER: Record<ImportKind, readonly (readonly string[])[]> = {
  'org-units': [['org-units'], ['org-unit']],
  staff: [['org-unit']],
  boundaries: [['layer']],
  buildings: [['unit-summary']],
  houses: [['unit-summary']],
  households: [['unit-summary']],
  residents: [['unit-summary']],
  organisations: [['unit-summary']],
  'city-objects': [['unit-summary']],
};

function Imports() {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const kindId = useId();
  const fileInput = useRef<HTMLInputElement>(null);
  const [kind, setKind] = useState<ImportKind>('org-units');
  const [file, setFile] = useState<File>();
  const [partial, setPartial] = useState(false);
  const [percent, setPercent] = useState(0);
  const target = importTarget(kind);
  const available = hasService(target.service);

  const upload = useMutation<ImportOutcome, Error, { kind: ImportKind; file: File; partial: boolean }>({
    mutationFn: (v) => {
      setPercent(0);
      return uploadImport(v.kind, v.file, v.partial && importTarget(v.kind).partial, setPercent);
    },
    onSuccess: (_, v) => {
      for (const queryKey of STALE_AFTER[v.kind]) void queryClient.invalidateQueries({ queryKey });
    },
  });

  const choose = (k: ImportKind) => {
    setKind(k);
    setFile(undefined);
    upload.reset();
  };

  return (
    <div className="gm-page">
      <Card title={t('admin.imports')}>
        <Form layout="vertical" component="div" style={{ maxWidth: 760 }}>
          <Form.Item label={t('admin.importKind')} htmlFor={kindId} extra={available ? t(`admin.formats.${target.format}`) : undefined}>
            <Select<ImportKind>
              id={kindId}
              value={kind}
              onChange={choose}
              disabled={upload.isPending}
              style={{ maxWidth: 360 }}
              options={IMPORT_KINDS.map((k) => ({ value: k, label: t(`admin.importKinds.${k}`), disabled: !hasService(importTarget(k).service) }))}
            />
          </Form.Item>
          {!available && <Alert type="warning" showIcon message={t('admin.serviceMissing')} style={{ marginBottom: 16 }} />}
          <Form.Item label={t('admin.file')}>
            <input
              ref={fileInput}
              type="file"
              style={{ display: 'none' }}
              accept={target.accept}
              aria-label={t('admin.chooseFile')}
              onChange={(e) => {
                const f = e.target.files?.[0];
                if (f) {
                  setFile(f);
                  upload.reset();
                }
                e.target.value = '';
              }}
            />
            <Space wrap>
              <Button icon={<FolderOpenOutlined />} onClick={() => fileInput.current?.click()} disabled={upload.isPending || !available}>
                {t('admin.chooseFile')}
              </Button>
              {file ? (
                <Space size={6}>
                  <FileTextOutlined />
                  <Typography.Text style={{ wordBreak: 'break-all' }}>{file.name}</Typography.Text>
                  <Typography.Text type="secondary">{t('admin.fileSize', { size: formatNumber(file.size / 1024, 1) })}</Typography.Text>
                </Space>
              ) : (
                <Typography.Text type="secondary">{t('admin.noFile')}</Typography.Text>
              )}
            </Space>
          </Form.Item>
          {target.partial && (
            <Form.Item extra={t('admin.partialHelp')}>
              <Checkbox checked={partial} onChange={(e) => setPartial(e.target.checked)} disabled={upload.isPending}>
                {t('admin.partial')}
              </Checkbox>
            </Form.Item>
          )}
          <Form.Item>
            <Button type="primary" icon={<CloudUploadOutlined />} disabled={!file || !available} loading={upload.isPending} onClick={() => file && upload.mutate({ kind, file, partial })}>
              {t('admin.upload')}
            </Button>
          </Form.Item>
        </Form>

        {upload.isPending && (
          <div style={{ maxWidth: 760 }}>
            <Progress percent={percent} status="active" aria-label={t('admin.uploadProgress')} />
            <Typography.Text type="secondary" role="status">
              {percent < 100 ? t('admin.uploading', { percent }) : t('admin.processing')}
            </Typography.Text>
          </div>
        )}
        {upload.data && <ImportResult outcome={upload.data} />}
        {upload.error && <ImportRefused error={upload.error} format={target.format} />}
      </Card>
    </div>
  );
}

function ImportResult({ outcome }: { outcome: ImportOutcome }) {
  const { t } = useTranslation();
  const r = outcome.result;
  const seconds = t('admin.seconds', { value: formatNumber(r.durationMs / 1000, 1) });
  const summary = t('admin.result', { inserted: formatNumber(r.inserted), updated: formatNumber(r.updated), unchanged: formatNumber(r.unchanged) });
  if (outcome.format === 'geojson') {
    return (
      <Space direction="vertical" size={12} style={{ width: '100%' }}>
        <Alert type="success" showIcon message={summary} />
        <Descriptions
          bordered
          size="small"
          column={{ xs: 1, sm: 2, lg: 3 }}
          items={[
            { key: 'features', label: t('admin.figures.features'), children: formatNumber(outcome.result.features) },
            { key: 'inserted', label: t('admin.figures.inserted'), children: formatNumber(r.inserted) },
            { key: 'updated', label: t('admin.figures.updated'), children: formatNumber(r.updated) },
            { key: 'unchanged', label: t('admin.figures.unchanged'), children: formatNumber(r.unchanged) },
            { key: 'duration', label: t('admin.figures.duration'), children: seconds },
          ]}
        />
      </Space>
    );
  }
  const csv = outcome.result;
  return (
    <Space direction="vertical" size={12} style={{ width: '100%' }}>
      <Alert type={csv.rejected > 0 ? 'warning' : 'success'} showIcon message={summary} />
      <Descriptions
        bordered
        size="small"
        column={{ xs: 1, sm: 2, lg: 4 }}
        items={[
          { key: 'rows', label: t('admin.figures.rows'), children: formatNumber(csv.rows) },
          { key: 'inserted', label: t('admin.figures.inserted'), children: formatNumber(csv.inserted) },
          { key: 'updated', label: t('admin.figures.updated'), children: formatNumber(csv.updated) },
          { key: 'unchanged', label: t('admin.figures.unchanged'), children: formatNumber(csv.unchanged) },
          { key: 'rejected', label: t('admin.figures.rejected'), children: formatNumber(csv.rejected) },
          { key: 'duration', label: t('admin.figures.duration'), children: seconds },
          { key: 'speed', label: t('admin.figures.speed'), children: t('admin.rowsPerSecond', { value: formatNumber(csv.rowsPerSecond) }) },
        ]}
      />
      {csv.errors.length > 0 && (
        <>
          <Typography.Title level={5}>{t('admin.partialErrors')}</Typography.Title>
          <RowErrorTable errors={csv.errors} format="csv" />
        </>
      )}
    </Space>
  );
}

function ImportRefused({ error, format }: { error: Error; format: 'csv' | 'geojson' }) {
  const { t } = useTranslation();
  const rows = rowErrorsOf(error);
  const status = error instanceof ApiError ? error.status : 0;
  if (status === 400 && rows.length > 0) {
    return (
      <Space direction="vertical" size={12} style={{ width: '100%' }}>
        <Alert type="error" showIcon message={format === 'geojson' ? t('admin.rejectedFeatures') : t('admin.rejected')} />
        <RowErrorTable errors={rows} format={format} />
      </Space>
    );
  }
  return <Alert type="error" showIcon message={t('common.failed')} description={status > 0 ? error.message : undefined} />;
}

function RowErrorTable({ errors, format }: { errors: readonly RowError[]; format: 'csv' | 'geojson' }) {
  const { t } = useTranslation();
  return (
    <Table<RowError & { index: number }>
      rowKey="index"
      size="small"
      dataSource={errors.map((e, index) => ({ ...e, index }))}
      pagination={{ pageSize: 20, hideOnSinglePage: true, size: 'small' }}
      scroll={{ x: 560 }}
      aria-label={t('admin.errorsTable')}
      columns={[
        {
          title: t('admin.errorColumns.line'),
          dataIndex: 'line',
          width: 120,
          render: (line?: number) => (line === undefined ? t('admin.wholeFile') : format === 'geojson' ? t('admin.feature', { number: line }) : t('admin.line', { line })),
        },
        { title: t('admin.errorColumns.field'), dataIndex: 'field', width: 160, render: (f: string) => <Typography.Text code>{f}</Typography.Text> },
        { title: t('admin.errorColumns.message'), dataIndex: 'message' },
      ]}
    />
  );
}
