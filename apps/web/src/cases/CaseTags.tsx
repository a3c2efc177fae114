import { Tag } from 'antd';
import { useTranslation } from 'react-i18next';
import { LIGHT_COLOURS, type Light } from '../shared/case-labels';

const STATE_COLOURS: Record<string, string> = {
  reported: 'gold',
  accepted: 'orange',
  registered: 'blue',
  dispatched: 'geekblue',
  in_progress: 'processing',
  handled: 'cyan',
  verified: 'green',
  closed: 'success',
  returned: 'volcano',
  on_hold: 'purple',
  rejected: 'default',
  voided: 'default',
  merged: 'default',
  escalated: 'magenta',
  assigned_back: 'magenta',
};

export function CaseStateTag({ state }: { state: string }) {
  const { t } = useTranslation();
  return <Tag color={STATE_COLOURS[state] ?? 'default'}>{t(`states.${state}`, { defaultValue: state })}</Tag>;
}

/** The traffic light as a coloured dot and its words (never colour alone). */
export function CaseLight({ light, compact }: { light: Light | null | undefined; compact?: boolean }) {
  const { t } = useTranslation();
  const key = light ?? 'none';
  return (
    <span style={{ whiteSpace: 'nowrap' }} title={t(`lights.${key}`)}>
      <span className="gm-legend-dot" style={{ background: LIGHT_COLOURS[key] }} aria-hidden />
      {compact ? t(`lightsShort.${key}`) : t(`lights.${key}`)}
    </span>
  );
}

export function UrgencyTag({ urgency }: { urgency: string }) {
  const { t } = useTranslation();
  return urgency === 'normal' ? <span>{t('urgency.normal')}</span> : <Tag color={urgency === 'emergency' ? 'red' : 'orange'}>{t(`urgency.${urgency}`, { defaultValue: urgency })}</Tag>;
}
