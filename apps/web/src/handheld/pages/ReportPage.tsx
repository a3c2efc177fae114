import { useMemo, useState } from 'react';
import { useNavigate, useSearchParams } from 'react-router';
import { Alert, App, Button, Form, Input, Select } from 'antd';
import { SendOutlined } from '@ant-design/icons';
import { useTranslation } from 'react-i18next';
import { useAuth } from '../../shared/auth/AuthProvider';
import { SEARCH_OPTIONS } from '../components/search';
import { runtimeConfig } from '../../shared/config/runtime-config';
import { localName } from '../../shared/i18n/i18n';
import { LocationCard } from '../components/LocationCard';
import { PhotoPicker, type PickedPhoto } from '../components/PhotoPicker';
import { useFix } from '../components/use-fix';
import { isInside, type Fix } from '../geo';
import { useCategories, useCoveredGrids, useGrid, type Category } from '../handheld-data';
import { enqueue } from '../offline/queue';

/** 安全隐患 and 损坏的公共设施 (五必报) open the report form on these classes. */
export const MUST_REPORT_CLASSES: Record<string, readonly string[]> = { hazard: ['SJ04', 'SJ08', 'SJ09'], facility: ['BJ'] };

/** Options of the category picker, searched by name (either language), code or keyword. */
export function categoryOptions(categories: readonly Category[], lng: string, only?: readonly string[]) {
  return categories
    .filter((c) => !only || only.some((p) => c.code.startsWith(p)))
    .map((c) => ({ value: c.code, label: `${localName(c, lng)} · ${c.code}`, search: [c.nameZh, c.nameEn, c.code, ...(c.keywords ?? [])].join(' ').toLowerCase() }));
}

/** The accuracy a report's fix should have (the tier's setting), metres. */
export function maxAccuracy(): number {
  try {
    return runtimeConfig().reportMaxAccuracyM ?? 30;
  } catch {
    return 30;
  }
}

/**
 * 上报 (report) and 自处置 (on the spot: reported and closed in one go, with photos before and
 * after). The report is queued on the device with its photos and sent when the network allows.
 * A poor GPS fix asks first (wait for a better one, or send it as it is); a point outside the
 * worker's grid (its polygon kept on the device) is flagged on the form and asked about.
 */
export function ReportPage({ mode }: { mode: 'report' | 'on-the-spot' }) {
  const { t, i18n } = useTranslation();
  const { principal } = useAuth();
  const { modal, message } = App.useApp();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const [form] = Form.useForm<{ categoryCode: string; description: string; address?: string }>();
  const categories = useCategories();
  const grid = useGrid(principal.orgUnit);
  // While covering for a colleague (A/B posts), the colleague's grid is the worker's too.
  const covered = useCoveredGrids(principal.subject);
  const coveredAt = (at: Fix | undefined) => (at && grid.data && !isInside(at, grid.data.geometry) ? covered.find((g) => isInside(at, g.geometry)) : undefined);
  const { fix, error, locating, locate } = useFix();
  const [photos, setPhotos] = useState<PickedPhoto[]>([]);
  const [after, setAfter] = useState<PickedPhoto[]>([]);
  const [saving, setSaving] = useState(false);
  const only = params.get('class') ? MUST_REPORT_CLASSES[params.get('class')!] : undefined;
  const options = useMemo(() => categoryOptions(categories.data ?? [], i18n.language, only), [categories.data, i18n.language, only]);
  const limit = maxAccuracy();
  const inCovered = coveredAt(fix);
  const outside = !!fix && !!grid.data && !isInside(fix, grid.data.geometry) && !inCovered;
  const spot = mode === 'on-the-spot';

  const submit = async () => {
    const values = await form.validateFields();
    let at: Fix | undefined = fix;
    if (!at) {
      message.error(t('hh.report.needFix'));
      at = await locate();
      if (!at) return;
    }
    if (spot && (photos.length === 0 || after.length === 0)) {
      message.error(t('hh.spot.needPhotos'));
      return;
    }
    if (at.accuracy > limit) {
      const send = await modal.confirm({
        title: t('hh.location.poorTitle'),
        content: t('hh.location.poor', { acc: Math.round(at.accuracy), max: limit }),
        okText: t('hh.location.sendAnyway'),
        cancelText: t('hh.location.wait'),
      });
      if (!send) {
        void locate();
        return;
      }
    }
    const coveredGrid = coveredAt(at);
    if (grid.data && !isInside(at, grid.data.geometry) && !coveredGrid) {
      const send = await modal.confirm({ title: t('hh.location.outside'), content: t('hh.location.outsideAsk'), okText: t('hh.location.sendAnyway'), cancelText: t('common.cancel') });
      if (!send) return;
    }
    setSaving(true);
    try {
      const category = categories.data?.find((c) => c.code === values.categoryCode);
      await enqueue(principal.subject, {
        type: 'report',
        summary: `${category ? localName(category, i18n.language) : values.categoryCode} · ${values.description.slice(0, 40)}`,
        body: {
          categoryCode: values.categoryCode,
          description: values.description,
          location: { latitude: at.latitude, longitude: at.longitude, accuracy: Math.round(at.accuracy * 10) / 10 },
          occurredAt: new Date().toISOString(),
          ...(values.address && { address: values.address }),
          ...(coveredGrid && { gridCode: coveredGrid.code }),
          ...(spot && { triage: 'on_the_spot' }),
        },
        photos: [...photos.map((p) => ({ name: spot ? `before-${p.name}` : p.name, blob: p.blob })), ...after.map((p) => ({ name: `after-${p.name}`, blob: p.blob }))],
      });
      message.success(navigator.onLine ? t('hh.saved.online') : t('hh.saved.offline'));
      form.resetFields();
      setPhotos([]);
      setAfter([]);
      if (params.get('class')) navigate('/must-report');
    } finally {
      setSaving(false);
    }
  };

  return (
    <Form form={form} layout="vertical" requiredMark onFinish={() => void submit()}>
      <h2 style={{ fontSize: 22, margin: '4px 0 12px' }}>{spot ? t('hh.spot.title') : t('hh.report.title')}</h2>
      {spot && <p className="hh-muted">{t('hh.spot.hint')}</p>}
      <Form.Item name="categoryCode" label={t('hh.report.category')} rules={[{ required: true, message: t('hh.report.categoryRequired') }]}>
        <Select
          showSearch={SEARCH_OPTIONS}
          options={options}
          loading={categories.isLoading}
          placeholder={t('hh.report.categoryPlaceholder')}
          notFoundContent={categories.isError ? t('hh.report.noCategories') : undefined}
          listHeight={320}
        />
      </Form.Item>
      <Form.Item name="description" label={t('hh.report.description')} rules={[{ required: true, whitespace: true, message: t('hh.report.descriptionRequired') }, { max: 2000 }]}>
        <Input.TextArea rows={3} maxLength={2000} showCount placeholder={t('hh.report.descriptionPlaceholder')} />
      </Form.Item>
      <Form.Item label={spot ? t('hh.spot.before') : t('hh.report.photos')}>
        <PhotoPicker label={spot ? t('hh.spot.beforePick') : t('hh.report.photosPick')} value={photos} onChange={setPhotos} />
      </Form.Item>
      {spot && (
        <Form.Item label={t('hh.spot.after')}>
          <PhotoPicker label={t('hh.spot.afterPick')} value={after} onChange={setAfter} />
        </Form.Item>
      )}
      <LocationCard fix={fix} error={error} locating={locating} onLocate={() => void locate()} maxAccuracyM={limit} outside={outside} grid={(inCovered ?? grid.data)?.geometry} />
      {inCovered && <Alert type="info" showIcon style={{ marginBottom: 12 }} message={t('hh.location.covered', { grid: inCovered.code })} />}
      <Form.Item name="address" label={t('hh.report.address')}>
        <Input maxLength={200} placeholder={t('hh.report.addressPlaceholder')} />
      </Form.Item>
      <Button type="primary" htmlType="submit" icon={<SendOutlined />} block loading={saving}>
        {spot ? t('hh.spot.submit') : t('hh.report.submit')}
      </Button>
    </Form>
  );
}
