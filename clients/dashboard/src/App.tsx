import { lazy, Suspense, type ReactNode } from 'react';
import { Navigate, Route, Routes, useLocation } from 'react-router-dom';
import { Loading } from './components/bits';
import { Layout } from './components/Layout';
import OverviewPage from './pages/OverviewPage';
import { can, type Action } from './permissions';
import { useUi } from './store';

// The overview is the landing page and ships in the main bundle; the rest load on demand,
// the sign-in page too (its form fields would otherwise weigh on every signed-in load).
const LoginPage = lazy(() => import('./pages/LoginPage'));
const LotsPage = lazy(() => import('./pages/LotsPage'));
const LotDetailPage = lazy(() => import('./pages/LotDetailPage'));
const TracePage = lazy(() => import('./pages/TracePage'));
const NcrPage = lazy(() => import('./pages/NcrPage'));
const QualityPage = lazy(() => import('./pages/QualityPage'));
const FirmwarePage = lazy(() => import('./pages/FirmwarePage'));
const PrintersPage = lazy(() => import('./pages/PrintersPage'));
const AlertsPage = lazy(() => import('./pages/AlertsPage'));
const AuditPage = lazy(() => import('./pages/AuditPage'));
const UsersPage = lazy(() => import('./pages/UsersPage'));

function RequireSession({ children }: { children: ReactNode }) {
  const session = useUi((s) => s.session);
  const location = useLocation();
  if (!session) return <Navigate to="/login" replace state={{ from: location.pathname + location.search }} />;
  return <>{children}</>;
}

function RequireAction({ action, children }: { action: Action; children: ReactNode }) {
  const role = useUi((s) => s.session?.user.role);
  return can(role, action) ? <>{children}</> : <Navigate to="/" replace />;
}

export function AppRoutes() {
  const session = useUi((s) => s.session);
  return (
    <Routes>
      <Route
        path="/login"
        element={
          session ? (
            <Navigate to="/" replace />
          ) : (
            <Suspense fallback={<Loading />}>
              <LoginPage />
            </Suspense>
          )
        }
      />
      <Route
        element={
          <RequireSession>
            <Layout />
          </RequireSession>
        }
      >
        <Route index element={<OverviewPage />} />
        <Route path="lots" element={<LotsPage />} />
        <Route path="lots/:lot" element={<LotDetailPage />} />
        <Route path="ncr" element={<NcrPage />} />
        <Route path="ncr/:number" element={<NcrPage />} />
        <Route path="trace" element={<TracePage />} />
        <Route path="quality" element={<QualityPage />} />
        <Route path="firmware" element={<FirmwarePage />} />
        <Route path="printers" element={<PrintersPage />} />
        <Route path="alerts" element={<AlertsPage />} />
        <Route
          path="audit"
          element={
            <RequireAction action="audit.read">
              <AuditPage />
            </RequireAction>
          }
        />
        <Route
          path="users"
          element={
            <RequireAction action="users.manage">
              <UsersPage />
            </RequireAction>
          }
        />
        <Route path="*" element={<Navigate to="/" replace />} />
      </Route>
    </Routes>
  );
}
