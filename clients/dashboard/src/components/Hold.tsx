// A LOT on hold (ADR 0023), in red wherever it shows (ADR 0018): a chip for lists, a banner
// for the LOT detail with the failed step, its failed checks and the NCR.
import Alert from '@mui/material/Alert';
import AlertTitle from '@mui/material/AlertTitle';
import Box from '@mui/material/Box';
import Chip from '@mui/material/Chip';
import Typography from '@mui/material/Typography';
import { Link as RouterLink } from 'react-router-dom';
import { useNcr } from '../api/queries';
import type { FailedCheck, LotHold } from '../api/types';
import { processName, useLang, useT } from '../i18n';
import type { DefectLike } from '../labels';
import { StatusChip } from './bits';
import { DefectTable } from './DataView';

/** The NCR's failed checks in the shape of the defect table (`check` → `check_name`). */
export function asDefects(checks: FailedCheck[] | null | undefined): DefectLike[] {
  return (checks ?? []).map(({ check, ...rest }) => ({ ...rest, check_name: check }));
}

export function ncrPath(ncr: string): string {
  return `/ncr/${encodeURIComponent(ncr)}`;
}

/** "보류 · NCR-…" in red; with an NCR number it links to the NCR. */
export function HoldChip({ ncr }: { ncr?: string | null }) {
  const t = useT();
  const common = { size: 'small', color: 'error', 'data-testid': 'lot-hold', 'data-tone': 'error', 'data-ncr': ncr ?? '' } as const;
  if (!ncr) return <Chip {...common} label={t('hold.chip')} />;
  return (
    <Chip
      {...common}
      label={t('hold.chip_ncr', { ncr })}
      component={RouterLink}
      to={ncrPath(ncr)}
      clickable
      onClick={(e: React.MouseEvent) => e.stopPropagation()}
    />
  );
}

export function HoldBanner({ hold }: { hold: LotHold }) {
  const t = useT();
  const lang = useLang();
  const ncr = useNcr(hold.ncr_number);
  const failed = `${hold.process_id} ${processName(lang, hold.process_id)}`;
  const from = hold.rework_from ? `${hold.rework_from} ${processName(lang, hold.rework_from)}` : null;
  return (
    <Alert severity="error" variant="outlined" sx={{ mb: 2, '& .MuiAlert-message': { minWidth: 0, flex: 1 } }} data-testid="hold-banner" data-phase={hold.phase} data-tone="error">
      <AlertTitle sx={{ fontWeight: 700 }}>{t('hold.title')}</AlertTitle>
      <Box sx={{ display: 'flex', flexWrap: 'wrap', gap: 2, alignItems: 'center', mb: 1 }}>
        <Typography variant="body2">
          {t('hold.failed_step')}: <b data-testid="hold-step">{failed}</b>
        </Typography>
        <Typography variant="body2" component="div" sx={{ display: 'flex', gap: 0.5, alignItems: 'center' }}>
          {t('hold.phase')}: <StatusChip kind="holdPhase" value={hold.phase} testId="hold-phase" />
        </Typography>
        {from && (
          <Typography variant="body2">
            {t('hold.rework_from')}: <b>{from}</b>
          </Typography>
        )}
        <Typography variant="body2">
          {t('hold.ncr')}:{' '}
          <RouterLink to={ncrPath(hold.ncr_number)} data-testid="hold-ncr">
            {hold.ncr_number}
          </RouterLink>
        </Typography>
      </Box>
      <Typography variant="body2" sx={{ mb: 1 }}>
        {hold.phase === 'REWORK' && from ? t('hold.rework_hint', { from, to: failed }) : t('hold.open_hint')}
      </Typography>
      {ncr.data && ncr.data.failed_checks.length > 0 && (
        <DefectTable defects={asDefects(ncr.data.failed_checks)} title={t('ncr.failed_checks', { count: ncr.data.failed_checks.length })} />
      )}
    </Alert>
  );
}
