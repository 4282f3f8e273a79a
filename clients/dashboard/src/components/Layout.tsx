import AppBar from '@mui/material/AppBar';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Chip from '@mui/material/Chip';
import Container from '@mui/material/Container';
import IconButton from '@mui/material/IconButton';
import { useTheme } from '@mui/material/styles';
import SvgIcon from '@mui/material/SvgIcon';
import Tab from '@mui/material/Tab';
import Tabs from '@mui/material/Tabs';
import Toolbar from '@mui/material/Toolbar';
import Typography from '@mui/material/Typography';
import useMediaQuery from '@mui/material/useMediaQuery';
import { lazy, Suspense, useState } from 'react';
import { Link as RouterLink, Outlet, useLocation } from 'react-router-dom';
import { logout } from '../api/client';
import { useT } from '../i18n';
import { useLiveFeed } from '../live/useLiveFeed';
import { navFor, type NavItem } from '../permissions';
import { useUi, type LiveStatus } from '../store';
import { AlertBadge, AlertBanner } from './AlertBanner';
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

// The drawer is for narrow screens only: it loads the first time someone opens it.
const NavDrawer = lazy(() => import('./NavDrawer'));

export function activeTab(pathname: string, paths: string[]): string | false {
  const match = paths
    .filter((p) => (p === '/' ? pathname === '/' : pathname === p || pathname.startsWith(p + '/')))
    .sort((a, b) => b.length - a.length)[0];
  return match ?? false;
}

export function navId(item: NavItem): string {
  return `nav-${item.path === '/' ? 'overview' : item.path.slice(1)}`;
}

function LiveChip() {
  const t = useT();
  const live = useUi((s) => s.live);
  return (
    <Chip
      size="small"
      color={LIVE_COLORS[live]}
      label={t(`live.${live}`)}
      data-testid="live-status"
      data-live={live}
      sx={{ bgcolor: live === 'open' ? 'success.light' : undefined, color: 'white', flexShrink: 0 }}
    />
  );
}

function MenuIcon() {
  return (
    <SvgIcon>
      <path d="M3 18h18v-2H3v2zm0-5h18v-2H3v2zm0-7v2h18V6H3z" />
    </SvgIcon>
  );
}

function WideHeader({ items }: { items: NavItem[] }) {
  const t = useT();
  const user = useUi((s) => s.session?.user);
  const location = useLocation();
  return (
    <>
      <Toolbar variant="dense" sx={{ gap: 1.5 }}>
        <Typography variant="h6" component="div" sx={{ fontWeight: 700, whiteSpace: 'nowrap' }}>
          {t('app.title')}
        </Typography>
        <Typography variant="body2" sx={{ opacity: 0.8, display: { xs: 'none', lg: 'block' }, whiteSpace: 'nowrap' }}>
          {t('app.subtitle')}
        </Typography>
        <Box sx={{ flexGrow: 1 }} />
        <AlertBadge />
        <LiveChip />
        <LanguageSwitch />
        {user && (
          <Typography variant="body2" data-testid="current-user" sx={{ whiteSpace: 'nowrap', overflow: 'hidden', textOverflow: 'ellipsis', minWidth: 0 }}>
            {user.display_name} · {t(`role.${user.role}`)}
          </Typography>
        )}
        <Button color="inherit" size="small" onClick={() => void logout()} data-testid="logout" sx={{ flexShrink: 0 }}>
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
          <Tab key={item.path} value={item.path} label={t(item.key)} component={RouterLink} to={item.path} sx={{ minHeight: 40, py: 0 }} data-testid={navId(item)} />
        ))}
      </Tabs>
    </>
  );
}

function NarrowHeader({ items }: { items: NavItem[] }) {
  const t = useT();
  const [open, setOpen] = useState(false);
  const [opened, setOpened] = useState(false);
  const location = useLocation();
  const current = items.find((i) => i.path === activeTab(location.pathname, items.map((n) => n.path)));
  return (
    <Toolbar variant="dense" sx={{ gap: 1, px: { xs: 1, sm: 2 } }}>
      <IconButton
        color="inherit"
        edge="start"
        aria-label={t('nav.menu')}
        onClick={() => {
          setOpened(true);
          setOpen(true);
        }}
        data-testid="nav-menu"
      >
        <MenuIcon />
      </IconButton>
      <Typography variant="subtitle1" component="div" sx={{ fontWeight: 700, whiteSpace: 'nowrap', overflow: 'hidden', textOverflow: 'ellipsis', minWidth: 0, flexGrow: 1 }}>
        {t('app.title')}
        {current ? ` · ${t(current.key)}` : ''}
      </Typography>
      <AlertBadge />
      <LiveChip />
      {opened && (
        <Suspense fallback={null}>
          <NavDrawer items={items} open={open} onClose={() => setOpen(false)} />
        </Suspense>
      )}
    </Toolbar>
  );
}

export function Layout() {
  const t = useT();
  const session = useUi((s) => s.session);
  const location = useLocation();
  const theme = useTheme();
  const narrow = useMediaQuery(theme.breakpoints.down('md'), { noSsr: true });
  useLiveFeed(!!session);
  const items = navFor(session?.user.role);
  return (
    <Box sx={{ minHeight: '100vh', bgcolor: 'grey.50' }}>
      <AppBar position="sticky" elevation={1}>
        {narrow ? <NarrowHeader items={items} /> : <WideHeader items={items} />}
      </AppBar>
      <AlertBanner />
      <Container maxWidth="xl" sx={{ py: 2, px: { xs: 1, sm: 2, md: 3 } }}>
        <ErrorBoundary resetKey={location.pathname} message={t('common.error', { message: '' }).replace(/[:\s]+$/, '')} retry={t('common.refresh')}>
          <Suspense fallback={<Loading />}>
            <Outlet />
          </Suspense>
        </ErrorBoundary>
      </Container>
    </Box>
  );
}
