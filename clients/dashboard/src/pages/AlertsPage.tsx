import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Dialog from '@mui/material/Dialog';
import DialogActions from '@mui/material/DialogActions';
import DialogContent from '@mui/material/DialogContent';
import DialogTitle from '@mui/material/DialogTitle';
import MenuItem from '@mui/material/MenuItem';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import { createColumnHelper } from '@tanstack/react-table';
import { useMemo, useState } from 'react';
import { Link as RouterLink, useSearchParams } from 'react-router-dom';
import { ALERT_RULES, alertText, ruleLabel } from '../alerts/text';
import { useAckAlert, useAlerts } from '../api/queries';
import type { AlertItem } from '../api/types';
import { Code, ErrorBox, Loading, PageTitle, Section, StatusChip, UserText } from '../components/bits';
import { DataTable } from '../components/DataTable';
import { useLang, useT } from '../i18n';
import { can } from '../permissions';
import { useUi } from '../store';
import { statusLabel } from '../labels';
import { formatDateTime } from '../time';

export const ALERTS_PAGE = 50;
const STATUSES = ['all', 'open', 'acknowledged', 'resolved'] as const;
const NOTE_MAX = 500;
const LOT_RE = /^[A-Z0-9]{1,8}-[A-Z]{2}-[0-9]{6}[DN]-[0-9]{3}$/;

/** The page's filters from its URL: `?status=open&rule=lot.held&subject=…&page=2`. */
export function alertFilterFrom(params: URLSearchParams) {
  const status = params.get('status') ?? 'all';
  const page = Math.max(0, Math.floor(Number(params.get('page') ?? 0)) || 0);
  return {
    status: (STATUSES as readonly string[]).includes(status) ? status : 'all',
    rule: params.get('rule') ?? '',
    subject: params.get('subject') ?? '',
    page,
  };
}

function Subject({ alert }: { alert: AlertItem }) {
  if (alert.subject_type === 'lot' && LOT_RE.test(alert.subject_id)) {
    return <RouterLink to={`/lots/${encodeURIComponent(alert.subject_id)}`}>{alert.subject_id}</RouterLink>;
  }
  if (alert.subject_type === 'printer') return <RouterLink to="/printers">{alert.subject_id}</RouterLink>;
  return <Code>{alert.subject_id}</Code>;
}

function AckDialog({ alert, onClose }: { alert: AlertItem; onClose: () => void }) {
  const t = useT();
  const lang = useLang();
  const ack = useAckAlert();
  const [note, setNote] = useState('');
  return (
    <Dialog open onClose={onClose} fullWidth maxWidth="sm">
      <DialogTitle>{t('alerts.ack_title')}</DialogTitle>
      <DialogContent sx={{ display: 'grid', gap: 2, pt: '8px !important' }}>
        <Typography>{alertText(lang, alert)}</Typography>
        <TextField
          label={t('alerts.ack_note')}
          value={note}
          onChange={(e) => setNote(e.target.value)}
          multiline
          minRows={2}
          slotProps={{ htmlInput: { maxLength: NOTE_MAX, 'data-testid': 'alert-ack-note' } }}
        />
        {ack.isError && <ErrorBox error={ack.error} />}
      </DialogContent>
      <DialogActions>
        <Button onClick={onClose}>{t('common.cancel')}</Button>
        <Button
          variant="contained"
          disabled={ack.isPending}
          onClick={() => ack.mutate({ alertId: alert.alert_id, note }, { onSuccess: onClose })}
          data-testid="alert-ack-submit"
        >
          {t('alerts.ack')}
        </Button>
      </DialogActions>
    </Dialog>
  );
}

const col = createColumnHelper<AlertItem>();

export default function AlertsPage() {
  const t = useT();
  const lang = useLang();
  const role = useUi((s) => s.session?.user.role);
  const mayAck = can(role, 'alert.ack');
  const [params, setParams] = useSearchParams();
  const filter = alertFilterFrom(params);
  const [subjectInput, setSubjectInput] = useState(filter.subject);
  const [acking, setAcking] = useState<AlertItem | null>(null);
  const list = useAlerts({
    status: filter.status === 'all' ? undefined : filter.status,
    rule: filter.rule || undefined,
    subject: filter.subject || undefined,
    limit: ALERTS_PAGE,
    offset: filter.page * ALERTS_PAGE,
  });

  const setFilter = (key: string, value: string) => {
    const next = new URLSearchParams(params);
    if (value && !(key === 'status' && value === 'all')) next.set(key, value);
    else next.delete(key);
    next.delete('page');
    setParams(next, { replace: true });
  };

  const columns = useMemo(() => {
    const cols = [
      col.accessor('severity', { header: t('alerts.severity'), meta: { exportValue: (a) => statusLabel(lang, 'severity', a.severity) }, cell: (c) => <StatusChip kind="severity" value={c.getValue()} /> }),
      col.accessor('status', { header: t('alerts.status'), meta: { exportValue: (a) => statusLabel(lang, 'alert', a.status) }, cell: (c) => <StatusChip kind="alert" value={c.getValue()} testId="alert-status" /> }),
      col.display({
        id: 'message',
        header: t('alerts.message'),
        meta: { exportValue: (a) => `${alertText(lang, a)} (${ruleLabel(lang, a.rule)})` },
        cell: (c) => (
          <Box component="span" data-alert-id={c.row.original.alert_id} data-alert-subject={c.row.original.subject_id} sx={{ display: 'inline-block', minWidth: 240, maxWidth: 420, whiteSpace: 'normal', overflowWrap: 'anywhere' }}>
            {alertText(lang, c.row.original)}
            <Typography variant="caption" color="text.secondary" component="div">
              {ruleLabel(lang, c.row.original.rule)}
            </Typography>
          </Box>
        ),
      }),
      col.accessor('subject_id', { header: t('alerts.subject'), cell: (c) => <Subject alert={c.row.original} /> }),
      col.accessor('raised_at', { header: t('alerts.raised_at'), meta: { exportValue: (a) => formatDateTime(a.raised_at) }, cell: (c) => formatDateTime(c.getValue()) }),
      col.accessor('acknowledged_at', {
        header: t('alerts.acknowledged'),
        meta: { exportValue: (a) => (a.acknowledged_at ? `${t('alerts.ack_by', { user: a.acknowledged_by ?? '', time: formatDateTime(a.acknowledged_at) })}${a.note ? ` — ${a.note}` : ''}` : '') },
        cell: (c) => {
          const a = c.row.original;
          if (!a.acknowledged_at) return '–';
          return (
            <Box component="span" data-testid="alert-ack-info" sx={{ display: 'inline-block', minWidth: 160, maxWidth: 280, whiteSpace: 'normal', overflowWrap: 'anywhere' }}>
              {t('alerts.ack_by', { user: a.acknowledged_by ?? '', time: formatDateTime(a.acknowledged_at) })}
              {a.note && (
                <Typography variant="body2" color="text.secondary" component="div">
                  <UserText>{a.note}</UserText>
                </Typography>
              )}
            </Box>
          );
        },
      }),
      col.accessor('resolved_at', { header: t('alerts.resolved_at'), meta: { exportValue: (a) => (a.resolved_at ? formatDateTime(a.resolved_at) : '') }, cell: (c) => (c.getValue() ? formatDateTime(c.getValue()) : '–') }),
    ];
    if (mayAck) {
      cols.push(
        col.display({
          id: 'ack',
          header: '',
          cell: (c) =>
            c.row.original.acknowledged_at ? null : (
              // a resolved alert may still be acknowledged (the record says somebody looked)
              <Button size="small" variant={c.row.original.resolved_at ? 'text' : 'outlined'} onClick={() => setAcking(c.row.original)} data-testid={`alert-ack-${c.row.original.alert_id}`}>
                {t('alerts.ack')}
              </Button>
            ),
        }),
      );
    }
    return cols;
  }, [t, lang, mayAck]);

  return (
    <Box>
      <PageTitle>{t('alerts.title')}</PageTitle>
      <Section title={t('common.search')}>
        <Box
          component="form"
          sx={{ display: 'flex', gap: 2, flexWrap: 'wrap' }}
          onSubmit={(e) => {
            e.preventDefault();
            setFilter('subject', subjectInput.trim());
          }}
        >
          <TextField select size="small" label={t('alerts.status')} value={filter.status} onChange={(e) => setFilter('status', e.target.value)} sx={{ minWidth: 140 }} slotProps={{ htmlInput: { 'data-testid': 'alerts-filter-status' } }}>
            {STATUSES.map((s) => (
              <MenuItem key={s} value={s} data-testid={`alerts-status-${s}`}>
                {s === 'all' ? t('common.all') : t(`alerts.status.${s}`)}
              </MenuItem>
            ))}
          </TextField>
          <TextField select size="small" label={t('alerts.rule')} value={(ALERT_RULES as readonly string[]).includes(filter.rule) ? filter.rule : ''} onChange={(e) => setFilter('rule', e.target.value)} sx={{ minWidth: 200 }}>
            <MenuItem value="">{t('common.all')}</MenuItem>
            {ALERT_RULES.map((r) => (
              <MenuItem key={r} value={r}>
                {ruleLabel(lang, r)}
              </MenuItem>
            ))}
          </TextField>
          <TextField
            size="small"
            label={t('alerts.subject')}
            value={subjectInput}
            onChange={(e) => setSubjectInput(e.target.value)}
            onBlur={() => setFilter('subject', subjectInput.trim())}
            slotProps={{ htmlInput: { 'data-testid': 'alerts-filter-subject', maxLength: 200 } }}
          />
        </Box>
      </Section>
      <Section title={list.data ? t('common.total', { count: list.data.total }) : t('alerts.title')}>
        {list.isPending ? (
          <Loading />
        ) : list.isError ? (
          <ErrorBox error={list.error} />
        ) : (
          <DataTable
            testId="alerts-table"
            data={list.data.items}
            columns={columns}
            rowKey={(a) => a.alert_id}
            empty={t('alerts.empty')}
            paging={{
              total: list.data.total,
              page: filter.page,
              pageSize: ALERTS_PAGE,
              onPage: (p) => {
                const next = new URLSearchParams(params);
                next.set('page', String(p));
                setParams(next);
              },
            }}
          />
        )}
      </Section>
      {acking && <AckDialog alert={acking} onClose={() => setAcking(null)} />}
    </Box>
  );
}
