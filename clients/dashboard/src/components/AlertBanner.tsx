import Alert from '@mui/material/Alert';
import Badge from '@mui/material/Badge';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Chip from '@mui/material/Chip';
import IconButton from '@mui/material/IconButton';
import Link from '@mui/material/Link';
import SvgIcon from '@mui/material/SvgIcon';
import Typography from '@mui/material/Typography';
import { Link as RouterLink } from 'react-router-dom';
import { activeCount, bannerAlerts } from '../alerts/active';
import { alertText, SEVERITY_TONE, severityLabel } from '../alerts/text';
import { useActiveAlerts } from '../api/queries';
import { useLang, useT } from '../i18n';
import { formatDateTime } from '../time';

/** How many alerts the banner names; the rest are "+N more". */
export const BANNER_MAX = 3;

function BellIcon() {
  return (
    <SvgIcon fontSize="small">
      <path d="M12 22c1.1 0 2-.9 2-2h-4c0 1.1.89 2 2 2zm6-6v-5c0-3.07-1.64-5.64-4.5-6.32V4c0-.83-.67-1.5-1.5-1.5s-1.5.67-1.5 1.5v.68C7.63 5.36 6 7.92 6 11v5l-2 2v1h16v-1l-2-2z" />
    </SvgIcon>
  );
}

/** The app bar's bell: the number of unresolved alerts (open or acknowledged). */
export function AlertBadge() {
  const t = useT();
  const active = useActiveAlerts();
  const count = active.data ? activeCount(active.data) : 0;
  return (
    <IconButton color="inherit" size="small" component={RouterLink} to="/alerts" aria-label={t('alerts.badge', { count })} title={t('alerts.badge', { count })} data-testid="alert-badge" data-count={count} sx={{ flexShrink: 0 }}>
      <Badge badgeContent={count} color="error" max={99}>
        <BellIcon />
      </Badge>
    </IconButton>
  );
}

/** Under the app bar on every page: open alerts nobody has acknowledged yet, most severe and
 * newest first, with a way to the alerts centre. */
export function AlertBanner() {
  const t = useT();
  const lang = useLang();
  const active = useActiveAlerts();
  const shown = bannerAlerts(active.data ?? []);
  if (!shown.length) return null;
  const first = shown.slice(0, BANNER_MAX);
  const more = shown.length - first.length;
  return (
    <Alert
      severity={SEVERITY_TONE[shown[0]!.severity] ?? 'warning'}
      variant="filled"
      square
      data-testid="alert-banner"
      data-alert-ids={shown.map((a) => a.alert_id).join(',')}
      data-subjects={shown.map((a) => a.subject_id).join(',')}
      data-count={shown.length}
      sx={{ py: 0.25, px: { xs: 1, sm: 2 }, '& .MuiAlert-message': { minWidth: 0, flex: 1 } }}
      action={
        <Button color="inherit" size="small" component={RouterLink} to="/alerts?status=open" data-testid="alert-banner-link" sx={{ whiteSpace: 'nowrap' }}>
          {t('alerts.open_page')}
        </Button>
      }
    >
      <Typography variant="body2" sx={{ fontWeight: 700 }}>
        {t('alerts.banner_title', { count: shown.length })}
      </Typography>
      <Box component="ul" sx={{ m: 0, p: 0, listStyle: 'none' }}>
        {first.map((a) => (
          <Box component="li" key={a.alert_id} data-testid="alert-banner-item" data-alert-id={a.alert_id} data-subject={a.subject_id} data-severity={a.severity} sx={{ display: 'flex', gap: 1, alignItems: 'center', flexWrap: 'wrap' }}>
            <Chip size="small" label={severityLabel(lang, a.severity)} sx={{ height: 18, bgcolor: 'rgba(255,255,255,0.25)', color: 'inherit' }} />
            <Typography variant="body2" component="span" sx={{ overflowWrap: 'anywhere' }}>
              {alertText(lang, a)}
            </Typography>
            <Typography variant="caption" component="span" sx={{ opacity: 0.85, whiteSpace: 'nowrap' }}>
              {formatDateTime(a.raised_at)}
            </Typography>
          </Box>
        ))}
      </Box>
      {more > 0 && (
        <Link component={RouterLink} to="/alerts?status=open" color="inherit" variant="body2" data-testid="alert-banner-more">
          {t('alerts.more', { count: more })}
        </Link>
      )}
    </Alert>
  );
}
