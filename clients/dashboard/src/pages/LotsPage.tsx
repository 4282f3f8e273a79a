import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Chip from '@mui/material/Chip';
import Dialog from '@mui/material/Dialog';
import DialogActions from '@mui/material/DialogActions';
import DialogContent from '@mui/material/DialogContent';
import DialogTitle from '@mui/material/DialogTitle';
import MenuItem from '@mui/material/MenuItem';
import TextField from '@mui/material/TextField';
import ToggleButton from '@mui/material/ToggleButton';
import ToggleButtonGroup from '@mui/material/ToggleButtonGroup';
import Typography from '@mui/material/Typography';
import { createColumnHelper } from '@tanstack/react-table';
import { useMemo, useState } from 'react';
import { Link as RouterLink, useNavigate, useSearchParams } from 'react-router-dom';
import { DEFAULT_TARGET_QUANTITY, MAX_TARGET_QUANTITY } from '../api/limits';
import { defectsSince } from '../api/defects';
import { useCreateLot, useDefectMarks, useLabelJobs, useLots, useProducts } from '../api/queries';
import type { LabelJob, Lot, LotHold } from '../api/types';
import { HoldChip, ncrPath } from '../components/Hold';
import { DataTable } from '../components/DataTable';
import { Code, ErrorBox, errorText, Loading, LotStatusChip, PageTitle, Section, StatusChip } from '../components/bits';
import { useLang, useT, type TFunction } from '../i18n';
import { errorCodeLabel } from '../labels';
import { factoryHour, formatDateTime } from '../time';
import { can } from '../permissions';
import { useUi, type Lang, type LabelState } from '../store';

const PAGE = 20;
const STATUSES = ['CREATED', 'IN_PROGRESS', 'COMPLETED', 'CLOSED'] as const;

/** The LOT label's state: the live feed's word first, else the label job's state. */
export function labelStatus(live: LabelState | undefined, jobs: LabelJob[] | undefined): LabelState | null {
  if (live && (live.state === 'printed' || !live.willRetry)) return live;
  const job = jobs?.find((j) => j.label_type === 'LOT' && !j.reprint);
  if (job?.state === 'sent') return { state: 'printed', printer: job.printer_id, error: null, willRetry: false };
  if (job?.state === 'failed') return { state: 'failed', printer: job.printer_id, error: job.last_error_code, willRetry: false };
  if (live) return live;
  if (job?.state === 'retrying') return { state: 'failed', printer: job.printer_id, error: job.last_error_code, willRetry: true };
  return null;
}

export function labelText(t: TFunction, lang: Lang, s: LabelState | null): string {
  if (!s) return t('lots.label.pending');
  if (s.state === 'printed') return t('lots.label.printed', { printer: s.printer ?? '' });
  return t(s.willRetry ? 'lots.label.retrying' : 'lots.label.failed', { error: errorCodeLabel(lang, s.error, '–') });
}

/** How the LOT label's outcome is shown: never inside the LOT's success, a failure in red. */
export function labelSeverity(s: LabelState | null): 'info' | 'success' | 'warning' | 'error' {
  if (!s) return 'info';
  if (s.state === 'printed') return 'success';
  return s.willRetry ? 'warning' : 'error';
}

/** A LOT as lot-service lists it, with its hold (ADR 0023: OPEN until the NCR's
 * disposition, REWORK until the rework passes). */
export type ListedLot = Lot & { on_hold?: boolean; hold?: LotHold | null };

/** The hold a list row shows: none, 보류 (waiting for the disposition) or 재작업 (rework). */
export function holdOf(lot: ListedLot): LotHold | null {
  return lot.on_hold && lot.hold ? lot.hold : null;
}

function ReworkChip({ hold }: { hold: LotHold }) {
  const t = useT();
  return (
    <Chip
      size="small"
      color="warning"
      data-testid="lot-rework"
      data-tone="warning"
      data-ncr={hold.ncr_number}
      data-rework-from={hold.rework_from ?? ''}
      label={t('lots.rework_chip', { from: hold.rework_from ?? hold.process_id })}
      title={hold.ncr_number}
      component={RouterLink}
      to={ncrPath(hold.ncr_number)}
      clickable
      onClick={(e: React.MouseEvent) => e.stopPropagation()}
    />
  );
}

export function LotHoldChip({ lot }: { lot: ListedLot }) {
  const hold = holdOf(lot);
  if (!hold) return null;
  return hold.phase === 'REWORK' ? <ReworkChip hold={hold} /> : <HoldChip ncr={hold.ncr_number} />;
}

function defaultShift(now = new Date()): 'D' | 'N' {
  const hour = factoryHour(now);
  return hour >= 8 && hour < 20 ? 'D' : 'N';
}

function CreatedLot({ lot }: { lot: Lot }) {
  const t = useT();
  const lang = useLang();
  const live = useUi((s) => s.lotLabels[lot.lot_number]);
  const jobs = useLabelJobs(lot.lot_number);
  const status = labelStatus(live, jobs.data?.items);
  const severity = labelSeverity(status);
  const failed = status?.state === 'failed';
  return (
    <Box sx={{ display: 'grid', gap: 1.5 }}>
      <Alert severity="success" data-testid="created-lot">
        <Typography>{t('lots.created')}</Typography>
        <Typography>
          {t('lots.new_number')}:{' '}
          <RouterLink to={`/lots/${lot.lot_number}`} data-testid="created-lot-number" style={{ fontWeight: 700 }}>
            {lot.lot_number}
          </RouterLink>
        </Typography>
      </Alert>
      <Alert severity={severity} data-testid="created-lot-label" data-label-state={status?.state ?? 'pending'} data-severity={severity}>
        <Typography variant="body2">
          {t('lots.label')}: {labelText(t, lang, status)} {failed && status.error && <Code>{status.error}</Code>}
        </Typography>
        {failed && (
          <Typography variant="body2" sx={{ mt: 0.5 }}>
            {t('lots.label.action')}{' '}
            <RouterLink to={`/printers?q=${encodeURIComponent(lot.lot_number)}`} data-testid="created-lot-printers">
              {t('lots.label.to_printers')}
            </RouterLink>
          </Typography>
        )}
      </Alert>
    </Box>
  );
}

function CreateLotDialog({ open, onClose }: { open: boolean; onClose: () => void }) {
  const t = useT();
  const products = useProducts(open);
  const create = useCreateLot();
  const [model, setModel] = useState('WF');
  const [quantity, setQuantity] = useState(String(DEFAULT_TARGET_QUANTITY));
  const [shift, setShift] = useState<'D' | 'N'>(defaultShift());
  const qty = Number(quantity);
  const valid = Number.isInteger(qty) && qty >= 1 && qty <= MAX_TARGET_QUANTITY && !!model;
  const close = () => {
    create.reset();
    onClose();
  };
  return (
    <Dialog open={open} onClose={close} fullWidth maxWidth="xs">
      <DialogTitle>{t('lots.create_title')}</DialogTitle>
      <DialogContent>
        {create.data ? (
          <CreatedLot lot={create.data} />
        ) : (
          <Box sx={{ display: 'grid', gap: 2, pt: 1 }}>
            <TextField select label={t('lots.model')} value={model} onChange={(e) => setModel(e.target.value)} data-testid="create-model">
              {(products.data ?? [{ code: 'WF', name: 'Withforce', factory: 'KR' }]).map((p) => (
                <MenuItem key={p.code} value={p.code}>
                  {p.code} · {p.name}
                </MenuItem>
              ))}
            </TextField>
            <TextField
              label={t('lots.quantity')}
              type="number"
              value={quantity}
              onChange={(e) => setQuantity(e.target.value)}
              error={!valid}
              helperText={`1 – ${MAX_TARGET_QUANTITY}`}
              slotProps={{ htmlInput: { min: 1, max: MAX_TARGET_QUANTITY, 'data-testid': 'create-quantity' } }}
            />
            <Box>
              <Typography variant="body2" color="text.secondary" sx={{ mb: 0.5 }}>
                {t('lots.shift')}
              </Typography>
              <ToggleButtonGroup exclusive value={shift} onChange={(_, v: 'D' | 'N' | null) => v && setShift(v)} size="small">
                <ToggleButton value="D" data-testid="create-shift-D">
                  {t('lots.shift.D')}
                </ToggleButton>
                <ToggleButton value="N" data-testid="create-shift-N">
                  {t('lots.shift.N')}
                </ToggleButton>
              </ToggleButtonGroup>
            </Box>
            {create.isError && <ErrorBox error={create.error} />}
          </Box>
        )}
      </DialogContent>
      <DialogActions>
        <Button onClick={close} data-testid="create-close">
          {create.data ? t('common.close') : t('common.cancel')}
        </Button>
        {!create.data && (
          <Button
            variant="contained"
            disabled={!valid || create.isPending}
            onClick={() => create.mutate({ product_model: model, target_quantity: qty, shift })}
            data-testid="create-submit"
          >
            {t('lots.create')}
          </Button>
        )}
      </DialogActions>
    </Dialog>
  );
}

const col = createColumnHelper<ListedLot>();

export default function LotsPage() {
  const t = useT();
  const navigate = useNavigate();
  const role = useUi((s) => s.session?.user.role);
  const [params, setParams] = useSearchParams();
  const [creating, setCreating] = useState(false);
  const status = params.get('status') ?? '';
  const date = params.get('date') ?? '';
  const shift = params.get('shift') ?? '';
  const onHold = params.get('on_hold') === 'true' ? 'true' : '';
  const page = Number(params.get('page') ?? 0);
  // on_hold rides along in the query (lot-service's filter); '' is left out like the others.
  const filter = { status, production_date: date, shift, on_hold: onHold, limit: PAGE, offset: page * PAGE };
  const lots = useLots(filter);
  const marks = useDefectMarks(defectsSince(lots.data?.items ?? []));

  const setFilter = (key: string, value: string) => {
    const next = new URLSearchParams(params);
    if (value) next.set(key, value);
    else next.delete(key);
    next.delete('page');
    setParams(next, { replace: true });
  };

  const columns = useMemo(
    () => [
      col.accessor('lot_number', {
        header: t('lots.number'),
        cell: (c) => (
          <RouterLink to={`/lots/${c.getValue()}`} onClick={(e) => e.stopPropagation()}>
            {c.getValue()}
          </RouterLink>
        ),
      }),
      col.accessor('status', {
        header: t('common.status'),
        cell: (c) => (
          <Box component="span" sx={{ display: 'inline-flex', gap: 0.5, flexWrap: 'nowrap' }}>
            <LotStatusChip status={c.getValue()} />
            <LotHoldChip lot={c.row.original} />
          </Box>
        ),
      }),
      col.display({
        id: 'defects',
        header: t('overview.defects'),
        meta: { exportValue: (lot) => marks.data?.get(lot.lot_number)?.failed ?? 0 },
        cell: (c) => {
          const mark = marks.data?.get(c.row.original.lot_number);
          return mark ? <StatusChip kind="result" value="FAIL" label={t('defect.count', { count: mark.failed })} testId="lot-defects" /> : '';
        },
      }),
      col.accessor('product_model', { header: t('lots.model') }),
      col.accessor('target_quantity', { header: t('lots.quantity') }),
      col.accessor('production_date', { header: t('lots.date') }),
      col.accessor('shift', { header: t('lots.shift'), cell: (c) => t(c.getValue() === 'D' ? 'lots.shift.D' : 'lots.shift.N') }),
      col.accessor('created_at', { header: t('lots.created_at'), cell: (c) => formatDateTime(c.getValue()) }),
      col.accessor('created_by', { header: t('lots.created_by') }),
    ],
    [t, marks.data],
  );

  return (
    <Box>
      <PageTitle
        actions={
          can(role, 'lot.create') && (
            <Button variant="contained" onClick={() => setCreating(true)} data-testid="create-lot">
              {t('lots.create')}
            </Button>
          )
        }
      >
        {t('lots.title')}
      </PageTitle>
      <Section title={t('common.search')}>
        <Box sx={{ display: 'flex', gap: 2, flexWrap: 'wrap' }}>
          <TextField select size="small" label={t('lots.filter.status')} value={status} onChange={(e) => setFilter('status', e.target.value)} sx={{ minWidth: 160 }} data-testid="filter-status">
            <MenuItem value="">{t('common.all')}</MenuItem>
            {STATUSES.map((s) => (
              <MenuItem key={s} value={s}>
                {t(`lot.status.${s}`)}
              </MenuItem>
            ))}
          </TextField>
          <TextField
            size="small"
            type="date"
            label={t('lots.filter.date')}
            value={date}
            onChange={(e) => setFilter('date', e.target.value)}
            slotProps={{ inputLabel: { shrink: true } }}
          />
          <TextField select size="small" label={t('lots.shift')} value={shift} onChange={(e) => setFilter('shift', e.target.value)} sx={{ minWidth: 140 }}>
            <MenuItem value="">{t('common.all')}</MenuItem>
            <MenuItem value="D">{t('lots.shift.D')}</MenuItem>
            <MenuItem value="N">{t('lots.shift.N')}</MenuItem>
          </TextField>
          <TextField select size="small" label={t('lots.filter.hold')} value={onHold} onChange={(e) => setFilter('on_hold', e.target.value)} sx={{ minWidth: 140 }} data-testid="filter-hold">
            <MenuItem value="">{t('common.all')}</MenuItem>
            <MenuItem value="true">{t('lots.filter.hold_only')}</MenuItem>
          </TextField>
        </Box>
      </Section>
      <Section title={lots.data ? t('common.total', { count: lots.data.total }) : t('lots.title')}>
        {lots.isPending ? (
          <Loading />
        ) : lots.isError ? (
          <ErrorBox error={lots.error} />
        ) : (
          <DataTable
            testId="lots-table"
            data={lots.data.items}
            columns={columns}
            rowKey={(l) => l.lot_number}
            empty={t('lots.empty')}
            onRowClick={(l) => navigate(`/lots/${l.lot_number}`)}
            paging={{
              total: lots.data.total,
              page,
              pageSize: PAGE,
              onPage: (p) => {
                const next = new URLSearchParams(params);
                next.set('page', String(p));
                setParams(next);
              },
            }}
          />
        )}
      </Section>
      {creating && <CreateLotDialog open={creating} onClose={() => setCreating(false)} />}
      {lots.isError && <Typography>{errorText(lots.error, t)}</Typography>}
    </Box>
  );
}
