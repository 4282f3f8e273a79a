// Small shared pieces: status chips, loading/error states, cards.
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Chip, { type ChipProps } from '@mui/material/Chip';
import CircularProgress from '@mui/material/CircularProgress';
import Paper from '@mui/material/Paper';
import Typography from '@mui/material/Typography';
import type { ReactNode } from 'react';
import { ApiError } from '../api/client';
import { useLang, useT } from '../i18n';
import { statusLabel, statusTone, stepStatus, type StatusKind } from '../labels';

/** A status of any kind in words, coloured by what it means (red: a defect or a fault). */
export function StatusChip({ kind, value, label, testId }: { kind: StatusKind; value: string | null | undefined; label?: string; testId?: string }) {
  const lang = useLang();
  if (!value) return <span>–</span>;
  const tone = statusTone(kind, value);
  return (
    <Chip
      size="small"
      variant={tone === 'error' || kind === 'lot' ? 'filled' : 'outlined'}
      color={tone as ChipProps['color']}
      label={label ?? statusLabel(lang, kind, value)}
      data-status={value}
      data-tone={tone}
      data-testid={testId}
    />
  );
}

export function LotStatusChip({ status }: { status: string }) {
  return <StatusChip kind="lot" value={status} />;
}

/** A routing step: red with its verdict once it failed, else its state. */
export function StepChip({ status, result, testId }: { status: string; result: string | null | undefined; testId?: string }) {
  const step = stepStatus(status, result);
  return <StatusChip kind={step.kind} value={step.value} testId={testId} />;
}

/** Text someone wrote (a reason, release notes, a device's error detail): shown as written. */
export function UserText({ children }: { children: ReactNode }) {
  return (
    <Box component="span" data-user-text="">
      {children}
    </Box>
  );
}

/** Text that is an identifier or a code on purpose (an error code for support, a hash). */
export function Code({ children }: { children: ReactNode }) {
  return (
    <Box component="code" data-ident="" sx={{ fontFamily: 'monospace', fontSize: '0.8em', px: 0.5, borderRadius: 0.5, bgcolor: 'action.hover' }}>
      {children}
    </Box>
  );
}

export function Loading() {
  const t = useT();
  return (
    <Box sx={{ display: 'flex', alignItems: 'center', gap: 1, p: 2 }} role="status">
      <CircularProgress size={18} />
      <Typography color="text.secondary">{t('common.loading')}</Typography>
    </Box>
  );
}

export function errorText(error: unknown, t: ReturnType<typeof useT>): string {
  if (error instanceof ApiError) {
    if (error.status === 403) return t('error.forbidden');
    return `${error.message} (${error.code})`;
  }
  if (error instanceof TypeError) return t('error.network');
  return error instanceof Error ? error.message : String(error);
}

export function ErrorBox({ error }: { error: unknown }) {
  const t = useT();
  const code = error instanceof ApiError && error.status !== 403 ? error.code : null;
  const message = code ? (error as ApiError).message : errorText(error, t);
  return (
    <Alert severity="error" sx={{ my: 1 }}>
      {t('common.error', { message })} {code && <Code>{code}</Code>}
    </Alert>
  );
}

export function Section({ title, actions, children, testId }: { title: ReactNode; actions?: ReactNode; children: ReactNode; testId?: string }) {
  return (
    <Paper variant="outlined" sx={{ p: { xs: 1.5, sm: 2 }, mb: 2, minWidth: 0 }} data-testid={testId}>
      <Box sx={{ display: 'flex', alignItems: 'center', mb: 1, gap: 1, flexWrap: 'wrap' }}>
        <Typography variant="h6" component="h2" sx={{ flexGrow: 1, fontSize: '1.05rem' }}>
          {title}
        </Typography>
        {actions}
      </Box>
      {children}
    </Paper>
  );
}

export function PageTitle({ children, actions }: { children: ReactNode; actions?: ReactNode }) {
  return (
    <Box sx={{ display: 'flex', alignItems: 'center', mb: 2, gap: 1, flexWrap: 'wrap' }}>
      <Typography variant="h5" component="h1" sx={{ flexGrow: 1, fontWeight: 600 }}>
        {children}
      </Typography>
      {actions}
    </Box>
  );
}

export function Kpi({ label, value, color, testId }: { label: string; value: ReactNode; color?: string; testId?: string }) {
  return (
    <Paper variant="outlined" sx={{ p: { xs: 1.5, sm: 2 }, flex: '1 1 160px', minWidth: 140 }} data-testid={testId}>
      <Typography color="text.secondary" variant="body2">
        {label}
      </Typography>
      <Typography variant="h3" component="p" sx={{ fontWeight: 700, color, fontSize: { xs: '2.25rem', sm: '3rem' } }} className="kpi-value">
        {value}
      </Typography>
    </Paper>
  );
}
