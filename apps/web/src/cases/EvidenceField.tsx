import { useState } from 'react';
import { Alert, Button, Form, List, Upload } from 'antd';
import { UploadOutlined } from '@ant-design/icons';
import { useTranslation } from 'react-i18next';
import { uploadEvidence } from './evidence-upload';

/** Photos as evidence: each uploaded straight to the tier's bucket; the keys are the value. `onBusy` says while an upload runs. */
export function EvidenceField({ value, onChange, onBusy }: { value: string[]; onChange: (keys: string[]) => void; onBusy?: (busy: boolean) => void }) {
  const { t } = useTranslation();
  const [uploading, setUploading] = useState<number>();
  const [error, setError] = useState<string>();
  const [names, setNames] = useState<string[]>([]);
  return (
    <Form.Item label={t('inputs.evidence')} required>
      <Upload
        accept="image/jpeg,image/png,image/webp"
        multiple
        showUploadList={false}
        customRequest={({ file }) => {
          setError(undefined);
          setUploading(0);
          onBusy?.(true);
          uploadEvidence(file as File, setUploading)
            .then((key) => {
              onChange([...value, key]);
              setNames((n) => [...n, (file as File).name]);
            })
            .catch((err: unknown) => setError(err instanceof Error ? err.message : String(err)))
            .finally(() => {
              setUploading(undefined);
              onBusy?.(false);
            });
        }}
      >
        <Button icon={<UploadOutlined />} loading={uploading !== undefined}>
          {uploading !== undefined ? t('inputs.uploading', { percent: uploading }) : t('inputs.uploadPhoto')}
        </Button>
      </Upload>
      {error && <Alert type="error" showIcon style={{ marginTop: 8 }} message={error} />}
      <List size="small" dataSource={names} renderItem={(n) => <List.Item>{t('inputs.uploaded', { name: n })}</List.Item>} />
    </Form.Item>
  );
}
