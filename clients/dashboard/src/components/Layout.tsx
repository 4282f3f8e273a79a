import AppBar from '@mui/material/AppBar';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Chip from '@mui/material/Chip';
import Container from '@mui/material/Container';
import Tab from '@mui/material/Tab';
import Tabs from '@mui/material/Tabs';
import Toolbar from '@mui/material/Toolbar';
import Typography from '@mui/material/Typography';
import { Suspense } from 'react';
import { Link as RouterLink, Outlet, useLocation } from 'react-router-dom';
import { logout } from '../api/client';
import { useT } from '../i18n';
import { useLiveFeed } from '../live/useLiveFeed';
import { navFor } from '../permissions';
import { useUi, type LiveStatus } from '../store';
import { Loading } from './bits';
import { ErrorBoundary } from './ErrorBoundary';

const LIVE_COLORS: Record<LiveStatus, 'success' | 'warning' | 'default' | 'error'> = {
  open: 'success',
  connecting: 'default',
  reconnecting: 'warning',
  closed: 'error',
};

export function LanguageSwitch() {
  const t = useT();
  const lang = useUi((s) => s.lang);
  const setLang = useUi((s) => s.setLang);
  return (
    <Button color="inherit" size="small" onClick={() => setLang(lang === 'ko' ? 'en' : 'ko')} data-testid="lang-switch">
      {t('lang.switch')}
    </Button>
  );
}

function activeTab(pathname: string, paths: string[]): string | false {
  const match = paths
    .filter((p) => (p === '/' ? pathname === '/' : pathname === p || pathname.startsWith(p + '/')))
    .sort((a, b) => b.length - a.length)[0];
  return match ?? false;
}

export function Layout() {
  const t = useT();
  const session = useUi((s) => s.session);
  const live = useUi((s) => s.live);
  const location = useLocation();
  useLiveFeed(!!session);
  const items = navFor(session?.user.role);
  const user = session?.user;
  return (
    <Box sx={{ minHeight: '100vh', bgcolor: 'grey.50' }}>
      <AppBar position="sticky" elevation={1}>
        <Toolbar variant="dense" sx={{ gap: 1.5 }}>
          <Typography variant="h6" component="div" sx={{ fontWeight: 700, whiteSpace: 'nowrap' }}>
            {t('app.title')}
          </Typography>
          <Typography variant="body2" sx={{ opacity: 0.8, display: { xs: 'none', md: 'block' } }}>
            {t('app.subtitle')}
          </Typography>
          <Box sx={{ flexGrow: 1 }} />
          <Chip
            size="small"
            color={LIVE_COLORS[live]}
            label={t(`live.${live}`)}
            data-testid="live-status"
            data-live={live}
            sx={{ bgcolor: live === 'open' ? 'success.light' : undefined, color: 'white' }}
          />
          <LanguageSwitch />
          {user && (
            <Typography variant="body2" data-testid="current-user" sx={{ whiteSpace: 'nowrap' }}>
              {user.display_name} · {t(`role.${user.role}`)}
            </Typography>
          )}
          <Button color="inherit" size="small" onClick={() => void logout()} data-testid="logout">
            {t('auth.logout')}
          </Button>
        </Toolbar>
        <Tabs
          value={activeTab(location.pathname, items.map((i) => i.path))}
          textColor="inherit"
          variant="scrollable"
          scrollButtons="auto"
          sx={{ minHeight: 40, px: 1, '& .MuiTabs-indicator': { backgroundColor: 'white' } }}
        >
          {items.map((item) => (
            <Tab
              key={item.path}
              value={item.path}
              label={t(item.key)}
              component={RouterLink}
              to={item.path}
              sx={{ minHeight: 40, py: 0 }}
              data-testid={`nav-${item.path === '/' ? 'overview' : item.path.slice(1)}`}
            />
          ))}
        </Tabs>
      </AppBar>
      <Container maxWidth="xl" sx={{ py: 2 }}>
        <ErrorBoundary resetKey={location.pathname} message={t('common.error', { message: '' }).replace(/[:\s]+$/, '')} retry={t('common.refresh')}>
          <Suspense fallback={<Loading />}>
            <Outlet />
          </Suspense>
        </ErrorBoundary>
      </Container>
    </Box>
  );
}
