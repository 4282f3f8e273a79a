import Alert from '@mui/material/Alert';
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
import { useEffect, useMemo, useState, type FormEvent } from 'react';
import { useSearchParams } from 'react-router-dom';
import { ApiError } from '../api/client';
import { blobUrl } from '../api/client';
import { useLabelJobs, usePrinters, usePrinterStatus, useReprint, useReprints, useRetryJob, useTestPrint } from '../api/queries';
import type { LabelJob, Printer, Reprint } from '../api/types';
import { DataTable } from '../components/DataTable';
import { ErrorBox, Loading, PageTitle, Section, StatusChip, UserText } from '../components/bits';
import { useLang, useT } from '../i18n';
import type { Lang } from '../store';
import { errorCodeLabel, statusLabel } from '../labels';
import { formatDateTime } from '../time';
import { can } from '../permissions';
import { useUi } from '../store';

function StatusCell({ printer }: { printer: Printer }) {
  const status = usePrinterStatus(printer.printer_id);
  if (status.isPending) return <span>…</span>;
  if (status.isError) return <StatusChip kind="printer" value="error" />;
  return (
    <span title={status.data.detail ?? ''} data-testid={`printer-state-${printer.printer_id}`}>
      <StatusChip kind="printer" value={status.data.state} />
    </span>
  );
}

/** What label-service's status poll saw last (TCP printers; ADR 0024), kept fresh by
 * printer.status_changed on the live feed. */
function printerAddress(lang: Lang, p: Printer): string {
  const how = statusLabel(lang, 'transport', p.transport);
  return p.transport === 'TCP' ? `${how} · ${p.host}:${p.port}` : `${how} · ${p.serial_port ?? ''} @ ${p.station_id ?? ''}`;
}

export function LastStateCell({ printer }: { printer: Printer }) {
  if (!printer.last_state) return <span>–</span>;
  return (
    <Box component="span" sx={{ display: 'inline-flex', alignItems: 'center', gap: 1 }} data-testid={`printer-last-state-${printer.printer_id}`} data-state={printer.last_state}>
      <StatusChip kind="printer" value={printer.last_state} />
      {printer.last_state_at && (
        <Typography variant="caption" color="text.secondary">
          {formatDateTime(printer.last_state_at)}
        </Typography>
      )}
    </Box>
  );
}

function TestPrintButton({ printerId }: { printerId: string }) {
  const t = useT();
  const lang = useLang();
  const test = useTestPrint();
  return (
    <Box sx={{ display: 'flex', alignItems: 'center', gap: 1 }}>
      <Button size="small" variant="outlined" disabled={test.isPending} onClick={() => test.mutate(printerId)} data-testid={`test-print-${printerId}`}>
        {t('printers.test')}
      </Button>
      {test.data && <Typography variant="caption">{t('printers.test_done', { state: statusLabel(lang, 'job', test.data.state) })}</Typography>}
      {test.isError && (
        <Typography variant="caption" color="error" data-testid={`test-print-error-${printerId}`}>
          {test.error instanceof ApiError ? errorCodeLabel(lang, test.error.code, test.error.message) : (test.error as Error).message}
        </Typography>
      )}
    </Box>
  );
}

/** The label PNG (the API needs the token, so it is fetched and shown as an object URL). */
export function LabelPreview({ jobId }: { jobId: string }) {
  const [url, setUrl] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    let revoked = false;
    let made: string | null = null;
    blobUrl(`/api/v1/label/jobs/${encodeURIComponent(jobId)}/preview`)
      .then((u) => {
        made = u;
        if (revoked) URL.revokeObjectURL(u);
        else setUrl(u);
      })
      .catch(setError);
    return () => {
      revoked = true;
      if (made) URL.revokeObjectURL(made);
    };
  }, [jobId]);
  if (error) return <ErrorBox error={error} />;
  if (!url) return <Loading />;
  return <img src={url} alt={`label ${jobId}`} data-testid="label-preview" style={{ maxWidth: '100%', border: '1px solid #ddd', background: 'white' }} />;
}

function ReprintDialog({ job, printers, onClose }: { job: LabelJob; printers: Printer[]; onClose: () => void }) {
  const t = useT();
  const lang = useLang();
  const reprint = useReprint();
  const [reason, setReason] = useState('');
  const [printer, setPrinter] = useState(job.printer_id ?? '');
  const target = job.serial_number ?? job.lot_number;
  return (
    <Dialog open onClose={onClose} fullWidth maxWidth="sm">
      <DialogTitle>{t('printers.reprint_title', { target })}</DialogTitle>
      <DialogContent sx={{ display: 'grid', gap: 2, pt: '8px !important' }}>
        <LabelPreview jobId={job.job_id} />
        <TextField select label={t('printers.id')} value={printer} onChange={(e) => setPrinter(e.target.value)}>
          {printers.map((p) => (
            <MenuItem key={p.printer_id} value={p.printer_id}>
              {p.printer_id} · {p.name ?? p.model}
            </MenuItem>
          ))}
        </TextField>
        <TextField label={t('common.reason')} value={reason} onChange={(e) => setReason(e.target.value)} required multiline minRows={2} slotProps={{ htmlInput: { maxLength: 500, 'data-testid': 'reprint-reason' } }} />
        {reprint.isError && <ErrorBox error={reprint.error} />}
        {reprint.data && (
          <Alert severity={reprint.data.state === 'sent' ? 'success' : 'info'}>{t('printers.reprint_done', { state: statusLabel(lang, 'job', reprint.data.state) })}</Alert>
        )}
      </DialogContent>
      <DialogActions>
        <Button onClick={onClose} data-testid="reprint-close">
          {t('common.close')}
        </Button>
        <Button
          variant="contained"
          disabled={!reason.trim() || reprint.isPending || !!reprint.data}
          onClick={() =>
            reprint.mutate({
              ...(job.serial_number ? { serial_number: job.serial_number } : { lot_number: job.lot_number }),
              reason: reason.trim(),
              printer_id: printer || undefined,
            })
          }
          data-testid="reprint-submit"
        >
          {t('printers.reprint')}
        </Button>
      </DialogActions>
    </Dialog>
  );
}

const pcol = createColumnHelper<Printer>();
const jcol = createColumnHelper<LabelJob>();
const rcol = createColumnHelper<Reprint>();

export default function PrintersPage() {
  const t = useT();
  const lang = useLang();
  const role = useUi((s) => s.session?.user.role);
  const mayPrint = can(role, 'label.print');
  const printers = usePrinters();
  const reprints = useReprints();
  const [params] = useSearchParams();
  const initial = (params.get('q') ?? '').trim().toUpperCase();
  const [text, setText] = useState(initial);
  const [lookup, setLookup] = useState<string | null>(initial || null);
  const lot = lookup ? (/-[0-9]{4}$/.test(lookup) && lookup.split('-').length === 5 ? lookup.slice(0, -5) : lookup) : null;
  const jobs = useLabelJobs(lot);
  const [preview, setPreview] = useState<string | null>(null);
  const [reprinting, setReprinting] = useState<LabelJob | null>(null);
  const retry = useRetryJob();
  const shownJobs = (jobs.data?.items ?? []).filter((j) => !lookup || lookup === lot || j.serial_number === lookup);

  const pcolumns = useMemo(() => {
    const cols = [
      pcol.accessor('printer_id', { header: t('printers.id'), cell: (c) => <b>{c.getValue()}</b> }),
      pcol.accessor('name', { header: t('users.display_name'), cell: (c) => c.getValue() ?? '' }),
      pcol.accessor('model', { header: t('printers.model'), cell: (c) => `${c.getValue()} · ${c.row.original.language}` }),
      pcol.display({
        id: 'address',
        header: t('printers.address'),
        meta: { exportValue: (p) => printerAddress(lang, p) },
        cell: (c) => printerAddress(lang, c.row.original),
      }),
      pcol.accessor('purpose', {
        header: t('printers.purpose'),
        cell: (c) => `${statusLabel(lang, 'purpose', c.getValue())}${c.row.original.station_id ? ` · ${c.row.original.station_id}` : ''}`,
      }),
      pcol.display({ id: 'last_state', header: t('printers.last_state'), meta: { exportValue: (p) => (p.last_state ? `${statusLabel(lang, 'printer', p.last_state)} ${p.last_state_at ? formatDateTime(p.last_state_at) : ''}`.trim() : '') }, cell: (c) => <LastStateCell printer={c.row.original} /> }),
      pcol.display({ id: 'status', header: t('printers.state'), cell: (c) => <StatusCell printer={c.row.original} /> }),
    ];
    if (mayPrint) cols.push(pcol.display({ id: 'test', header: '', cell: (c) => <TestPrintButton printerId={c.row.original.printer_id} /> }));
    return cols;
  }, [t, lang, mayPrint]);

  const jcolumns = useMemo(() => {
    const cols = [
      jcol.accessor('created_at', { header: t('common.time'), cell: (c) => formatDateTime(c.getValue()) }),
      jcol.accessor('label_type', { header: t('printers.type'), cell: (c) => statusLabel(lang, 'labelType', c.getValue()) }),
      jcol.accessor((j) => j.serial_number ?? j.lot_number, { id: 'target', header: `${t('trace.kind.lot')} / ${t('trace.kind.serial')}` }),
      jcol.accessor('printer_id', { header: t('printers.id') }),
      jcol.accessor('state', {
        header: t('common.status'),
        cell: (c) => (
          <span title={c.getValue() !== 'sent' ? c.row.original.last_error ?? '' : ''}>
            <StatusChip
              kind="job"
              value={c.getValue()}
              label={
                c.row.original.last_error_code && c.getValue() !== 'sent'
                  ? `${statusLabel(lang, 'job', c.getValue())} · ${errorCodeLabel(lang, c.row.original.last_error_code)}`
                  : undefined
              }
            />
          </span>
        ),
      }),
      jcol.accessor('reprint', {
        header: t('printers.reprint'),
        cell: (c) =>
          c.getValue() ? (
            <Box component="span" sx={{ display: 'inline-block', minWidth: 160, maxWidth: 260, whiteSpace: 'normal', overflowWrap: 'anywhere' }}>
              ✓ <UserText>{c.row.original.reason ?? ''}</UserText>
            </Box>
          ) : (
            ''
          ),
      }),
      jcol.display({
        id: 'actions',
        header: '',
        cell: (c) => (
          <Box sx={{ display: 'flex', gap: 1 }}>
            <Button size="small" onClick={() => setPreview(c.row.original.job_id)} data-testid="job-preview">
              {t('printers.preview')}
            </Button>
            {mayPrint && c.row.original.state === 'failed' && (
              <Button size="small" color="warning" disabled={retry.isPending} onClick={() => retry.mutate(c.row.original.job_id)}>
                {t('printers.retry')}
              </Button>
            )}
            {mayPrint && (
              <Button size="small" onClick={() => setReprinting(c.row.original)} data-testid="job-reprint">
                {t('printers.reprint')}
              </Button>
            )}
          </Box>
        ),
      }),
    ];
    return cols;
  }, [t, lang, mayPrint, retry]);

  const rcolumns = useMemo(
    () => [
      rcol.accessor('requested_at', { header: t('common.time'), cell: (c) => formatDateTime(c.getValue()) }),
      rcol.accessor((r) => r.serial_number ?? r.lot_number, { id: 'target', header: `${t('trace.kind.lot')} / ${t('trace.kind.serial')}` }),
      rcol.accessor('printer_id', { header: t('printers.id') }),
      rcol.accessor('reason', { header: t('common.reason'), cell: (c) => <UserText>{c.getValue()}</UserText> }),
      rcol.accessor('requested_by', { header: t('common.user') }),
      rcol.accessor('worker_id', { header: t('common.worker'), cell: (c) => c.getValue() ?? '' }),
    ],
    [t, lang],
  );

  function search(e: FormEvent) {
    e.preventDefault();
    setPreview(null);
    setLookup(text.trim().toUpperCase() || null);
  }

  return (
    <Box>
      <PageTitle>{t('printers.title')}</PageTitle>
      <Section title={t('printers.id')}>
        {printers.isPending ? (
          <Loading />
        ) : printers.isError ? (
          <ErrorBox error={printers.error} />
        ) : (
          <DataTable data={printers.data} columns={pcolumns} rowKey={(p) => p.printer_id} testId="printers-table" />
        )}
      </Section>
      <Section title={t('printers.labels')}>
        <Box component="form" onSubmit={search} sx={{ display: 'flex', gap: 1.5, mb: 2, flexWrap: 'wrap' }}>
          <TextField size="small" label={t('printers.lot_or_serial')} value={text} onChange={(e) => setText(e.target.value)} sx={{ flex: '1 1 320px' }} slotProps={{ htmlInput: { 'data-testid': 'label-query' } }} />
          <Button type="submit" variant="contained" data-testid="label-search">
            {t('common.search')}
          </Button>
        </Box>
        {retry.isError && <ErrorBox error={retry.error} />}
        {lookup &&
          (jobs.isPending ? (
            <Loading />
          ) : jobs.isError ? (
            <ErrorBox error={jobs.error} />
          ) : (
            // The table scrolls inside its track; the preview keeps a real width (a `3fr 2fr`
            // grid let a wide table squeeze it to one character after a reprint added a row).
            <Box
              sx={{
                display: 'grid',
                gap: 2,
                gridTemplateColumns: { xs: 'minmax(0, 1fr)', lg: preview ? 'minmax(0, 3fr) minmax(320px, 2fr)' : 'minmax(0, 1fr)' },
              }}
            >
              <DataTable data={shownJobs} columns={jcolumns} rowKey={(j) => j.job_id} empty={t('printers.no_jobs')} testId="label-jobs" />
              {preview && (
                <Box sx={{ minWidth: { xs: 0, lg: 320 } }} data-testid="preview-panel">
                  <Typography variant="subtitle2" sx={{ mb: 1 }}>
                    {t('printers.preview')}
                  </Typography>
                  <LabelPreview jobId={preview} />
                </Box>
              )}
            </Box>
          ))}
      </Section>
      <Section title={t('printers.reprints')}>
        {reprints.isPending ? <Loading /> : reprints.isError ? <ErrorBox error={reprints.error} /> : <DataTable data={reprints.data.items} columns={rcolumns} rowKey={(r) => r.job_id} exportName="reprints" />}
      </Section>
      {reprinting && printers.data && <ReprintDialog job={reprinting} printers={printers.data} onClose={() => setReprinting(null)} />}
    </Box>
  );
}
