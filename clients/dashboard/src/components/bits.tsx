// Small shared pieces: status chips, loading/error states, cards, JSON view.
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Chip, { type ChipProps } from '@mui/material/Chip';
import CircularProgress from '@mui/material/CircularProgress';
import Paper from '@mui/material/Paper';
import Typography from '@mui/material/Typography';
import type { ReactNode } from 'react';
import { ApiError } from '../api/client';
import { translateLoose, useLang, useT } from '../i18n';

type Color = ChipProps['color'];

const LOT_COLORS: Record<string, Color> = {
  CREATED: 'default',
  IN_PROGRESS: 'info',
  COMPLETED: 'success',
  CLOSED: 'secondary',
};

export function LotStatusChip({ status }: { status: string }) {
  const lang = useLang();
  return (
    <Chip
      size="small"
      color={LOT_COLORS[status] ?? 'default'}
      label={translateLoose(lang, `lot.status.${status}`, status)}
      data-status={status}
    />
  );
}

const RESULT_COLORS: Record<string, Color> = {
  PASS: 'success',
  PASSED: 'success',
  SUCCESS: 'success',
  FAIL: 'error',
  FAILED: 'error',
  COMPLETED: 'success',
  IN_PROGRESS: 'info',
  STARTED: 'info',
  RELEASED: 'success',
  WITHDRAWN: 'error',
  SUPERSEDED: 'default',
  UPLOADED: 'info',
  sent: 'success',
  ready: 'success',
  not_connected: 'error',
  out_of_paper: 'error',
  offline: 'error',
  error: 'error',
  paused: 'warning',
  unknown: 'default',
  failed: 'error',
  retrying: 'warning',
  queued: 'default',
  pending: 'default',
};

export function ResultChip({ value, label }: { value: string | null | undefined; label?: string }) {
  if (!value) return <span>–</span>;
  return <Chip size="small" variant="outlined" color={RESULT_COLORS[value] ?? 'default'} label={label ?? value} />;
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
  return (
    <Alert severity="error" sx={{ my: 1 }}>
      {t('common.error', { message: errorText(error, t) })}
    </Alert>
  );
}

export function Section({ title, actions, children, testId }: { title: ReactNode; actions?: ReactNode; children: ReactNode; testId?: string }) {
  return (
    <Paper variant="outlined" sx={{ p: 2, mb: 2 }} data-testid={testId}>
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

/** process_data and audit values: a compact key/value listing of nested JSON. */
export function DataView({ value }: { value: unknown }) {
  if (value === null || value === undefined) return <span>–</span>;
  if (typeof value !== 'object') return <span>{String(value)}</span>;
  if (Array.isArray(value)) {
    return (
      <Box component="ol" sx={{ m: 0, pl: 2.5 }}>
        {value.map((item, i) => (
          <li key={i}>
            <DataView value={item} />
          </li>
        ))}
      </Box>
    );
  }
  const entries = Object.entries(value as Record<string, unknown>);
  if (!entries.length) return <span>–</span>;
  return (
    <Box component="dl" sx={{ m: 0, display: 'grid', gridTemplateColumns: 'max-content 1fr', columnGap: 1.5, rowGap: 0.25 }}>
      {entries.map(([k, v]) => (
        <Box key={k} sx={{ display: 'contents' }}>
          <Box component="dt" sx={{ color: 'text.secondary', fontFamily: 'monospace', fontSize: '0.8rem' }}>
            {k}
          </Box>
          <Box component="dd" sx={{ m: 0, fontSize: '0.85rem' }}>
            <DataView value={v} />
          </Box>
        </Box>
      ))}
    </Box>
  );
}

export function Kpi({ label, value, color, testId }: { label: string; value: ReactNode; color?: string; testId?: string }) {
  return (
    <Paper variant="outlined" sx={{ p: 2, flex: '1 1 160px', minWidth: 150 }} data-testid={testId}>
      <Typography color="text.secondary" variant="body2">
        {label}
      </Typography>
      <Typography variant="h3" component="p" sx={{ fontWeight: 700, color }} className="kpi-value">
        {value}
      </Typography>
    </Paper>
  );
}
