import { lazy, Suspense } from 'react';
import { BrowserRouter, Navigate, Route, Routes } from 'react-router';
import { App as AntApp, Spin, theme } from 'antd';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { AuthProvider } from '../shared/auth/AuthProvider';
import { LocalizedConfig } from '../shared/i18n/LocalizedConfig';
import { CallbackPage, SignedOutPage } from '../shared/auth/CallbackPage';
import { ApiError } from '../shared/api/client';
import { LiveFeedProvider } from '../shared/live/LiveFeedProvider';
import { AppLayout } from './AppLayout';
import { MapPage } from '../map/MapPage';
import { CaseDeskPage } from '../cases/CaseDeskPage';
import { CaseDetailPage } from '../cases/CaseDetailPage';

// Pages other than the map and the desk load when first opened (ECharts only for the boards).
const KpiPage = lazy(() => import('../kpis/KpiPage').then((m) => ({ default: m.KpiPage })));
const DashboardPage = lazy(() => import('../dashboard/DashboardPage').then((m) => ({ default: m.DashboardPage })));
const WallPage = lazy(() => import('../dashboard/WallPage').then((m) => ({ default: m.WallPage })));
const ParametersPage = lazy(() => import('../admin/ParametersPage').then((m) => ({ default: m.ParametersPage })));
const DepartmentsPage = lazy(() => import('../admin/DepartmentsPage').then((m) => ({ default: m.DepartmentsPage })));
const OrgPage = lazy(() => import('../admin/OrgPage').then((m) => ({ default: m.OrgPage })));
const FieldPage = lazy(() => import('../field/FieldPage').then((m) => ({ default: m.FieldPage })));
const WorkOrdersPage = lazy(() => import('../office/WorkOrdersPage').then((m) => ({ default: m.WorkOrdersPage })));
const ServicesPage = lazy(() => import('../office/ServicesPage').then((m) => ({ default: m.ServicesPage })));
const NoticesPage = lazy(() => import('../office/NoticesPage').then((m) => ({ default: m.NoticesPage })));
const InboxPage = lazy(() => import('../office/InboxPage').then((m) => ({ default: m.InboxPage })));
const SubscriptionsPage = lazy(() => import('../office/SubscriptionsPage').then((m) => ({ default: m.SubscriptionsPage })));
const ImportsPage = lazy(() => import('../admin/ImportsPage').then((m) => ({ default: m.ImportsPage })));

const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      staleTime: 15_000,
      refetchOnWindowFocus: false,
      // A refusal (4xx) will not change by asking again; a network hiccup might.
      retry: (count, err) => count < 2 && !(err instanceof ApiError && err.status < 500),
    },
  },
});

export function App() {
  return (
    <LocalizedConfig theme={{ algorithm: theme.defaultAlgorithm, token: { colorPrimary: '#1f4e8c', borderRadius: 6 } }}>
      <AntApp>
        <QueryClientProvider client={queryClient}>
          <BrowserRouter>
            <Routes>
              <Route path="/callback" element={<CallbackPage />} />
              <Route path="/signed-out" element={<SignedOutPage />} />
              <Route
                path="*"
                element={
                  <AuthProvider>
                    <LiveFeedProvider>
                      <Suspense fallback={<Spin size="large" className="gm-fullscreen-center" />}>
                      <Routes>
                        <Route path="/wall" element={<WallPage />} />
                        <Route element={<AppLayout />}>
                          <Route path="/" element={<Navigate to="/map" replace />} />
                          <Route path="/map" element={<MapPage />} />
                          <Route path="/cases" element={<CaseDeskPage />} />
                          <Route path="/cases/:id" element={<CaseDetailPage />} />
                          <Route path="/field" element={<FieldPage />} />
                          <Route path="/kpis" element={<KpiPage />} />
                          <Route path="/dashboard" element={<DashboardPage />} />
                          <Route path="/office/work-orders" element={<WorkOrdersPage />} />
                          <Route path="/office/services" element={<ServicesPage />} />
                          <Route path="/office/notices" element={<NoticesPage />} />
                          <Route path="/office/inbox" element={<InboxPage />} />
                          <Route path="/office/subscriptions" element={<SubscriptionsPage />} />
                          <Route path="/admin" element={<Navigate to="/admin/parameters" replace />} />
                          <Route path="/admin/parameters" element={<ParametersPage />} />
                          <Route path="/admin/org" element={<OrgPage />} />
                          <Route path="/admin/departments" element={<DepartmentsPage />} />
                          <Route path="/admin/imports" element={<ImportsPage />} />
                          <Route path="*" element={<Navigate to="/map" replace />} />
                        </Route>
                      </Routes>
                      </Suspense>
                    </LiveFeedProvider>
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
