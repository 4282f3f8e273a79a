// Non-conformance reports (ADR 0023): the list with its filters in the URL (/ncr), one
// report with its failed checks and, for the roles allowed, the disposition form (/ncr/:number).
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import MenuItem from '@mui/material/MenuItem';
import TextField from '@mui/material/TextField';
import ToggleButton from '@mui/material/ToggleButton';
import ToggleButtonGroup from '@mui/material/ToggleButtonGroup';
import Typography from '@mui/material/Typography';
import { createColumnHelper } from '@tanstack/react-table';
import { useMemo, useState, type ReactNode } from 'react';
import { Link as RouterLink, useNavigate, useParams, useSearchParams } from 'react-router-dom';
import { ApiError } from '../api/client';
import { MAX_TARGET_QUANTITY } from '../api/limits';
import { useDispose, useNcr, useNcrs, useRouting } from '../api/queries';
import { DISPOSITIONS, type Disposition, type DispositionBody, type Ncr, type RoutingStep } from '../api/types';
import { DataTable } from '../components/DataTable';
import { DefectTable } from '../components/DataView';
import { ErrorBox, Loading, PageTitle, Section, StatusChip, UserText } from '../components/bits';
import { asDefects, ncrPath } from '../components/Hold';
import { processName, useLang, useT, type MessageKey } from '../i18n';
import { can } from '../permissions';
import { useUi } from '../store';
import { formatDateTime } from '../time';

const PAGE = 20;
/** The list shows the open NCRs unless the URL says otherwise (`status=ALL` for every one). */
export const DEFAULT_STATUS = 'OPEN';
const STATUSES = ['OPEN', 'CLOSED', 'ALL'] as const;

// -- the disposition form: its rules, apart from React ------------------------------------
export interface DispositionForm {
  disposition: Disposition;
  reason: string;
  reworkFrom: string;
  scrapBy: 'count' | 'serials';
  scrapCount: string;
  scrapSerials: string;
}

export type FormCheck = { body: DispositionBody; error: null } | { body: null; error: MessageKey };

export function parseSerials(text: string): string[] {
  return [...new Set(text.split(/[\s,;]+/).map((s) => s.trim()).filter(Boolean))];
}

/** The request the form stands for, or what is missing (the server checks again). */
export function dispositionBody(f: DispositionForm): FormCheck {
  const reason = f.reason.trim();
  const body: DispositionBody = { disposition: f.disposition, ...(reason ? { reason } : {}) };
  if (f.disposition === 'USE_AS_IS' && !reason) return { body: null, error: 'ncr.reason_required' };
  if (f.disposition === 'REWORK' && f.reworkFrom) body.rework_from = f.reworkFrom;
  if (f.disposition === 'SCRAP') {
    if (f.scrapBy === 'count') {
      const n = Number(f.scrapCount);
      if (!/^\d+$/.test(f.scrapCount.trim()) || n < 1 || n > MAX_TARGET_QUANTITY) return { body: null, error: 'ncr.scrap_invalid' };
      body.scrap_count = n;
    } else {
      const serials = parseSerials(f.scrapSerials);
      if (!serials.length || serials.length > MAX_TARGET_QUANTITY) return { body: null, error: 'ncr.scrap_invalid' };
      body.scrap_serials = serials;
    }
  }
  return { body, error: null };
}

/** The steps a REWORK may start from: the failed step and the ones before it, in order. */
export function reworkSteps(routing: RoutingStep[] | undefined, ncr: Pick<Ncr, 'product_model' | 'process_id'>): RoutingStep[] {
  const steps = (routing ?? []).filter((s) => s.product_model === ncr.product_model).sort((a, b) => a.sequence - b.sequence);
  const failed = steps.findIndex((s) => s.process_id === ncr.process_id);
  return failed < 0 ? [] : steps.slice(0, failed + 1);
}

export function DispositionPanel({ ncr }: { ncr: Ncr }) {
  const t = useT();
  const lang = useLang();
  const routing = useRouting();
  const dispose = useDispose(ncr.ncr_number);
  const [form, setForm] = useState<DispositionForm>({
    disposition: 'REWORK',
    reason: '',
    reworkFrom: ncr.process_id,
    scrapBy: 'count',
    scrapCount: '',
    scrapSerials: '',
  });
  const [touched, setTouched] = useState(false);
  const set = (patch: Partial<DispositionForm>) => setForm((f) => ({ ...f, ...patch }));
  const check = dispositionBody(form);
  const steps = reworkSteps(routing.data, ncr);
  const showError = touched && check.error;
  const submit = () => {
    setTouched(true);
    if (check.body) dispose.mutate(check.body);
  };
  if (dispose.isSuccess) {
    return (
      <Alert severity="success" data-testid="disposed">
        {t('ncr.disposed_ok')}
      </Alert>
    );
  }
  return (
    <Box sx={{ display: 'grid', gap: 2, maxWidth: 560 }} data-testid="disposition-form">
      <ToggleButtonGroup
        exclusive
        size="small"
        value={form.disposition}
        onChange={(_, v: Disposition | null) => v && set({ disposition: v })}
        aria-label={t('ncr.disposition')}
      >
        {DISPOSITIONS.map((d) => (
          <ToggleButton key={d} value={d} data-testid={`disposition-${d}`}>
            {t(`disposition.${d}`)}
          </ToggleButton>
        ))}
      </ToggleButtonGroup>
      {form.disposition === 'REWORK' && (
        <TextField
          select
          size="small"
          label={t('ncr.rework_from')}
          value={steps.some((s) => s.process_id === form.reworkFrom) ? form.reworkFrom : ''}
          onChange={(e) => set({ reworkFrom: e.target.value })}
          helperText={t('ncr.rework_hint')}
          data-testid="rework-from"
        >
          {steps.map((s) => (
            <MenuItem key={s.process_id} value={s.process_id} disabled={s.rework_limit === 0}>
              {s.process_id} {processName(lang, s.process_id, s)}
              {s.rework_limit !== undefined && ` (${t('ncr.rework_limit', { limit: s.rework_limit })})`}
            </MenuItem>
          ))}
        </TextField>
      )}
      {form.disposition === 'SCRAP' && (
        <>
          <ToggleButtonGroup exclusive size="small" value={form.scrapBy} onChange={(_, v: 'count' | 'serials' | null) => v && set({ scrapBy: v })} aria-label={t('ncr.scrap_by')}>
            <ToggleButton value="count" data-testid="scrap-by-count">
              {t('ncr.scrap_by.count')}
            </ToggleButton>
            <ToggleButton value="serials" data-testid="scrap-by-serials">
              {t('ncr.scrap_by.serials')}
            </ToggleButton>
          </ToggleButtonGroup>
          {form.scrapBy === 'count' ? (
            <TextField
              size="small"
              type="number"
              label={t('ncr.scrap_count')}
              value={form.scrapCount}
              onChange={(e) => set({ scrapCount: e.target.value })}
              error={showError === 'ncr.scrap_invalid'}
              helperText={`1 – ${MAX_TARGET_QUANTITY}`}
              slotProps={{ htmlInput: { min: 1, max: MAX_TARGET_QUANTITY, 'data-testid': 'scrap-count' } }}
            />
          ) : (
            <TextField
              multiline
              minRows={3}
              label={t('ncr.scrap_serials')}
              value={form.scrapSerials}
              onChange={(e) => set({ scrapSerials: e.target.value })}
              error={showError === 'ncr.scrap_invalid'}
              slotProps={{ htmlInput: { 'data-testid': 'scrap-serials' } }}
            />
          )}
        </>
      )}
      <TextField
        multiline
        minRows={2}
        label={t('common.reason')}
        required={form.disposition === 'USE_AS_IS'}
        value={form.reason}
        onChange={(e) => set({ reason: e.target.value })}
        error={showError === 'ncr.reason_required'}
        slotProps={{ htmlInput: { 'data-testid': 'disposition-reason', maxLength: 500 } }}
      />
      {showError && (
        <Typography color="error" variant="body2" data-testid="disposition-invalid">
          {t(showError, { max: MAX_TARGET_QUANTITY })}
        </Typography>
      )}
      {dispose.isError && <ErrorBox error={dispose.error} />}
      <Box>
        <Button variant="contained" color="error" onClick={submit} disabled={dispose.isPending} data-testid="disposition-submit">
          {t('ncr.submit')}
        </Button>
      </Box>
    </Box>
  );
}

// -- one report ---------------------------------------------------------------------------
function Facts({ rows }: { rows: [string, ReactNode][] }) {
  return (
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
  );
}

function NcrDetail({ number }: { number: string }) {
  const t = useT();
  const lang = useLang();
  const role = useUi((s) => s.session?.user.role);
  const q = useNcr(number);
  if (q.isPending) return <Loading />;
  if (q.isError) {
    if (q.error instanceof ApiError && q.error.status === 404) return <Alert severity="warning">{t('ncr.not_found', { ncr: number })}</Alert>;
    return <ErrorBox error={q.error} />;
  }
  const n = q.data;
  const info: [string, ReactNode][] = [
    [t('common.status'), <StatusChip key="s" kind="ncr" value={n.status} testId="ncr-status" />],
    [t('lots.number'), <RouterLink key="l" to={`/lots/${encodeURIComponent(n.lot_number)}`}>{n.lot_number}</RouterLink>],
    [t('lots.model'), n.product_model],
    [t('hold.failed_step'), `${n.process_id} ${processName(lang, n.process_id, { name_ko: n.process_name })}`],
    [t('lot.work_order'), n.work_order_id],
    [t('ncr.opened_at'), `${formatDateTime(n.opened_at)} · ${n.opened_by}`],
  ];
  const decision: [string, ReactNode][] = n.disposition
    ? [
        [t('ncr.disposition'), <StatusChip key="d" kind="disposition" value={n.disposition} testId="ncr-disposition" />],
        ...(n.rework_from ? ([[t('ncr.rework_from'), `${n.rework_from} ${processName(lang, n.rework_from)}`]] as [string, ReactNode][]) : []),
        ...(n.scrap_count ? ([[t('ncr.scrap_count'), n.scrap_count]] as [string, ReactNode][]) : []),
        ...(n.scrap_serials.length ? ([[t('ncr.scrap_serials'), n.scrap_serials.join(', ')]] as [string, ReactNode][]) : []),
        [t('common.reason'), n.reason ? <UserText key="r">{n.reason}</UserText> : '–'],
        [t('ncr.closed_at'), `${formatDateTime(n.closed_at)} · ${n.closed_by ?? '–'}`],
      ]
    : [];
  return (
    <Box data-testid="ncr-detail" data-ncr={n.ncr_number} data-status={n.status}>
      <PageTitle actions={<Button component={RouterLink} to="/ncr">{t('ncr.back')}</Button>}>{t('ncr.detail', { ncr: n.ncr_number })}</PageTitle>
      <Box sx={{ display: 'grid', gap: 2, gridTemplateColumns: { xs: 'minmax(0, 1fr)', md: 'minmax(0, 1fr) minmax(0, 2fr)' }, alignItems: 'start' }}>
        <Section title={t('ncr.info')}>
          <Facts rows={info} />
        </Section>
        <Section title={t('ncr.failed_checks', { count: n.failed_checks.length })}>
          {n.failed_checks.length ? (
            <DefectTable defects={asDefects(n.failed_checks)} />
          ) : (
            <Typography color="text.secondary">{t('ncr.no_failed_checks')}</Typography>
          )}
        </Section>
      </Box>
      <Section title={n.status === 'OPEN' ? t('ncr.dispose') : t('ncr.decision')} testId="ncr-decision">
        {n.status === 'CLOSED' ? (
          <Facts rows={decision} />
        ) : can(role, 'ncr.dispose') ? (
          <DispositionPanel ncr={n} />
        ) : (
          <Typography color="text.secondary" data-testid="ncr-read-only">
            {t('ncr.read_only')}
          </Typography>
        )}
      </Section>
    </Box>
  );
}

// -- the list -----------------------------------------------------------------------------
const col = createColumnHelper<Ncr>();

function NcrList() {
  const t = useT();
  const lang = useLang();
  const navigate = useNavigate();
  const routing = useRouting();
  const [params, setParams] = useSearchParams();
  const status = params.get('status') ?? DEFAULT_STATUS;
  const lot = params.get('lot') ?? '';
  const process = params.get('process') ?? '';
  const from = params.get('from') ?? '';
  const to = params.get('to') ?? '';
  const page = Number(params.get('page') ?? 0);
  const [lotInput, setLotInput] = useState(lot);
  const list = useNcrs({
    status: status === 'ALL' ? undefined : status,
    lot_number: lot || undefined,
    process_id: process || undefined,
    date_from: from || undefined,
    date_to: to || undefined,
    limit: PAGE,
    offset: page * PAGE,
  });
  const processes = useMemo(() => {
    const steps = routing.data ?? [];
    const model = steps[0]?.product_model;
    return steps.filter((s) => s.product_model === model).sort((a, b) => a.sequence - b.sequence);
  }, [routing.data]);

  const setFilter = (key: string, value: string) => {
    const next = new URLSearchParams(params);
    if (value) next.set(key, value);
    else next.delete(key);
    next.delete('page');
    setParams(next, { replace: true });
  };

  const columns = useMemo(
    () => [
      col.accessor('ncr_number', {
        header: t('ncr.number'),
        cell: (c) => (
          <RouterLink to={ncrPath(c.getValue())} onClick={(e) => e.stopPropagation()}>
            {c.getValue()}
          </RouterLink>
        ),
      }),
      col.accessor('status', { header: t('common.status'), cell: (c) => <StatusChip kind="ncr" value={c.getValue()} /> }),
      col.accessor('lot_number', {
        header: t('lots.number'),
        cell: (c) => (
          <RouterLink to={`/lots/${encodeURIComponent(c.getValue())}`} onClick={(e) => e.stopPropagation()}>
            {c.getValue()}
          </RouterLink>
        ),
      }),
      col.accessor('process_id', {
        header: t('hold.failed_step'),
        cell: (c) => `${c.getValue()} ${processName(lang, c.getValue(), { name_ko: c.row.original.process_name })}`,
      }),
      col.display({
        id: 'checks',
        header: t('defect.check'),
        meta: { exportValue: (n) => n.failed_checks.length },
        cell: (c) => <StatusChip kind="result" value="FAIL" label={t('defect.count', { count: c.row.original.failed_checks.length })} />,
      }),
      col.accessor('disposition', { header: t('ncr.disposition'), cell: (c) => <StatusChip kind="disposition" value={c.getValue()} /> }),
      col.accessor('opened_at', { header: t('ncr.opened_at'), cell: (c) => formatDateTime(c.getValue()) }),
      col.accessor('closed_at', { header: t('ncr.closed_at'), cell: (c) => formatDateTime(c.getValue()) }),
    ],
    [t, lang],
  );

  return (
    <Box>
      <PageTitle>{t('ncr.title')}</PageTitle>
      <Section title={t('common.search')}>
        <Box
          component="form"
          sx={{ display: 'flex', gap: 2, flexWrap: 'wrap' }}
          onSubmit={(e) => {
            e.preventDefault();
            setFilter('lot', lotInput.trim());
          }}
        >
          <TextField select size="small" label={t('common.status')} value={status} onChange={(e) => setFilter('status', e.target.value === DEFAULT_STATUS ? '' : e.target.value)} sx={{ minWidth: 140 }} data-testid="ncr-filter-status">
            {STATUSES.map((s) => (
              <MenuItem key={s} value={s}>
                {s === 'ALL' ? t('common.all') : t(`ncr.status.${s}`)}
              </MenuItem>
            ))}
          </TextField>
          <TextField size="small" label={t('lots.number')} value={lotInput} onChange={(e) => setLotInput(e.target.value)} onBlur={() => setFilter('lot', lotInput.trim())} slotProps={{ htmlInput: { 'data-testid': 'ncr-filter-lot', maxLength: 64 } }} />
          <TextField select size="small" label={t('process.process')} value={processes.some((s) => s.process_id === process) ? process : ''} onChange={(e) => setFilter('process', e.target.value)} sx={{ minWidth: 180 }}>
            <MenuItem value="">{t('common.all')}</MenuItem>
            {processes.map((s) => (
              <MenuItem key={s.process_id} value={s.process_id}>
                {s.process_id} {processName(lang, s.process_id, s)}
              </MenuItem>
            ))}
          </TextField>
          <TextField size="small" type="date" label={t('ncr.filter.date_from')} value={from} onChange={(e) => setFilter('from', e.target.value)} slotProps={{ inputLabel: { shrink: true } }} />
          <TextField size="small" type="date" label={t('ncr.filter.date_to')} value={to} onChange={(e) => setFilter('to', e.target.value)} slotProps={{ inputLabel: { shrink: true } }} />
        </Box>
      </Section>
      <Section title={list.data ? t('common.total', { count: list.data.total }) : t('ncr.title')}>
        {list.isPending ? (
          <Loading />
        ) : list.isError ? (
          <ErrorBox error={list.error} />
        ) : (
          <DataTable
            testId="ncr-table"
            data={list.data.items}
            columns={columns}
            rowKey={(n) => n.ncr_number}
            empty={t('ncr.empty')}
            onRowClick={(n) => navigate(ncrPath(n.ncr_number))}
            paging={{
              total: list.data.total,
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
    </Box>
  );
}

export default function NcrPage() {
  const { number } = useParams();
  return number ? <NcrDetail number={number} /> : <NcrList />;
}
