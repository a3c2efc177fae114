import { useState } from 'react';
import { Alert, Form, Input, InputNumber, List, Modal, Radio, Rate, Select, Space, Tag, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { ApiError } from '../shared/api/client';
import type { CaseActionBody, CaseActionName, CaseView } from '../shared/api/types';
import { formatAge, formatDistance } from '../shared/format/format';
import { localName } from '../shared/i18n/i18n';
import { EvidenceField } from './EvidenceField';
import { useCaseAction, useDispatchSuggestions, useDuplicates } from './case-queries';

export type RequiredInput = 'reason' | 'note' | 'evidence' | 'assignee' | 'primaryCaseId' | 'rating' | 'extensionMinutes';

interface FormValues {
  reason?: string;
  note?: string;
  rating?: number;
  extensionMinutes?: number;
  primaryCaseId?: string;
  assignee?: string;
}

/**
 * One workflow action with the inputs it requires (as the workflow's rules say): reason, note,
 * photos uploaded through the gateway's presigned upload, the assignee from the dispatch
 * suggestions, the case to merge into, a rating, minutes of extension. A refusal shows the API's
 * own message (and the field it names).
 */
export function ActionDialog({ c, action, requires, onDone, onCancel }: { c: CaseView; action: CaseActionName; requires: readonly RequiredInput[]; onDone: () => void; onCancel: () => void }) {
  const { t, i18n } = useTranslation();
  const [form] = Form.useForm<FormValues>();
  const mutation = useCaseAction(c.id);
  const [evidence, setEvidence] = useState<string[]>([]);
  const [uploading, setUploading] = useState(false);
  const suggestions = useDispatchSuggestions(c.id, requires.includes('assignee'));
  const duplicates = useDuplicates(c.id, requires.includes('primaryCaseId'));
  const refusal = mutation.error instanceof ApiError ? mutation.error : mutation.error ? new ApiError(0, { statusCode: 0, code: 'NETWORK', message: mutation.error.message }) : undefined;
  const needs = (i: RequiredInput) => requires.includes(i);
  const label = t(`actions.${action}`);

  const submit = async () => {
    const v = await form.validateFields();
    const body: CaseActionBody = {
      ...(v.reason && { reason: v.reason }),
      ...(v.note && { note: v.note }),
      ...(evidence.length > 0 && { evidence }),
      ...(v.rating && { rating: v.rating }),
      ...(v.extensionMinutes && { extensionMinutes: v.extensionMinutes }),
      ...(v.primaryCaseId && { primaryCaseId: v.primaryCaseId }),
      ...(v.assignee && { assignee: JSON.parse(v.assignee) as NonNullable<CaseActionBody['assignee']> }),
    };
    await mutation.mutateAsync({ action, body });
    onDone();
  };

  return (
    <Modal
      open
      title={`${label} · ${c.caseNo}`}
      okText={label}
      cancelText={t('common.cancel')}
      onOk={() => void submit().catch(() => undefined)}
      onCancel={onCancel}
      confirmLoading={mutation.isPending}
      okButtonProps={{ disabled: uploading || (needs('evidence') && evidence.length === 0) }}
      width={640}
      destroyOnHidden
    >
      {refusal && (
        <Alert
          type="error"
          showIcon
          role="alert"
          style={{ marginBottom: 12 }}
          message={refusal.message}
          description={refusal.fieldErrors.length > 0 ? refusal.fieldErrors.map((f) => `${f.field}: ${f.message}`).join('; ') : undefined}
        />
      )}
      <Form form={form} layout="vertical">
        {needs('assignee') && (
          <Form.Item name="assignee" label={t('inputs.assignee')} rules={[{ required: true, message: t('inputs.chooseAssignee') }]}>
            <Radio.Group style={{ width: '100%' }}>
              <Typography.Text strong>{t('dispatch.workers')}</Typography.Text>
              {suggestions.data && suggestions.data.workers.length === 0 && (
                <Alert type="info" showIcon style={{ margin: '8px 0' }} message={t('dispatch.noWorkers', { hours: Math.round(suggestions.data.maxAgeSeconds / 3600) })} />
              )}
              {suggestions.error && <Alert type="warning" showIcon message={suggestions.error.message} />}
              <List
                size="small"
                loading={suggestions.isLoading}
                dataSource={suggestions.data?.workers ?? []}
                renderItem={(w) => (
                  <List.Item>
                    <Radio value={JSON.stringify(w.assignee)} aria-label={t('dispatch.choose', { name: w.username })}>
                      <Space wrap>
                        <strong>{w.username}</strong>
                        <Tag color={w.proximity === 'grid' ? 'green' : w.proximity === 'community' ? 'blue' : 'default'}>{t(`dispatch.proximity.${w.proximity}`)}</Tag>
                        <span>
                          {t('dispatch.distance')} {formatDistance(w.distanceM)}
                        </span>
                        <span>
                          {t('dispatch.positionAge')} {formatAge(w.ageSeconds)}
                        </span>
                      </Space>
                    </Radio>
                  </List.Item>
                )}
              />
              <Typography.Text strong>{t('dispatch.departments')}</Typography.Text>
              <List
                size="small"
                dataSource={suggestions.data?.departments ?? []}
                renderItem={(d) => (
                  <List.Item>
                    <Radio value={JSON.stringify(d.assignee)} aria-label={t('dispatch.choose', { name: localName({ zh: d.nameZh, en: d.nameEn }, i18n.language) })}>
                      <Space>
                        {localName({ zh: d.nameZh, en: d.nameEn }, i18n.language)}
                        {d.owner && <Tag color="gold">{t('dispatch.owner')}</Tag>}
                      </Space>
                    </Radio>
                  </List.Item>
                )}
              />
            </Radio.Group>
          </Form.Item>
        )}
        {needs('primaryCaseId') && (
          <Form.Item name="primaryCaseId" label={t('inputs.primaryCaseId')} rules={[{ required: true, message: t('inputs.required', { field: t('inputs.primaryCaseId') }) }]}>
            <Select
              aria-label={t('inputs.primaryCaseId')}
              loading={duplicates.isLoading}
              options={(duplicates.data?.items ?? []).map((d) => ({ value: d.caseId, label: d.caseNo }))}
              notFoundContent={t('detail.noDuplicates')}
            />
          </Form.Item>
        )}
        {needs('reason') && (
          <Form.Item name="reason" label={t('inputs.reason')} rules={[{ required: true, whitespace: true, message: t('inputs.required', { field: t('inputs.reason') }) }]}>
            <Input.TextArea rows={3} maxLength={1000} showCount />
          </Form.Item>
        )}
        {(needs('note') || action === 'urge') && (
          <Form.Item name="note" label={t('inputs.note')} rules={needs('note') ? [{ required: true, whitespace: true, message: t('inputs.required', { field: t('inputs.note') }) }] : []}>
            <Input.TextArea rows={3} maxLength={2000} showCount />
          </Form.Item>
        )}
        {needs('evidence') && <EvidenceField value={evidence} onChange={setEvidence} onBusy={setUploading} />}
        {needs('rating') && (
          <Form.Item name="rating" label={t('inputs.rating')} rules={[{ required: true, message: t('inputs.required', { field: t('inputs.rating') }) }]}>
            <Rate />
          </Form.Item>
        )}
        {needs('extensionMinutes') && (
          <Form.Item name="extensionMinutes" label={t('inputs.extensionMinutes')} rules={[{ required: true, message: t('inputs.required', { field: t('inputs.extensionMinutes') }) }]}>
            <InputNumber min={1} max={14400} step={60} style={{ width: 200 }} />
          </Form.Item>
        )}
      </Form>
    </Modal>
  );
}
