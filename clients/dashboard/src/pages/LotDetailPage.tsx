import Alert from '@mui/material/Alert';
import AlertTitle from '@mui/material/AlertTitle';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Dialog from '@mui/material/Dialog';
import DialogActions from '@mui/material/DialogActions';
import DialogContent from '@mui/material/DialogContent';
import DialogTitle from '@mui/material/DialogTitle';
import LinearProgress from '@mui/material/LinearProgress';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import { createColumnHelper } from '@tanstack/react-table';
import { useMemo, useState } from 'react';
import { Link as RouterLink, useParams } from 'react-router-dom';
import { ApiError } from '../api/client';
import { useCloseLot, useLot, useLotHold, useLotSerials, useTraceLot } from '../api/queries';
import type { CloseRefusal, LotDetail, Measurement, Serial, StatusChange, TraceLot } from '../api/types';
import { DataTable } from '../components/DataTable';
import { Code, ErrorBox, Loading, LotStatusChip, PageTitle, Section, StatusChip, UserText } from '../components/bits';
import { HoldBanner, HoldChip, ncrPath } from '../components/Hold';
import { ProcessTimeline } from '../components/ProcessTimeline';
import { processName, useLang, useT } from '../i18n';
import { checkLabel, statusLabel } from '../labels';
import { formatDateTime } from '../time';
import { can } from '../permissions';
import { useUi } from '../store';

const SERIAL_PAGE = 25;

export interface MeasurementRow extends Measurement {
  process_id: string;
  work_order_id: string;
}

export function measurementRows(trace: TraceLot | undefined): MeasurementRow[] {
  if (!trace) return [];
  return trace.processes.flatMap((p) =>
    p.attempts.flatMap((a) => a.measurements.map((m) => ({ ...m, process_id: p.process_id, work_order_id: a.work_order_id }))),
  );
}

function limits(m: { lower_limit: number | null; upper_limit: number | null; unit: string | null }): string {
  if (m.lower_limit == null && m.upper_limit == null) return '–';
  return `${m.lower_limit ?? ''} ~ ${m.upper_limit ?? ''} ${m.unit ?? ''}`.trim();
}

function Info({ lot, held }: { lot: LotDetail; held: string | null }) {
  const t = useT();
  const rows: [string, React.ReactNode][] = [
    [
      t('common.status'),
      <Box key="s" component="span" sx={{ display: 'inline-flex', gap: 0.5, flexWrap: 'wrap' }}>
        <LotStatusChip status={lot.status} />
        {held && <HoldChip ncr={held} />}
      </Box>,
    ],
    [t('lots.model'), lot.product_model],
    [t('lots.quantity'), lot.target_quantity],
    ...(lot.scrapped_quantity
      ? ([
          [t('lot.scrapped'), <Box key="x" component="span" sx={{ color: 'error.main', fontWeight: 700 }} data-testid="lot-scrapped">{lot.scrapped_quantity}</Box>],
          [t('lot.good'), lot.good_quantity ?? lot.target_quantity - lot.scrapped_quantity],
        ] as [string, React.ReactNode][])
      : []),
    [t('lots.date'), lot.production_date],
    [t('lots.shift'), t(lot.shift === 'D' ? 'lots.shift.D' : 'lots.shift.N')],
    [t('lots.created_at'), formatDateTime(lot.created_at)],
    [t('lots.created_by'), lot.created_by],
  ];
  return (
    <Box>
      <Box component="dl" sx={{ display: 'grid', gridTemplateColumns: 'max-content 1fr', columnGap: 2, rowGap: 0.75, m: 0 }}>
        {rows.map(([k, v]) => (
          <Box key={k} sx={{ display: 'contents' }}>
            <Box component="dt" sx={{ color: 'text.secondary' }}>
              {k}
            </Box>
            <Box component="dd" sx={{ m: 0 }}>
              {v}
            </Box>
          </Box>
        ))}
      </Box>
      <Box sx={{ mt: 2 }}>
        <Typography variant="body2" color="text.secondary">
          {t('overview.progress')} <b data-testid="lot-progress">{lot.progress_percent}%</b>
        </Typography>
        <LinearProgress variant="determinate" value={lot.progress_percent} sx={{ height: 10, borderRadius: 5, mt: 0.5 }} />
      </Box>
    </Box>
  );
}

function History({ items }: { items: StatusChange[] }) {
  const lang = useLang();
  return (
    <Box component="ul" sx={{ m: 0, pl: 2 }}>
      {items.map((h, i) => (
        <li key={i}>
          <Typography variant="body2">
            {h.from_status ? statusLabel(lang, 'lot', h.from_status) : '∅'} → <b>{statusLabel(lang, 'lot', h.to_status)}</b> · {formatDateTime(h.changed_at)} · {h.changed_by ?? ''}
            {h.reason ? <> · <UserText>{h.reason}</UserText></> : ''}
          </Typography>
        </li>
      ))}
    </Box>
  );
}

/** The open steps / NCRs of a refused close (ADR 0025), or null for any other error. */
export function closeRefusal(error: unknown): CloseRefusal | null {
  if (!(error instanceof ApiError) || !REFUSALS.includes(error.code)) return null;
  return (error.data as CloseRefusal | null) ?? {};
}

const REFUSALS = ['LOT_HAS_OPEN_STEPS', 'LOT_HAS_OPEN_NCR'];

function Refusal({ error, refusal }: { error: ApiError; refusal: CloseRefusal }) {
  const t = useT();
  const lang = useLang();
  return (
    <Alert severity="error" sx={{ mt: 1 }} data-testid="close-refusal" data-code={error.code}>
      <AlertTitle>{t('close.refused')}</AlertTitle>
      <Typography variant="body2" sx={{ mb: 0.5 }}>
        {error.message} <Code>{error.code}</Code>
      </Typography>
      {!!refusal.open_steps?.length && (
        <Typography variant="body2" data-testid="close-open-steps">
          {t('close.open_steps')}: {refusal.open_steps.map((p) => `${p} ${processName(lang, p)}`).join(', ')}
        </Typography>
      )}
      {!!refusal.open_ncrs?.length && (
        <Typography variant="body2" data-testid="close-open-ncrs">
          {t('close.open_ncrs')}:{' '}
          {refusal.open_ncrs.map((n, i) => (
            <span key={n}>
              {i > 0 && ', '}
              <RouterLink to={ncrPath(n)}>{n}</RouterLink>
            </span>
          ))}
        </Typography>
      )}
    </Alert>
  );
}

export function CloseDialog({ lot, onClose }: { lot: string; onClose: () => void }) {
  const t = useT();
  const role = useUi((s) => s.session?.user.role);
  const close = useCloseLot(lot);
  const [reason, setReason] = useState('');
  const refusal = close.isError ? closeRefusal(close.error) : null;
  const mayForce = can(role, 'lot.force_close');
  const submit = (force: boolean) => close.mutate({ reason: reason.trim(), force }, { onSuccess: onClose });
  return (
    <Dialog open onClose={onClose} fullWidth maxWidth="sm">
      <DialogTitle>{t('lot.close_title', { lot })}</DialogTitle>
      <DialogContent>
        <TextField
          label={t('common.reason')}
          value={reason}
          onChange={(e) => setReason(e.target.value)}
          fullWidth
          multiline
          minRows={2}
          required
          error={!!refusal && !reason.trim()}
          helperText={refusal && mayForce ? t('close.force_hint') : undefined}
          sx={{ mt: 1 }}
          slotProps={{ htmlInput: { 'data-testid': 'close-reason', maxLength: 500 } }}
        />
        {refusal ? (
          <>
            <Refusal error={close.error as ApiError} refusal={refusal} />
            {!mayForce && (
              <Typography variant="body2" color="text.secondary" sx={{ mt: 1 }}>
                {t('close.no_force')}
              </Typography>
            )}
          </>
        ) : (
          close.isError && <ErrorBox error={close.error} />
        )}
      </DialogContent>
      <DialogActions>
        <Button onClick={onClose}>{t('common.cancel')}</Button>
        {refusal && mayForce && (
          <Button variant="contained" color="error" disabled={!reason.trim() || close.isPending} onClick={() => submit(true)} data-testid="close-force">
            {t('close.force')}
          </Button>
        )}
        <Button variant="contained" color="warning" disabled={!reason.trim() || close.isPending} onClick={() => submit(false)} data-testid="close-submit">
          {t('lot.close')}
        </Button>
      </DialogActions>
    </Dialog>
  );
}

const mcol = createColumnHelper<MeasurementRow>();
const scol = createColumnHelper<Serial>();

export default function LotDetailPage() {
  const { lot = '' } = useParams();
  const t = useT();
  const lang = useLang();
  const role = useUi((s) => s.session?.user.role);
  const detail = useLot(lot);
  const trace = useTraceLot(lot);
  const hold = useLotHold(lot);
  const [serialPage, setSerialPage] = useState(0);
  const serials = useLotSerials(lot, SERIAL_PAGE, serialPage * SERIAL_PAGE, (detail.data?.serial_count ?? 0) > 0);
  const [closing, setClosing] = useState(false);

  const mcolumns = useMemo(
    () => [
      mcol.accessor('process_id', { header: t('process.process'), cell: (c) => `${c.getValue()} ${processName(lang, c.getValue())}` }),
      mcol.accessor('check_name', { header: t('measure.check'), cell: (c) => <span data-check={c.getValue()}>{checkLabel(lang, c.getValue())}</span> }),
      mcol.accessor('value', { header: t('measure.value'), cell: (c) => `${c.getValue()} ${c.row.original.unit ?? ''}` }),
      mcol.accessor('target', { header: t('measure.target') }),
      mcol.display({ id: 'limits', header: t('measure.limits'), cell: (c) => limits(c.row.original) }),
      mcol.accessor('result', { header: t('common.result'), cell: (c) => <StatusChip kind="result" value={c.getValue()} /> }),
      mcol.accessor('measured_at', { header: t('common.time'), cell: (c) => formatDateTime(c.getValue()) }),
    ],
    [t, lang],
  );
  const scolumns = useMemo(
    () => [
      scol.accessor('serial_number', {
        header: t('trace.kind.serial'),
        cell: (c) => <RouterLink to={`/trace?q=${encodeURIComponent(c.getValue())}`}>{c.getValue()}</RouterLink>,
      }),
      scol.accessor('status', { header: t('common.status'), cell: (c) => <StatusChip kind="serial" value={c.getValue()} /> }),
      scol.accessor('created_at', { header: t('lots.created_at'), cell: (c) => formatDateTime(c.getValue()) }),
      scol.accessor('replacement_reason', { header: t('common.reason'), cell: (c) => <UserText>{c.getValue() ?? ''}</UserText> }),
    ],
    [t, lang],
  );

  if (detail.isPending) return <Loading />;
  if (detail.isError) return <ErrorBox error={detail.error} />;
  const data = detail.data;
  const canClose = can(role, 'lot.close') && data.status !== 'CLOSED';
  return (
    <Box data-testid="lot-detail" data-lot={data.lot_number}>
      <PageTitle
        actions={
          <>
            <Button component={RouterLink} to={`/trace?q=${encodeURIComponent(data.lot_number)}`}>
              {t('lot.trace')}
            </Button>
            {canClose && (
              <Button variant="outlined" color="warning" onClick={() => setClosing(true)} data-testid="close-lot">
                {t('lot.close')}
              </Button>
            )}
          </>
        }
      >
        {t('lot.detail')} · {data.lot_number}
      </PageTitle>
      {hold.data && <HoldBanner hold={hold.data} />}
      <Box sx={{ display: 'grid', gap: 2, gridTemplateColumns: { xs: 'minmax(0, 1fr)', md: 'minmax(0, 1fr) minmax(0, 2fr)' }, alignItems: 'start' }}>
        <Box>
          <Section title={t('lot.info')}>
            <Info lot={data} held={hold.data?.ncr_number ?? null} />
          </Section>
          <Section title={t('lot.history')}>
            <History items={data.status_history} />
          </Section>
        </Box>
        <Section title={t('lot.timeline')}>
          <ProcessTimeline steps={data.processes} />
        </Section>
      </Box>
      <Section title={t('lot.measurements')}>
        {trace.isPending ? <Loading /> : <DataTable data={measurementRows(trace.data)} columns={mcolumns} empty={t('lot.no_measurements')} testId="lot-measurements" />}
      </Section>
      <Section title={t('lot.serials', { count: data.serial_count })} testId="lot-serials">
        {data.serial_count === 0 ? (
          <Typography color="text.secondary">{t('lot.no_serials')}</Typography>
        ) : serials.isPending ? (
          <Loading />
        ) : serials.isError ? (
          <ErrorBox error={serials.error} />
        ) : (
          <DataTable
            data={serials.data.items}
            columns={scolumns}
            rowKey={(s) => s.serial_number}
            exportName={`${data.lot_number}-serials`}
            paging={{ total: serials.data.total, page: serialPage, pageSize: SERIAL_PAGE, onPage: setSerialPage }}
          />
        )}
      </Section>
      {closing && <CloseDialog lot={data.lot_number} onClose={() => setClosing(false)} />}
    </Box>
  );
}
