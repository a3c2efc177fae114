import { App, Button, Empty, Tag } from 'antd';
import { CloudUploadOutlined, DeleteOutlined } from '@ant-design/icons';
import { useTranslation } from 'react-i18next';
import { useAuth } from '../../shared/auth/AuthProvider';
import type { QueuedItem } from '../offline/db';
import { discard, useQueue, useSyncStatus } from '../offline/queue';
import { syncEngine } from '../offline/sync-engine';

const STATE_COLOURS: Record<QueuedItem['state'], string> = { waiting: 'gold', refused: 'red', sent: 'green' };

/** What the device holds for the gateway: waiting (with why it has not gone yet), refused (with the reason), sent. */
export function QueuePage() {
  const { t, i18n } = useTranslation();
  const { principal } = useAuth();
  const { modal } = App.useApp();
  const items = useQueue(principal.subject);
  const status = useSyncStatus();
  const waiting = items.filter((i) => i.state === 'waiting').length;
  const time = (iso: string) => new Date(iso).toLocaleString(i18n.language, { month: 'numeric', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit' });

  return (
    <div>
      <h2 style={{ fontSize: 22, margin: '4px 0 12px' }}>{t('hh.queue.title')}</h2>
      <section className="hh-card" aria-label={t('hh.queue.status')}>
        <p style={{ margin: '0 0 8px' }} role="status">
          {!status.online ? t('hh.queue.offline', { count: waiting }) : waiting ? (status.sending ? t('hh.queue.sending', { count: waiting }) : t('hh.queue.waiting', { count: waiting })) : t('hh.queue.allSent')}
        </p>
        {status.lastError && waiting > 0 && <p className="hh-muted" style={{ margin: '0 0 8px' }}>{t('hh.queue.lastError', { error: status.lastError })}</p>}
        {status.retryAt && waiting > 0 && <p className="hh-muted" style={{ margin: '0 0 8px' }}>{t('hh.queue.retryAt', { time: time(new Date(status.retryAt).toISOString()) })}</p>}
        <Button icon={<CloudUploadOutlined />} block disabled={!status.online || waiting === 0} loading={status.sending} onClick={() => syncEngine.kick()}>
          {t('hh.queue.sendNow')}
        </Button>
      </section>
      {items.length === 0 ? (
        <Empty description={t('hh.queue.empty')} />
      ) : (
        <ul className="hh-list" aria-label={t('hh.queue.items')}>
          {items.map((i) => (
            <li key={i.seq} aria-label={`${t(`hh.queue.type.${i.type}`)} ${t(`hh.queue.state.${i.state}`)}`}>
              <div>
                <div className="hh-row">
                  <Tag color={STATE_COLOURS[i.state]}>{t(`hh.queue.state.${i.state}`)}</Tag>
                  <strong>{t(`hh.queue.type.${i.type}`)}</strong>
                  <span className="hh-muted">{time(i.createdAt)}</span>
                </div>
                <div style={{ marginTop: 4 }}>{i.summary}</div>
                {i.photos.length > 0 && <div className="hh-muted">{t('hh.queue.photos', { count: i.photos.length, uploaded: i.photos.filter((p) => p.key).length })}</div>}
                {i.state === 'sent' && typeof (i.result as { caseNo?: unknown } | undefined)?.caseNo === 'string' && (
                  <div className="hh-muted">{t('hh.queue.caseNo', { no: (i.result as { caseNo: string }).caseNo })}</div>
                )}
                {i.state === 'refused' && (
                  <div className="hh-row" style={{ marginTop: 4 }}>
                    <span role="alert" style={{ color: '#a8071a', flex: 1 }}>{i.lastError}</span>
                    <Button
                      size="middle"
                      icon={<DeleteOutlined />}
                      onClick={() => void modal.confirm({ title: t('hh.queue.discardAsk'), okText: t('hh.queue.discard'), cancelText: t('common.cancel'), onOk: () => discard(i.seq!) })}
                    >
                      {t('hh.queue.discard')}
                    </Button>
                  </div>
                )}
                {i.state === 'waiting' && i.lastError && <div className="hh-muted">{t('hh.queue.itemError', { error: i.lastError, n: i.attempts })}</div>}
              </div>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
