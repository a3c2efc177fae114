import { useEffect } from 'react';
import { BrowserRouter, Navigate, NavLink, Outlet, Route, Routes } from 'react-router';
import { App as AntApp, Button, Result } from 'antd';
import { AppstoreOutlined, CloudUploadOutlined, CarryOutOutlined, FormOutlined } from '@ant-design/icons';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { AuthProvider, useAuth } from '../shared/auth/AuthProvider';
import { CallbackPage, SignedOutPage } from '../shared/auth/CallbackPage';
import { hasAnyRole, signOut } from '../shared/auth/auth';
import { LocalizedConfig } from '../shared/i18n/LocalizedConfig';
import { syncEngine } from './offline/sync-engine';
import { SyncBadge } from './SyncBadge';
import { HomePage } from './pages/HomePage';
import { TasksPage, TaskPage } from './pages/TasksPage';
import { ReportPage } from './pages/ReportPage';
import { PatrolPage } from './pages/PatrolPage';
import { VisitPage } from './pages/VisitPage';
import { MustReportPage } from './pages/MustReportPage';
import { QueuePage } from './pages/QueuePage';
import { MyCasesPage, MyCasePage } from './pages/MyCasesPage';
import { DiaryPage } from './pages/DiaryPage';
import { NoticePage, NoticesPage } from './pages/NoticesPage';

const queryClient = new QueryClient({ defaultOptions: { queries: { refetchOnWindowFocus: false } } });

/** The grid worker's handheld (a PWA served by the tier's mobile-gateway): big targets, Chinese first, offline first. */
export function HandheldApp() {
  return (
    <LocalizedConfig
      componentSize="large"
      theme={{ token: { colorPrimary: '#123a6b', fontSize: 16, borderRadius: 8, colorText: '#111111', colorTextSecondary: '#394150', controlHeightLG: 48 } }}
    >
      <AntApp>
        <QueryClientProvider client={queryClient}>
          <BrowserRouter>
            <Routes>
              <Route path="/callback" element={<CallbackPage />} />
              <Route path="/signed-out" element={<SignedOutPage />} />
              <Route
                path="*"
                element={
                  <AuthProvider offline>
                    <Routes>
                      <Route element={<Shell />}>
                        <Route path="/" element={<HomePage />} />
                        <Route path="/tasks" element={<TasksPage />} />
                        <Route path="/tasks/:id" element={<TaskPage />} />
                        <Route path="/report" element={<ReportPage mode="report" />} />
                        <Route path="/on-the-spot" element={<ReportPage mode="on-the-spot" />} />
                        <Route path="/patrol" element={<PatrolPage />} />
                        <Route path="/visit" element={<VisitPage />} />
                        <Route path="/must-report" element={<MustReportPage />} />
                        <Route path="/cases" element={<MyCasesPage />} />
                        <Route path="/cases/:id" element={<MyCasePage />} />
                        <Route path="/queue" element={<QueuePage />} />
                        <Route path="/diary" element={<DiaryPage />} />
                        <Route path="/notices" element={<NoticesPage />} />
                        <Route path="/notices/:id" element={<NoticePage />} />
                        <Route path="*" element={<Navigate to="/" replace />} />
                      </Route>
                    </Routes>
                  </AuthProvider>
                }
              />
            </Routes>
          </BrowserRouter>
        </QueryClientProvider>
      </AntApp>
    </LocalizedConfig>
  );
}

function Shell() {
  const { t } = useTranslation();
  const { principal } = useAuth();
  useEffect(() => syncEngine.start(principal.subject), [principal.subject]);
  if (!hasAnyRole(principal, ['grid-worker', 'grid-leader'])) {
    return (
      <Result
        status="403"
        title={t('hh.notWorker')}
        subTitle={t('hh.notWorkerHint', { user: principal.username })}
        extra={<Button type="primary" onClick={() => void signOut()}>{t('hh.signOut')}</Button>}
      />
    );
  }
  return (
    <div className="hh">
      <header className="hh-top">
        <h1>
          {t('hh.title')}
          <small>{t('hh.who', { user: principal.username, grid: principal.orgUnit })}</small>
        </h1>
        <SyncBadge owner={principal.subject} />
      </header>
      <main className="hh-main">
        <Outlet />
      </main>
      <nav className="hh-nav" aria-label={t('hh.nav.label')}>
        <div className="hh-nav-inner">
          <NavLink to="/" end>
            <AppstoreOutlined />
            {t('hh.nav.home')}
          </NavLink>
          <NavLink to="/tasks">
            <CarryOutOutlined />
            {t('hh.nav.tasks')}
          </NavLink>
          <NavLink to="/report">
            <FormOutlined />
            {t('hh.nav.report')}
          </NavLink>
          <NavLink to="/queue">
            <CloudUploadOutlined />
            {t('hh.nav.queue')}
          </NavLink>
        </div>
      </nav>
    </div>
  );
}
