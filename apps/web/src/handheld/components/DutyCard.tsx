import { useState } from 'react';
import { App, Switch } from 'antd';
import { useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { ApiError, unwrap } from '../../shared/api/client';
import { gateway } from '../handheld-api';
import { useDuty } from '../handheld-data';

/**
 * On duty / off duty (A/B posts): going off duty hands the grid over to the A/B partner, whose phone
 * then lists this worker's tasks; whom the worker covers shows here too. Needs the network (the
 * partner must know at once).
 */
export function DutyCard({ owner }: { owner: string }) {
  const { t, i18n } = useTranslation();
  const { message } = App.useApp();
  const client = useQueryClient();
  const duty = useDuty(owner);
  const [busy, setBusy] = useState(false);
  if (!duty.data) return null;
  const time = (iso: string) => new Date(iso).toLocaleString(i18n.language, { month: 'numeric', day: 'numeric', hour: '2-digit', minute: '2-digit' });
  const toggle = async (onDuty: boolean) => {
    setBusy(true);
    try {
      await unwrap(gateway.PUT('/api/v1/duty', { body: { onDuty } }));
      await Promise.all([client.invalidateQueries({ queryKey: ['duty'] }), client.invalidateQueries({ queryKey: ['tasks'] })]);
    } catch (err) {
      message.error(err instanceof ApiError ? err.message : t('hh.duty.offline'));
    } finally {
      setBusy(false);
    }
  };
  const d = duty.data;
  return (
    <section className="hh-card" aria-label={t('hh.duty.title')}>
      <div className="hh-row" style={{ justifyContent: 'space-between' }}>
        <h2 style={{ margin: 0 }}>{d.onDuty ? t('hh.duty.on') : t('hh.duty.off')}</h2>
        <Switch checked={d.onDuty} loading={busy} onChange={(on) => void toggle(on)} aria-label={t('hh.duty.switch')} />
      </div>
      {d.coveredBy && (
        <p className="hh-muted" style={{ margin: '8px 0 0' }}>
          {t('hh.duty.coveredBy', { name: d.coveredBy.coveredBy })}
          {d.coveredBy.until ? ` · ${t('hh.duty.until', { time: time(d.coveredBy.until) })}` : ''}
        </p>
      )}
      {d.covering.map((h) => (
        <p key={h.id} style={{ margin: '8px 0 0', fontWeight: 600 }} role="status">
          {t('hh.duty.covering', { name: h.worker, grid: h.gridCode })}
          {h.until ? ` · ${t('hh.duty.until', { time: time(h.until) })}` : ''}
        </p>
      ))}
    </section>
  );
}
