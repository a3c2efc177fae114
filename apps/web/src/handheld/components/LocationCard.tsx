import { Alert, Button } from 'antd';
import { AimOutlined } from '@ant-design/icons';
import { useTranslation } from 'react-i18next';
import type { Fix, GridGeometry } from '../geo';
import { GridSketch } from './GridSketch';

/** Where the phone is, with how sure it is, and the two warnings a worker must see before sending. */
export function LocationCard({
  fix,
  error,
  locating,
  onLocate,
  maxAccuracyM,
  outside,
  grid,
}: {
  fix: Fix | undefined;
  error: string | undefined;
  locating: boolean;
  onLocate: () => void;
  maxAccuracyM: number;
  outside: boolean;
  grid?: GridGeometry | undefined;
}) {
  const { t, i18n } = useTranslation();
  const n = (v: number, d: number) => v.toLocaleString(i18n.language, { maximumFractionDigits: d, minimumFractionDigits: d });
  return (
    <section className="hh-card" aria-label={t('hh.location.title')}>
      <h2>{t('hh.location.title')}</h2>
      {fix ? (
        <p className="hh-fix" style={{ margin: '0 0 8px' }}>
          {t('hh.location.fix', { lat: n(fix.latitude, 6), lon: n(fix.longitude, 6), acc: Math.round(fix.accuracy) })}
        </p>
      ) : (
        <p className="hh-muted" style={{ margin: '0 0 8px' }}>{locating ? t('hh.location.locating') : error ? t(`hh.location.error.${error}`, { defaultValue: t('hh.location.error.unavailable') }) : t('hh.location.none')}</p>
      )}
      {grid && <GridSketch geometry={grid} fix={fix} />}
      {fix && fix.accuracy > maxAccuracyM && <Alert type="warning" showIcon style={{ marginBottom: 8 }} message={t('hh.location.poor', { acc: Math.round(fix.accuracy), max: maxAccuracyM })} />}
      {fix && outside && <Alert type="error" showIcon role="alert" style={{ marginBottom: 8 }} message={t('hh.location.outside')} />}
      <Button icon={<AimOutlined />} loading={locating} onClick={onLocate} block>
        {fix ? t('hh.location.again') : t('hh.location.locate')}
      </Button>
    </section>
  );
}
