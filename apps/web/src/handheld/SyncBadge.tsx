import { Link } from 'react-router';
import { CheckCircleOutlined, CloudSyncOutlined, DisconnectOutlined } from '@ant-design/icons';
import { useTranslation } from 'react-i18next';
import { useSyncStatus, useWaitingCount } from './offline/queue';

/** What the queue is doing, always in sight: offline, items waiting, sending, or all sent. */
export function SyncBadge({ owner }: { owner: string }) {
  const { t } = useTranslation();
  const status = useSyncStatus();
  const waiting = useWaitingCount(owner);
  const label = !status.online ? (waiting ? t('hh.sync.offline', { count: waiting }) : t('hh.sync.offlineNone')) : waiting > 0 ? t('hh.sync.waiting', { count: waiting }) : t('hh.sync.allSent');
  return (
    <Link to="/queue" className={`hh-sync ${!status.online ? 'offline' : waiting > 0 ? 'waiting' : ''}`} role="status" aria-label={label}>
      {!status.online ? <DisconnectOutlined /> : waiting > 0 ? <CloudSyncOutlined spin={status.sending} /> : <CheckCircleOutlined />}
      {label}
    </Link>
  );
}
