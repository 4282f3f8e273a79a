import type { ReactNode } from 'react';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Chip from '@mui/material/Chip';
import LinearProgress from '@mui/material/LinearProgress';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableContainer from '@mui/material/TableContainer';
import TableHead from '@mui/material/TableHead';
import TableRow from '@mui/material/TableRow';
import Paper from '@mui/material/Paper';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import { Link as RouterLink, useSearchParams } from 'react-router-dom';
import { Bar, BarChart, CartesianGrid, ComposedChart, Line, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { ageText, percent, useKpis, usePareto, type Count, type DashboardKpis, type HourOutput, type ParetoItem, type StepYield, type WipStep } from '../api/kpis';
import { defectsSince } from '../api/defects';
import { useDefectMarks, useOpenNcrs, useRouting, useSummary } from '../api/queries';
import type { Ncr, OpenLot, ProcessBreakdown, RoutingStep, Summary } from '../api/types';
import { HoldChip } from '../components/Hold';
import { formatDateTime } from '../time';
import { ErrorBox, Kpi, Loading, LotStatusChip, PageTitle, Section, StatusChip, StepChip } from '../components/bits';
import { EventFeed, mergeFeed } from '../components/EventFeed';
import { formatNumber, processName, useLang, useT, type MessageKey } from '../i18n';
import { useUi } from '../store';

/** Every routing step with its counts (a step with no activity today shows zeros). */
export function processRows(summary: Summary, routing: RoutingStep[] | undefined): ProcessBreakdown[] {
  const byId = new Map(summary.by_process.map((p) => [p.process_id, p]));
  const ids = routing?.length
    ? [...routing].filter((s) => s.product_model === routing[0]!.product_model).sort((a, b) => a.sequence - b.sequence).map((s) => s.process_id)
    : summary.by_process.map((p) => p.process_id);
  for (const id of byId.keys()) if (!ids.includes(id)) ids.push(id);
  const names = new Map(routing?.map((s) => [s.process_id, s]));
  return ids.map((id) => {
    const row = byId.get(id);
    const step = names.get(id);
    return {
      process_id: id,
      name_ko: row?.name_ko ?? step?.name_ko ?? null,
      name_en: row?.name_en ?? step?.name_en ?? null,
      started: row?.started ?? 0,
      completed: row?.completed ?? 0,
      defects: row?.defects ?? 0,
      wip: row?.wip ?? 0,
    };
  });
}

function ProcessTable({ rows }: { rows: ProcessBreakdown[] }) {
  const t = useT();
  const lang = useLang();
  const maxWip = Math.max(1, ...rows.map((r) => r.wip));
  return (
    <TableContainer>
      <Table size="small" data-testid="by-process" sx={{ '& th': { whiteSpace: 'nowrap' }, '& td, & th': { px: { xs: 0.75, sm: 2 } } }}>
        <TableHead>
          <TableRow>
            <TableCell>{t('process.process')}</TableCell>
            <TableCell align="right">{t('overview.started')}</TableCell>
            <TableCell align="right">{t('overview.completed')}</TableCell>
            <TableCell align="right">{t('overview.defects')}</TableCell>
            <TableCell sx={{ width: { sm: '30%' } }}>{t('overview.wip')}</TableCell>
          </TableRow>
        </TableHead>
        <TableBody>
          {rows.map((r) => (
            <TableRow key={r.process_id} data-process={r.process_id}>
              <TableCell>
                <Typography variant="body2" component="span" sx={{ color: 'text.secondary', mr: 1, display: { xs: 'block', sm: 'inline' }, fontSize: { xs: '0.75rem', sm: 'inherit' } }}>
                  {r.process_id}
                </Typography>
                {processName(lang, r.process_id, r)}
              </TableCell>
              <TableCell align="right" data-col="started">
                {r.started}
              </TableCell>
              <TableCell align="right" data-col="completed">
                {r.completed}
              </TableCell>
              <TableCell align="right" data-col="defects" sx={{ color: r.defects ? 'error.main' : undefined, fontWeight: r.defects ? 700 : undefined }}>
                {r.defects}
              </TableCell>
              <TableCell data-col="wip">
                <Box sx={{ display: 'flex', alignItems: 'center', gap: 1 }}>
                  {/* the bar needs room: on a phone the number says it */}
                  <Box sx={{ flexGrow: 1, display: { xs: 'none', sm: 'block' } }}>
                    <LinearProgress variant="determinate" value={(r.wip / maxWip) * 100} color="warning" sx={{ height: 8, borderRadius: 4, bgcolor: 'grey.200' }} />
                  </Box>
                  <Typography variant="body2" sx={{ minWidth: 20, textAlign: 'right', flexGrow: { xs: 1, sm: 0 } }}>
                    {r.wip}
                  </Typography>
                </Box>
              </TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
    </TableContainer>
  );
}

/** The LOTs on hold: one row per LOT with an open NCR (the oldest NCR first). */
export function heldRows(ncrs: Ncr[] | undefined): Ncr[] {
  const seen = new Set<string>();
  return [...(ncrs ?? [])]
    .filter((n) => n.status === 'OPEN')
    .sort((a, b) => a.opened_at.localeCompare(b.opened_at))
    .filter((n) => !seen.has(n.lot_number) && !!seen.add(n.lot_number));
}

function HeldLots({ rows }: { rows: Ncr[] }) {
  const t = useT();
  const lang = useLang();
  if (!rows.length) return <Typography color="text.secondary">{t('overview.no_holds')}</Typography>;
  return (
    <Box sx={{ display: 'grid', gap: 1 }} data-testid="held-lots">
      {rows.map((n) => (
        <Box key={n.lot_number} data-lot={n.lot_number} sx={{ display: 'flex', alignItems: 'center', gap: 1, flexWrap: 'wrap', borderBottom: 1, borderColor: 'divider', pb: 1 }}>
          <RouterLink to={`/lots/${n.lot_number}`} style={{ fontWeight: 600 }}>
            {n.lot_number}
          </RouterLink>
          <HoldChip ncr={n.ncr_number} />
          <Typography variant="body2" component="span" sx={{ color: 'error.main' }}>
            {t('hold.failed_step')}: {n.process_id} {processName(lang, n.process_id, { name_ko: n.process_name })}
          </Typography>
          <Typography variant="body2" color="text.secondary" component="span" sx={{ ml: 'auto' }}>
            {formatDateTime(n.opened_at)}
          </Typography>
        </Box>
      ))}
    </Box>
  );
}

function OpenLots({ lots, held }: { lots: OpenLot[]; held: Map<string, string> }) {
  const t = useT();
  const lang = useLang();
  const marks = useDefectMarks(defectsSince(lots));
  if (!lots.length) return <Typography color="text.secondary">{t('overview.no_open_lots')}</Typography>;
  return (
    <Box sx={{ display: 'grid', gap: 1.5 }} data-testid="open-lots">
      {lots.map((lot) => {
        const mark = marks.data?.get(lot.lot_number);
        const failed = lot.current_process_result === 'FAIL' || lot.current_process_result === 'HOLD' || held.has(lot.lot_number);
        return (
          <Box key={lot.lot_number} data-lot={lot.lot_number} data-defects={mark?.failed ?? 0} sx={{ borderBottom: 1, borderColor: 'divider', pb: 1 }}>
            <Box sx={{ display: 'flex', alignItems: 'center', gap: 1, flexWrap: 'wrap' }}>
              <RouterLink to={`/lots/${lot.lot_number}`} style={{ fontWeight: 600 }}>
                {lot.lot_number}
              </RouterLink>
              <LotStatusChip status={lot.status} />
              {held.has(lot.lot_number) && <HoldChip ncr={held.get(lot.lot_number)} />}
              {mark && <StatusChip kind="result" value="FAIL" label={t('defect.count', { count: mark.failed })} testId="lot-defects" />}
              <Typography variant="body2" color="text.secondary" component="span" className="current-process">
                {t('overview.current_process')}:{' '}
                {lot.current_process ? `${lot.current_process} ${processName(lang, lot.current_process, { name_ko: lot.current_process_name })}` : '–'}
              </Typography>
              {lot.current_process && lot.current_process_state && (
                <StepChip status={lot.current_process_state} result={lot.current_process_result} testId="current-step" />
              )}
              <Typography variant="body2" sx={{ ml: 'auto', fontWeight: 600 }} className="lot-progress">
                {lot.progress_percent}%
              </Typography>
            </Box>
            <LinearProgress
              variant="determinate"
              value={lot.progress_percent}
              color={failed ? 'error' : 'primary'}
              sx={{ mt: 0.5, height: 8, borderRadius: 4 }}
            />
          </Box>
        );
      })}
    </Box>
  );
}

const UNIT_TILES = ['planned', 'started', 'completed', 'passed', 'scrapped'] as const;
const LOT_TILES = ['created', 'started', 'in_progress', 'completed', 'closed'] as const;
const UNIT_COLORS: Record<(typeof UNIT_TILES)[number], string | undefined> = {
  planned: undefined,
  started: '#1565c0',
  completed: '#2e7d32',
  passed: '#2e7d32',
  scrapped: '#c62828',
};

/** A headline number with what it counts (its `counts` in a data attribute) and a caption. */
function Tile({ label, count, color, caption, testId }: { label: string; count: Count; color?: string; caption?: string; testId: string }) {
  const lang = useLang();
  return (
    <Paper variant="outlined" sx={{ p: { xs: 1, sm: 1.5 }, flex: '1 1 140px', minWidth: 120 }} data-testid={testId} data-counts={count.counts} title={count.label}>
      <Typography color="text.secondary" variant="body2" className="tile-label">
        {label}
      </Typography>
      <Typography variant="h4" component="p" sx={{ fontWeight: 700, color: count.value ? color : undefined }} className="kpi-value">
        {formatNumber(lang, count.value)}
      </Typography>
      {caption && (
        <Typography variant="caption" color="text.secondary" className="tile-caption">
          {caption}
        </Typography>
      )}
    </Paper>
  );
}

export function ofPlan(kpis: DashboardKpis): number | null {
  const plan = kpis.units.planned.value;
  return plan ? kpis.units.completed.value / plan : null;
}

function KpiTiles({ kpis, children }: { kpis: DashboardKpis; children?: ReactNode }) {
  const t = useT();
  const plan = ofPlan(kpis);
  return (
    <>
      <Box sx={{ display: 'flex', gap: 1.5, mb: 1.5, flexWrap: 'wrap' }} data-testid="unit-tiles">
        {UNIT_TILES.map((k) => (
          <Tile
            key={k}
            label={t(`kpi.units_${k}` as MessageKey)}
            count={kpis.units[k]}
            color={UNIT_COLORS[k]}
            caption={k === 'completed' && plan != null ? t('kpi.of_plan', { pct: percent(plan) }) : undefined}
            testId={`kpi-units-${k}`}
          />
        ))}
      </Box>
      <Box sx={{ display: 'flex', gap: 1.5, mb: 2, flexWrap: 'wrap' }} data-testid="lot-tiles">
        {LOT_TILES.map((k) => (
          <Tile key={k} label={t(`kpi.lots_${k}` as MessageKey)} count={kpis.lots[k]} testId={`kpi-lots-${k}`} />
        ))}
        {children}
      </Box>
    </>
  );
}

function yieldColor(value: number | null): string | undefined {
  if (value == null) return undefined;
  return value >= 0.98 ? '#2e7d32' : value >= 0.9 ? '#ed6c02' : '#c62828';
}

function YieldTiles({ rty, steps }: { rty: number | null; steps: StepYield[] }) {
  const t = useT();
  const lang = useLang();
  const judged = steps.filter((s) => s.lots > 0);
  return (
    <Box data-testid="yield-tiles">
      <Box sx={{ display: 'flex', alignItems: 'baseline', gap: 1, mb: 1 }}>
        <Typography variant="body2" color="text.secondary">
          {t('kpi.rty')}
        </Typography>
        <Typography variant="h5" component="p" sx={{ fontWeight: 700, color: yieldColor(rty) }} data-testid="kpi-rty">
          {percent(rty)}
        </Typography>
      </Box>
      {judged.length === 0 ? (
        <Typography color="text.secondary">{t('kpi.no_yield')}</Typography>
      ) : (
        <Box sx={{ display: 'grid', gap: 1, gridTemplateColumns: 'repeat(auto-fill, minmax(160px, 1fr))' }}>
          {judged.map((s) => (
            <Paper key={s.process_id} variant="outlined" sx={{ p: 1 }} data-process={s.process_id} data-testid="yield-step">
              <Typography variant="caption" color="text.secondary" component="p" noWrap>
                {s.process_id} {processName(lang, s.process_id, s)}
              </Typography>
              <Typography variant="body2" component="p" sx={{ fontWeight: 700, color: yieldColor(s.first_pass_yield), whiteSpace: 'nowrap' }} className="fpy">
                {t('kpi.fpy')} {percent(s.first_pass_yield)}
              </Typography>
              <Typography variant="caption" component="p" color={s.reworked_lots ? 'warning.main' : 'text.secondary'} className="rework" noWrap>
                {t('kpi.rework')} {percent(s.rework_rate)} · {t('kpi.units_n', { n: formatNumber(lang, s.units) })}
              </Typography>
            </Paper>
          ))}
        </Box>
      )}
    </Box>
  );
}

function HourlyChart({ hours }: { hours: HourOutput[] }) {
  const total = hours.reduce((n, h) => n + h.units, 0);
  return (
    <Box data-testid="hourly-output" data-total={total} data-hours={hours.length} sx={{ width: '100%', height: 220 }}>
      <ResponsiveContainer width="100%" height="100%">
        <BarChart data={hours} margin={{ top: 10, right: 10, bottom: 0, left: -20 }}>
          <CartesianGrid strokeDasharray="3 3" />
          <XAxis dataKey="label" interval={1} fontSize={11} />
          <YAxis allowDecimals={false} />
          <Tooltip />
          <Bar dataKey="units" fill="#2e7d32" isAnimationActive={false} />
        </BarChart>
      </ResponsiveContainer>
    </Box>
  );
}

function WipBoard({ steps, stallMinutes }: { steps: WipStep[]; stallMinutes: number }) {
  const t = useT();
  const lang = useLang();
  if (!steps.some((s) => s.lots)) return <Typography color="text.secondary">{t('kpi.no_wip')}</Typography>;
  return (
    <Box sx={{ display: 'grid', gap: 1 }} data-testid="wip">
      {steps
        .filter((s) => s.lots)
        .map((s) => (
          <Box key={s.process_id} data-process={s.process_id} sx={{ borderBottom: 1, borderColor: 'divider', pb: 1 }}>
            <Typography variant="body2" sx={{ fontWeight: 600 }}>
              {s.process_id} {processName(lang, s.process_id, s)}{' '}
              <Typography component="span" variant="body2" color="text.secondary">
                {t('kpi.wip_lots', { count: s.lots, units: formatNumber(lang, s.units) })}
              </Typography>
            </Typography>
            <Box sx={{ display: 'flex', gap: 0.75, flexWrap: 'wrap', mt: 0.5 }}>
              {s.items.map((i) => (
                <Chip
                  key={i.lot_number}
                  size="small"
                  component={RouterLink}
                  to={`/lots/${i.lot_number}`}
                  clickable
                  data-lot={i.lot_number}
                  data-stalled={i.stalled}
                  color={i.stalled ? 'error' : i.state === 'COMPLETED' ? 'warning' : 'default'}
                  variant={i.stalled ? 'filled' : 'outlined'}
                  title={i.stalled ? t('kpi.stalled_hint', { minutes: stallMinutes }) : undefined}
                  label={`${i.lot_number} · ${t(`kpi.wip_state.${i.state}` as MessageKey)} · ${ageText(i.age_minutes)}${i.stalled ? ` · ${t('kpi.stalled')}` : ''}`}
                />
              ))}
            </Box>
          </Box>
        ))}
    </Box>
  );
}

function ParetoChart({ items }: { items: ParetoItem[] }) {
  const t = useT();
  if (!items.length) return <Typography color="text.secondary">{t('kpi.no_defects')}</Typography>;
  const data = items.map((i) => ({ name: i.process_id ? `${i.process_id.slice(-3)} ${i.key}` : i.key, count: i.count, cumulative: Math.round(i.cumulative_share * 1000) / 10 }));
  return (
    <Box data-testid="pareto" data-items={items.length} sx={{ width: '100%', height: 240 }}>
      <ResponsiveContainer width="100%" height="100%">
        <ComposedChart data={data} margin={{ top: 10, right: 0, bottom: 30, left: -20 }}>
          <CartesianGrid strokeDasharray="3 3" />
          <XAxis dataKey="name" angle={-20} textAnchor="end" interval={0} fontSize={11} />
          <YAxis yAxisId="count" allowDecimals={false} />
          <YAxis yAxisId="pct" orientation="right" domain={[0, 100]} unit="%" />
          <Tooltip />
          <Bar yAxisId="count" dataKey="count" fill="#c62828" isAnimationActive={false} />
          <Line yAxisId="pct" dataKey="cumulative" stroke="#1565c0" isAnimationActive={false} dot />
        </ComposedChart>
      </ResponsiveContainer>
    </Box>
  );
}

/** Production day and shift, kept in the URL (?day=&shift=) so a reload keeps them. */
function PeriodFilter({ day, shift, onChange }: { day?: string; shift?: string; onChange: (day?: string, shift?: string) => void }) {
  const t = useT();
  return (
    <Box sx={{ display: 'flex', gap: 1, alignItems: 'center', flexWrap: 'wrap' }} data-testid="period-filter">
      <TextField
        size="small"
        type="date"
        label={t('kpi.day')}
        value={day ?? ''}
        onChange={(e) => onChange(e.target.value || undefined, shift)}
        slotProps={{ inputLabel: { shrink: true }, htmlInput: { 'data-testid': 'filter-day' } }}
      />
      {(['', 'D', 'N'] as const).map((s) => (
        <Button key={s || 'all'} size="small" variant={(shift ?? '') === s ? 'contained' : 'outlined'} onClick={() => onChange(day, s || undefined)} data-testid={`filter-shift-${s || 'all'}`}>
          {s ? t(`kpi.shift_${s}` as MessageKey) : t('kpi.shift_all')}
        </Button>
      ))}
      {day && (
        <Button size="small" onClick={() => onChange(undefined, shift)} data-testid="filter-today">
          {t('kpi.today')}
        </Button>
      )}
    </Box>
  );
}

export default function OverviewPage() {
  const t = useT();
  const lang = useLang();
  const [params, setParams] = useSearchParams();
  const day = params.get('day') || undefined;
  const shift = params.get('shift') || undefined;
  const summary = useSummary(day);
  const kpis = useKpis(day, shift);
  const pareto = usePareto(kpis.data?.day, 'cause');
  const routing = useRouting();
  const live = useUi((s) => s.events);
  const openNcrs = useOpenNcrs();
  const holds = heldRows(openNcrs.data?.items);
  const held = new Map(holds.map((n) => [n.lot_number, n.ncr_number]));
  const choose = (d?: string, s?: string) => {
    const next = new URLSearchParams(params);
    for (const [key, value] of [['day', d], ['shift', s]] as const) {
      if (value) next.set(key, value);
      else next.delete(key);
    }
    setParams(next, { replace: true });
  };
  if (summary.isPending) return <Loading />;
  if (summary.isError) return <ErrorBox error={summary.error} />;
  const data = summary.data;
  const feed = mergeFeed(lang, live, data.recent_events);
  const holdTile = (
    <Kpi label={t('overview.on_hold_kpi')} value={openNcrs.data ? formatNumber(lang, holds.length) : '–'} testId="kpi-on-hold" color={holds.length ? '#c62828' : undefined} />
  );
  return (
    <Box>
      <PageTitle actions={<PeriodFilter day={day} shift={shift} onChange={choose} />}>{t('kpi.title', { date: kpis.data?.day ?? data.date })}</PageTitle>
      {kpis.data ? (
        <KpiTiles kpis={kpis.data}>{holdTile}</KpiTiles>
      ) : (
        <>
          {kpis.isError ? <ErrorBox error={kpis.error} /> : <Loading />}
          <Box sx={{ display: 'flex', mb: 2 }}>{holdTile}</Box>
        </>
      )}
      {kpis.data && (
        <Box sx={{ display: 'grid', gap: 2, gridTemplateColumns: { xs: 'minmax(0, 1fr)', lg: 'minmax(0, 1fr) minmax(0, 1fr)' }, alignItems: 'start' }}>
          <Section title={t('kpi.yields')} testId="yields">
            <YieldTiles rty={kpis.data.rolled_throughput_yield} steps={kpis.data.yields} />
          </Section>
          <Section title={t('kpi.hourly')}>
            <HourlyChart hours={kpis.data.hourly_output} />
          </Section>
          <Section title={t('kpi.wip')} testId="wip-section">
            <WipBoard steps={kpis.data.wip} stallMinutes={kpis.data.stall_minutes} />
          </Section>
          <Section title={t('kpi.pareto')}>
            {pareto.isError ? <ErrorBox error={pareto.error} /> : pareto.data ? <ParetoChart items={pareto.data.items} /> : <Loading />}
          </Section>
        </Box>
      )}
      <Box sx={{ display: 'grid', gap: 2, gridTemplateColumns: { xs: 'minmax(0, 1fr)', lg: 'minmax(0, 3fr) minmax(0, 2fr)' }, alignItems: 'start' }}>
        <Box>
          <Section title={t('overview.by_process')}>
            <ProcessTable rows={processRows(data, routing.data)} />
          </Section>
          <Section title={t('overview.on_hold', { count: holds.length })} testId="on-hold">
            {openNcrs.isError ? <ErrorBox error={openNcrs.error} /> : openNcrs.isPending ? <Loading /> : <HeldLots rows={holds} />}
          </Section>
          <Section title={t('overview.open_lots')}>
            <OpenLots lots={data.open_lots} held={held} />
          </Section>
        </Box>
        <Section title={t('overview.feed')}>
          <EventFeed items={feed} />
        </Section>
      </Box>
    </Box>
  );
}
