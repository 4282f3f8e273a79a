import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Chip from '@mui/material/Chip';
import MenuItem from '@mui/material/MenuItem';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import { createColumnHelper } from '@tanstack/react-table';
import { useMemo, useState, type FormEvent } from 'react';
import { Link as RouterLink, useSearchParams } from 'react-router-dom';
import { ApiError, download } from '../api/client';
import { useRecall, useTraceLot, useTraceSerial } from '../api/queries';
import type { RecallUsage, TraceLot, TraceSerial } from '../api/types';
import { DataTable } from '../components/DataTable';
import { ErrorBox, Loading, LotStatusChip, PageTitle, Section, StatusChip, StepChip, UserText } from '../components/bits';
import { DataView, DefectTable } from '../components/DataView';
import { Tree, type TreeNode } from '../components/Tree';
import { HoldChip } from '../components/Hold';
import { holdingNcr, NcrTrace } from '../components/NcrTrace';
import { processName, useLang, useT, type TFunction } from '../i18n';
import { checkLabel, componentLabel, valueLabel } from '../labels';
import type { Lang } from '../store';
import { formatDateTime } from '../time';

export type TraceKind = 'serial' | 'lot' | 'component';

const LOT_BODY = '[A-Z0-9]{1,8}-[A-Z]{2}-[0-9]{6}[DN]-[0-9]{3}';
const LOT_RE = new RegExp(`^${LOT_BODY}$`);
const SERIAL_RE = new RegExp(`^${LOT_BODY}-[0-9]{4}$`);

export function detectKind(query: string): TraceKind {
  const q = query.trim().toUpperCase();
  if (SERIAL_RE.test(q)) return 'serial';
  if (LOT_RE.test(q)) return 'lot';
  return 'component';
}

function Measurements({ lang, items }: { lang: Lang; items: TraceLot['processes'][number]['attempts'][number]['measurements'] }) {
  if (!items.length) return null;
  return (
    <Box component="ul" sx={{ m: 0, pl: 2 }}>
      {items.map((m, i) => (
        <li key={i}>
          <Typography variant="body2" component="span">
            {checkLabel(lang, m.check_name)}: <b>{m.value}</b> {m.unit ?? ''} ({m.lower_limit ?? ''} ~ {m.upper_limit ?? ''}) <StatusChip kind="result" value={m.result} />{' '}
            <Typography variant="caption" color="text.secondary">
              {formatDateTime(m.measured_at)}
            </Typography>
          </Typography>
        </li>
      ))}
    </Box>
  );
}

/** Serial → LOT → processes → attempts (worker, times, data, measurements, defects) and
 * the component LOTs, as tree nodes. */
export function buildGenealogy(t: TFunction, lang: Lang, lot: TraceLot, serial?: TraceSerial): TreeNode[] {
  const processes: TreeNode[] = lot.processes.map((p) => ({
    id: `proc-${p.process_id}`,
    testId: 'trace-process',
    open: true,
    label: (
      <Box sx={{ display: 'flex', gap: 1, alignItems: 'center', flexWrap: 'wrap' }} data-process={p.process_id}>
        <Typography variant="body2" color="text.secondary">
          {p.process_id}
        </Typography>
        <Typography variant="body2" sx={{ fontWeight: 600 }}>
          {processName(lang, p.process_id, p)}
        </Typography>
        <StepChip status={p.status} result={p.result} />
      </Box>
    ),
    children: p.attempts.map((a, i) => ({
      id: `att-${a.work_order_id}`,
      open: true,
      label: (
        <Typography variant="body2">
          {t('trace.attempt', { n: i + 1 })} · {a.work_order_id} · {t('common.worker')} {a.worker_id ?? '–'}
          {a.complete_worker_id && a.complete_worker_id !== a.worker_id ? `/${a.complete_worker_id}` : ''} · {formatDateTime(a.start_time)} →{' '}
          {formatDateTime(a.complete_time)} <StatusChip kind="result" value={a.result} />
        </Typography>
      ),
      body: (
        <Box className="process-data" sx={{ display: 'grid', gap: 0.5 }}>
          <DataView value={a.process_data} />
          <Measurements lang={lang} items={a.measurements} />
          {a.defects.length > 0 && <DefectTable defects={a.defects} />}
        </Box>
      ),
    })),
  }));
  const components: TreeNode = {
    id: 'components',
    label: (
      <Typography variant="body2" sx={{ fontWeight: 600 }}>
        {t('trace.components')} ({lot.component_lots.length})
      </Typography>
    ),
    children: lot.component_lots.map((c) => ({
      id: `comp-${c.component_type}-${c.component_lot}`,
      label: (
        <Typography variant="body2">
          {componentLabel(lang, c.component_type)}:{' '}
          <RouterLink to={`/trace?q=${encodeURIComponent(c.component_lot)}&kind=component`}>{c.component_lot}</RouterLink> · {c.process_id} · {c.worker_id ?? ''} ·{' '}
          {formatDateTime(c.used_at)}
        </Typography>
      ),
    })),
  };
  const lotNode: TreeNode = {
    id: `lot-${lot.lot_number}`,
    open: true,
    label: (
      <Box sx={{ display: 'flex', gap: 1, alignItems: 'center', flexWrap: 'wrap' }}>
        <Chip size="small" label="LOT" />
        <RouterLink to={`/lots/${lot.lot_number}`} style={{ fontWeight: 700 }}>
          {lot.lot_number}
        </RouterLink>
        <LotStatusChip status={lot.status} />
        {lot.on_hold && <HoldChip ncr={holdingNcr(lot.ncrs)?.ncr_number} />}
        <Typography variant="body2" color="text.secondary">
          {lot.product_model} · {lot.target_quantity} · {lot.production_date} {valueLabel(lang, lot.shift, 'shift')} · {lot.progress_percent}% ·{' '}
          {t('lot.serials', { count: lot.serials.total })}
        </Typography>
      </Box>
    ),
    children: [...processes, components],
  };
  if (!serial) return [lotNode];
  return [
    {
      id: `serial-${serial.serial_number}`,
      open: true,
      label: (
        <Box sx={{ display: 'flex', gap: 1, alignItems: 'center', flexWrap: 'wrap' }}>
          <Chip size="small" color="primary" label={t('trace.kind.serial')} />
          <Typography sx={{ fontWeight: 700 }} data-testid="trace-serial">
            {serial.serial_number}
          </Typography>
          <StatusChip kind="serial" value={serial.status} />
          {serial.replacement_reason && (
            <Typography variant="body2">
              (<UserText>{serial.replacement_reason}</UserText>)
            </Typography>
          )}
        </Box>
      ),
      children: [lotNode],
    },
  ];
}

function NotFound({ error, query }: { error: unknown; query: string }) {
  const t = useT();
  if (error instanceof ApiError && error.status === 404) return <Alert severity="warning">{t('trace.not_found', { query })}</Alert>;
  return <ErrorBox error={error} />;
}

function NcrSection({ lot }: { lot: TraceLot }) {
  const t = useT();
  if (!lot.ncrs?.length) return null;
  return (
    <Section title={t('trace.ncrs')} testId="trace-ncr-section">
      <NcrTrace ncrs={lot.ncrs} />
    </Section>
  );
}

function SerialResult({ serial }: { serial: string }) {
  const t = useT();
  const lang = useLang();
  const q = useTraceSerial(serial);
  if (q.isPending) return <Loading />;
  if (q.isError) return <NotFound error={q.error} query={serial} />;
  return (
    <>
      <Section title={t('trace.genealogy')}>
        <Tree roots={buildGenealogy(t, lang, q.data.lot, q.data)} testId="genealogy" />
      </Section>
      <NcrSection lot={q.data.lot} />
    </>
  );
}

function LotResult({ lot }: { lot: string }) {
  const t = useT();
  const lang = useLang();
  const q = useTraceLot(lot);
  if (q.isPending) return <Loading />;
  if (q.isError) return <NotFound error={q.error} query={lot} />;
  return (
    <>
      <Section title={t('trace.genealogy')}>
        <Tree roots={buildGenealogy(t, lang, q.data)} testId="genealogy" />
      </Section>
      <NcrSection lot={q.data} />
    </>
  );
}

const rcol = createColumnHelper<RecallUsage>();

function RecallResult({ component }: { component: string }) {
  const t = useT();
  const lang = useLang();
  const q = useRecall(component);
  const [exporting, setExporting] = useState<unknown>(null);
  const columns = useMemo(
    () => [
      rcol.accessor('lot_number', { header: t('lots.number'), cell: (c) => <RouterLink to={`/lots/${c.getValue()}`}>{c.getValue()}</RouterLink> }),
      rcol.accessor('lot_status', { header: t('common.status'), cell: (c) => <LotStatusChip status={c.getValue()} /> }),
      rcol.accessor('component_type', { header: t('trace.component_type'), cell: (c) => componentLabel(lang, c.getValue()) }),
      rcol.accessor('process_id', { header: t('process.process') }),
      rcol.accessor('worker_id', { header: t('common.worker') }),
      rcol.accessor('used_at', { header: t('trace.used_at'), cell: (c) => formatDateTime(c.getValue()) }),
      rcol.accessor((u) => u.serials.length, {
        id: 'serials',
        header: t('trace.serial_count'),
        cell: (c) => (
          <span title={c.row.original.serials.map((s) => s.serial_number).join('\n')}>{c.getValue()}</span>
        ),
      }),
    ],
    [t, lang],
  );
  if (q.isPending) return <Loading />;
  if (q.isError) return <NotFound error={q.error} query={component} />;
  const data = q.data;
  return (
    <Section
      title={t('trace.recall', { lots: data.lot_count, serials: data.serial_count })}
      testId="recall"
      actions={
        <Button
          variant="outlined"
          size="small"
          disabled={!data.usages.length}
          data-testid="recall-csv"
          onClick={() => {
            setExporting(null);
            download(`/api/v1/trace/components/${encodeURIComponent(component)}`, { format: 'csv' }, `recall-${component}.csv`).catch(setExporting);
          }}
        >
          {t('common.download_csv')}
        </Button>
      }
    >
      {exporting ? <ErrorBox error={exporting} /> : null}
      <DataTable data={data.usages} columns={columns} empty={t('trace.recall_empty')} exportName="component-usage" rowKey={(u) => `${u.lot_number}-${u.component_type}-${u.work_order_id}`} />
    </Section>
  );
}

export default function TracePage() {
  const t = useT();
  const [params, setParams] = useSearchParams();
  const query = (params.get('q') ?? '').trim();
  const forced = params.get('kind') as TraceKind | null;
  const [text, setText] = useState(query);
  const [kind, setKind] = useState<TraceKind | 'auto'>(forced ?? 'auto');
  const effective: TraceKind = forced ?? detectKind(query);
  const value = effective === 'component' ? query : query.toUpperCase();

  function submit(e: FormEvent) {
    e.preventDefault();
    const next = new URLSearchParams();
    if (text.trim()) next.set('q', text.trim());
    if (kind !== 'auto') next.set('kind', kind);
    setParams(next);
  }

  return (
    <Box>
      <PageTitle>{t('trace.title')}</PageTitle>
      <Section title={t('common.search')}>
        <Box component="form" onSubmit={submit} sx={{ display: 'flex', gap: 1.5, flexWrap: 'wrap', alignItems: 'flex-start' }}>
          <TextField
            size="small"
            label={t('trace.query')}
            value={text}
            onChange={(e) => setText(e.target.value)}
            sx={{ flex: '1 1 320px' }}
            helperText={t('trace.hint')}
            slotProps={{ htmlInput: { 'data-testid': 'trace-query' } }}
          />
          <TextField select size="small" value={kind} onChange={(e) => setKind(e.target.value as TraceKind | 'auto')} sx={{ minWidth: 130 }} label=" ">
            {(['auto', 'serial', 'lot', 'component'] as const).map((k) => (
              <MenuItem key={k} value={k}>
                {t(`trace.kind.${k}`)}
              </MenuItem>
            ))}
          </TextField>
          <Button type="submit" variant="contained" data-testid="trace-search">
            {t('common.search')}
          </Button>
        </Box>
      </Section>
      {query && effective === 'serial' && <SerialResult serial={value} />}
      {query && effective === 'lot' && <LotResult lot={value} />}
      {query && effective === 'component' && <RecallResult component={value} />}
    </Box>
  );
}
