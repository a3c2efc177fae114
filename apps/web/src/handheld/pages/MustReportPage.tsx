import { useMemo, useState } from 'react';
import { Link } from 'react-router';
import { App, Button, Form, Input, Select } from 'antd';
import { AlertOutlined, SendOutlined, ToolOutlined } from '@ant-design/icons';
import { useTranslation } from 'react-i18next';
import { useAuth } from '../../shared/auth/AuthProvider';
import { SEARCH_OPTIONS } from '../components/search';
import { useHousehold, useHouseholds } from '../handheld-data';
import { enqueue } from '../offline/queue';
import { householdOptions } from './VisitPage';

/** Base-data changes a worker proposes (base-data's change-proposal kinds); community staff confirm them. */
export const PROPOSAL_KINDS = ['newcomer', 'rented-out', 'birth', 'moved-out', 'death', 'focus-person'] as const;
type Kind = (typeof PROPOSAL_KINDS)[number];
const RELATIONS = ['head', 'spouse', 'child', 'parent', 'other'] as const;
const RESIDENCE_TYPES = ['registered', 'floating', 'tenant'] as const;
const FOCUS_CLASSES = ['key', 'vulnerable', 'special'] as const;

interface Values {
  householdCode: string;
  name?: string;
  idNumber?: string;
  phone?: string;
  relation?: string;
  residenceType?: string;
  residentId?: string;
  date?: string;
  reason?: string;
  focusClass?: string;
}

/**
 * 五必报 and other changes of the grid's base data. Safety hazards and damaged public facilities
 * are reported as cases (the report form, on those categories); a newcomer, a house let to tenants,
 * a birth, a move out, a death or a focus person become change proposals at the tier that keeps the
 * grid's base data, where community staff confirm or reject them.
 */
export function MustReportPage() {
  const { t } = useTranslation();
  const { principal } = useAuth();
  const { message } = App.useApp();
  const [kind, setKind] = useState<Kind>('newcomer');
  const [form] = Form.useForm<Values>();
  const households = useHouseholds(principal.orgUnit);
  const householdCode = Form.useWatch('householdCode', form);
  const household = useHousehold(kind === 'newcomer' || kind === 'birth' ? undefined : householdCode);
  const [saving, setSaving] = useState(false);
  const options = useMemo(() => householdOptions(households.data ?? []), [households.data]);
  const needsMember = kind === 'moved-out' || kind === 'death' || kind === 'focus-person';

  const bodyOf = (v: Values): Record<string, unknown> => {
    switch (kind) {
      case 'newcomer':
      case 'birth':
        return {
          householdCode: v.householdCode,
          name: v.name,
          idNumber: v.idNumber,
          relation: v.relation,
          residenceType: v.residenceType,
          ...(v.phone && { phone: v.phone }),
        };
      case 'moved-out':
      case 'death':
        return { residentId: v.residentId, date: v.date, ...(v.reason && { reason: v.reason }) };
      case 'rented-out':
        return { houseCode: households.data?.find((h) => h.code === v.householdCode)?.houseCode ?? v.householdCode };
      case 'focus-person':
        return { residentId: v.residentId, focusClass: v.focusClass };
    }
  };

  const submit = async () => {
    const v = await form.validateFields();
    setSaving(true);
    try {
      const address = households.data?.find((h) => h.code === v.householdCode)?.address ?? v.householdCode;
      // The summary on the device names the kind and the door, never the person.
      await enqueue(principal.subject, { type: 'change-proposal', summary: t('hh.must.summary', { kind: t(`hh.must.kind.${kind}`), address }), body: { kind, body: bodyOf(v) } });
      message.success(navigator.onLine ? t('hh.saved.online') : t('hh.saved.offline'));
      form.resetFields();
    } finally {
      setSaving(false);
    }
  };

  return (
    <div>
      <h2 style={{ fontSize: 22, margin: '4px 0 12px' }}>{t('hh.must.title')}</h2>
      <div className="hh-tiles" style={{ marginBottom: 16 }}>
        <Link className="hh-tile" to="/report?class=hazard">
          <AlertOutlined />
          {t('hh.must.hazard')}
        </Link>
        <Link className="hh-tile" to="/report?class=facility">
          <ToolOutlined />
          {t('hh.must.facility')}
        </Link>
      </div>
      <Form form={form} layout="vertical" initialValues={{ relation: 'other', residenceType: 'floating' }} onFinish={() => void submit()}>
        <Form.Item label={t('hh.must.kindLabel')}>
          <Select
            aria-label={t('hh.must.kindLabel')}
            value={kind}
            onChange={(k) => (setKind(k), form.setFieldsValue({ residentId: undefined, residenceType: k === 'birth' ? 'registered' : 'floating', relation: k === 'birth' ? 'child' : 'other' }))}
            options={PROPOSAL_KINDS.map((k) => ({ value: k, label: t(`hh.must.kind.${k}`) }))}
          />
        </Form.Item>
        <Form.Item name="householdCode" label={t('hh.visit.household')} rules={[{ required: true, message: t('hh.visit.householdRequired') }]}>
          <Select showSearch={SEARCH_OPTIONS} options={options} loading={households.isLoading} placeholder={t('hh.visit.householdPlaceholder')} listHeight={320} />
        </Form.Item>
        {(kind === 'newcomer' || kind === 'birth') && (
          <>
            <Form.Item name="name" label={t('hh.must.name')} rules={[{ required: true, whitespace: true, message: t('hh.must.nameRequired') }]}>
              <Input maxLength={50} autoComplete="off" />
            </Form.Item>
            <Form.Item name="idNumber" label={t('hh.must.idNumber')} rules={[{ required: true, message: t('hh.must.idRequired') }, { pattern: /^\d{17}[\dXx]$/, message: t('hh.must.idFormat') }]}>
              <Input maxLength={18} autoComplete="off" inputMode="text" />
            </Form.Item>
            {kind === 'newcomer' && (
              <Form.Item name="phone" label={t('hh.must.phone')} rules={[{ pattern: /^[\d+\- ]{5,20}$/, message: t('hh.must.phoneFormat') }]}>
                <Input maxLength={20} inputMode="tel" autoComplete="off" />
              </Form.Item>
            )}
            <Form.Item name="relation" label={t('hh.must.relation')} rules={[{ required: true }]}>
              <Select options={RELATIONS.map((r) => ({ value: r, label: t(`hh.must.relations.${r}`) }))} />
            </Form.Item>
            <Form.Item name="residenceType" label={t('hh.must.residenceType')} rules={[{ required: true }]}>
              <Select options={RESIDENCE_TYPES.map((r) => ({ value: r, label: t(`hh.must.residenceTypes.${r}`) }))} />
            </Form.Item>
          </>
        )}
        {needsMember && (
          <Form.Item name="residentId" label={t('hh.must.resident')} rules={[{ required: true, message: t('hh.must.residentRequired') }]}>
            <Select
              options={(household.data?.members ?? []).map((m) => ({ value: m.id, label: `${m.name} · ${t(`hh.must.relations.${m.relation}`)}` }))}
              loading={!!householdCode && household.isLoading}
              notFoundContent={householdCode ? (household.isError ? t('hh.must.membersOffline') : undefined) : t('hh.must.pickHousehold')}
            />
          </Form.Item>
        )}
        {(kind === 'moved-out' || kind === 'death') && (
          <>
            <Form.Item name="date" label={t('hh.must.date')} rules={[{ required: true, message: t('hh.must.dateRequired') }]}>
              <Input type="date" max={new Date().toISOString().slice(0, 10)} />
            </Form.Item>
            <Form.Item name="reason" label={t('hh.must.reason')}>
              <Input maxLength={500} />
            </Form.Item>
          </>
        )}
        {kind === 'focus-person' && (
          <Form.Item name="focusClass" label={t('hh.must.focusClass')} rules={[{ required: true, message: t('hh.must.focusClassRequired') }]}>
            <Select options={FOCUS_CLASSES.map((c) => ({ value: c, label: t(`hh.must.focusClasses.${c}`) }))} />
          </Form.Item>
        )}
        <Button type="primary" htmlType="submit" icon={<SendOutlined />} block loading={saving}>
          {t('hh.must.submit')}
        </Button>
      </Form>
    </div>
  );
}
