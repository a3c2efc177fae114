import { useMemo, useState } from 'react';
import { App, Button, Checkbox, Form, Input, Select, Switch } from 'antd';
import { SendOutlined } from '@ant-design/icons';
import { useTranslation } from 'react-i18next';
import { useAuth } from '../../shared/auth/AuthProvider';
import { SEARCH_OPTIONS } from '../components/search';
import { localName } from '../../shared/i18n/i18n';
import { useFix } from '../components/use-fix';
import { useCategories, useHouseholds, type HouseholdItem } from '../handheld-data';
import { enqueue, newClientId } from '../offline/queue';
import { categoryOptions } from './ReportPage';

export const VISIT_TAGS = ['need', 'dispute', 'hazard', 'hardship'] as const;

/** Households found on the device by door, address or code (the grid's list is kept there). */
export function householdOptions(households: readonly HouseholdItem[]) {
  return households.map((h) => ({ value: h.code, label: `${h.address} · ${h.code}`, search: `${h.address} ${h.code} ${h.houseCode}`.toLowerCase() }));
}

/**
 * 走访: a visit to a household of the grid, searched on the device from the kept list; notes,
 * tags (需求, 矛盾纠纷, 安全隐患, 困难帮扶), and, if the visit found a problem, a case raised from
 * it (queued before the visit, which names it by its client id).
 */
export function VisitPage() {
  const { t, i18n } = useTranslation();
  const { principal } = useAuth();
  const { message } = App.useApp();
  const [form] = Form.useForm<{ householdCode: string; notes: string; tags: string[]; categoryCode?: string; description?: string }>();
  const households = useHouseholds(principal.orgUnit);
  const categories = useCategories();
  const [raise, setRaise] = useState(false);
  const [saving, setSaving] = useState(false);
  const { fix, locate } = useFix(false);
  const options = useMemo(() => householdOptions(households.data ?? []), [households.data]);
  const catOptions = useMemo(() => categoryOptions(categories.data ?? [], i18n.language), [categories.data, i18n.language]);

  const submit = async () => {
    const v = await form.validateFields();
    setSaving(true);
    try {
      const household = households.data?.find((h) => h.code === v.householdCode);
      let caseClientId: string | undefined;
      if (raise) {
        const at = fix ?? (await locate());
        if (!at) {
          message.error(t('hh.report.needFix'));
          return;
        }
        caseClientId = newClientId();
        const category = categories.data?.find((c) => c.code === v.categoryCode);
        await enqueue(principal.subject, {
          clientId: caseClientId,
          type: 'report',
          summary: `${category ? localName(category, i18n.language) : v.categoryCode} · ${v.description!.slice(0, 40)}`,
          body: {
            categoryCode: v.categoryCode,
            description: v.description,
            location: { latitude: at.latitude, longitude: at.longitude, accuracy: Math.round(at.accuracy * 10) / 10 },
            ...(household && { address: household.address }),
          },
        });
      }
      await enqueue(principal.subject, {
        type: 'visit',
        summary: t('hh.visit.summary', { address: household?.address ?? v.householdCode }),
        body: { visitId: crypto.randomUUID(), at: new Date().toISOString(), householdCode: v.householdCode, notes: v.notes, tags: v.tags ?? [], ...(caseClientId && { caseClientId }) },
      });
      message.success(navigator.onLine ? t('hh.saved.online') : t('hh.saved.offline'));
      form.resetFields();
      setRaise(false);
    } finally {
      setSaving(false);
    }
  };

  return (
    <Form form={form} layout="vertical" initialValues={{ tags: [] }} onFinish={() => void submit()}>
      <h2 style={{ fontSize: 22, margin: '4px 0 12px' }}>{t('hh.visit.title')}</h2>
      <Form.Item name="householdCode" label={t('hh.visit.household')} rules={[{ required: true, message: t('hh.visit.householdRequired') }]} extra={households.data ? t('hh.visit.householdsKept', { count: households.data.length }) : undefined}>
        <Select
          showSearch={SEARCH_OPTIONS}
          options={options}
          loading={households.isLoading}
          placeholder={t('hh.visit.householdPlaceholder')}
          notFoundContent={households.isError ? t('hh.visit.noHouseholds') : undefined}
          listHeight={320}
        />
      </Form.Item>
      <Form.Item name="tags" label={t('hh.visit.tags')}>
        <Checkbox.Group options={VISIT_TAGS.map((tag) => ({ value: tag, label: t(`hh.visit.tag.${tag}`) }))} />
      </Form.Item>
      <Form.Item name="notes" label={t('hh.visit.notes')} rules={[{ required: true, whitespace: true, message: t('hh.visit.notesRequired') }]}>
        <Input.TextArea rows={4} maxLength={2000} showCount placeholder={t('hh.visit.notesPlaceholder')} />
      </Form.Item>
      <Form.Item label={t('hh.visit.raise')}>
        <Switch checked={raise} onChange={(on) => (setRaise(on), on && !fix && void locate())} aria-label={t('hh.visit.raise')} />
      </Form.Item>
      {raise && (
        <>
          <Form.Item name="categoryCode" label={t('hh.report.category')} rules={[{ required: true, message: t('hh.report.categoryRequired') }]}>
            <Select showSearch={SEARCH_OPTIONS} options={catOptions} placeholder={t('hh.report.categoryPlaceholder')} listHeight={320} />
          </Form.Item>
          <Form.Item name="description" label={t('hh.report.description')} rules={[{ required: true, whitespace: true, message: t('hh.report.descriptionRequired') }]}>
            <Input.TextArea rows={2} maxLength={2000} />
          </Form.Item>
        </>
      )}
      <Button type="primary" htmlType="submit" icon={<SendOutlined />} block loading={saving}>
        {t('hh.visit.submit')}
      </Button>
    </Form>
  );
}
