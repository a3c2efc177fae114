import { Link } from 'react-router';
import { Button, Segmented } from 'antd';
import { AimOutlined, BellOutlined, BookOutlined, CarryOutOutlined, CloudUploadOutlined, FileSearchOutlined, FormOutlined, HomeOutlined, LogoutOutlined, NotificationOutlined, ThunderboltOutlined } from '@ant-design/icons';
import { useTranslation } from 'react-i18next';
import { useAuth } from '../../shared/auth/AuthProvider';
import { signOut } from '../../shared/auth/auth';
import { setLanguage, type Language } from '../../shared/i18n/i18n';
import { useTasks } from '../handheld-data';
import { useWaitingCount } from '../offline/queue';
import { DutyCard } from '../components/DutyCard';

/** The worker's start: big tiles for the day's jobs, with what is waiting on them. */
export function HomePage() {
  const { t, i18n } = useTranslation();
  const { principal } = useAuth();
  const tasks = useTasks(principal.subject);
  const waiting = useWaitingCount(principal.subject);
  const tiles = [
    { to: '/tasks', icon: <CarryOutOutlined />, label: t('hh.nav.tasks'), count: tasks.data ? t('hh.home.tasks', { count: tasks.data.items.length }) : undefined },
    { to: '/report', icon: <FormOutlined />, label: t('hh.report.title') },
    { to: '/on-the-spot', icon: <ThunderboltOutlined />, label: t('hh.spot.title') },
    { to: '/patrol', icon: <AimOutlined />, label: t('hh.patrol.title') },
    { to: '/visit', icon: <HomeOutlined />, label: t('hh.visit.title') },
    { to: '/must-report', icon: <NotificationOutlined />, label: t('hh.must.title') },
    { to: '/cases', icon: <FileSearchOutlined />, label: t('hh.cases.title') },
    { to: '/diary', icon: <BookOutlined />, label: t('hh.diary.title') },
    { to: '/notices', icon: <BellOutlined />, label: t('hh.notices.title') },
    { to: '/queue', icon: <CloudUploadOutlined />, label: t('hh.queue.title'), count: t('hh.home.waiting', { count: waiting }) },
  ];
  return (
    <div>
      {principal.roles.includes('grid-worker') && <DutyCard owner={principal.subject} />}
      <nav className="hh-tiles" aria-label={t('hh.home.label')}>
        {tiles.map((tile) => (
          <Link key={tile.to} to={tile.to} className="hh-tile">
            {tile.icon}
            <span>{tile.label}</span>
            {tile.count && <span className="hh-tile-count">{tile.count}</span>}
          </Link>
        ))}
      </nav>
      <div className="hh-row" style={{ marginTop: 24, justifyContent: 'space-between' }}>
        <span>{t('hh.language')}</span>
        <Segmented
          aria-label={t('hh.language')}
          value={i18n.language === 'en' ? 'en' : 'zh-CN'}
          options={[
            { label: '中文', value: 'zh-CN' },
            { label: 'English', value: 'en' },
          ]}
          onChange={(v) => void setLanguage(v as Language)}
        />
      </div>
      <Button icon={<LogoutOutlined />} block style={{ marginTop: 16 }} disabled={waiting > 0} onClick={() => void signOut()}>
        {waiting > 0 ? t('hh.home.signOutWaiting') : t('hh.signOut')}
      </Button>
    </div>
  );
}
