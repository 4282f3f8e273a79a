import Box from '@mui/material/Box';
import MenuItem from '@mui/material/MenuItem';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import { createColumnHelper } from '@tanstack/react-table';
import { useCallback, useMemo } from 'react';
import { Link as RouterLink, useSearchParams } from 'react-router-dom';
import { Bar, BarChart, CartesianGrid, Legend, Line, LineChart, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { useCapability, useDefects, useMeasurementChecks, useRouting, useSpcChart, type DefectFilter, type Period } from '../api/queries';
import type { CapabilityRow, DefectItem, DefectList, SpcChart, SpcPoint } from '../api/types';
import { DataTable } from '../components/DataTable';
import { ExportButtons } from '../components/ExportButtons';
import type { ExportTable } from '../export/table';
import { ErrorBox, Loading, PageTitle, Section } from '../components/bits';
import { processName, useLang, useT } from '../i18n';
import { checkLabel, defectFinding, measuredText, specText } from '../labels';
import type { Lang } from '../store';
import { factoryDayStart, formatDateTime, nextDate } from '../time';

/** Defects per process (every routing step, zeros included) from the by-cause summary. */
export function defectsByProcess(lang: Lang, data: DefectList, processIds: string[]): { process: string; name: string; count: number }[] {
  const counts = new Map<string, number>();
  for (const c of data.by_cause) counts.set(c.process_id, (counts.get(c.process_id) ?? 0) + c.count);
  const ids = [...processIds];
  for (const id of counts.keys()) if (!ids.includes(id)) ids.push(id);
  return ids.map((id) => ({ process: id, name: `${id.slice(-3)} ${processName(lang, id)}`, count: counts.get(id) ?? 0 }));
}

const dcol = createColumnHelper<DefectItem>();

/** The page's filters, kept in the URL so a reload or a shared link shows the same view. */
export interface QualityFilters {
  check: string;
  since: string; // YYYY-MM-DD, a production day
  until: string; // YYYY-MM-DD, inclusive
  process: string;
}

export const FILTER_KEYS = ['check', 'since', 'until', 'process'] as const;
const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;

export function readFilters(params: URLSearchParams): QualityFilters {
  const date = (key: string) => {
    const v = params.get(key) ?? '';
    return DATE_RE.test(v) && !Number.isNaN(Date.parse(`${v}T00:00:00Z`)) ? v : '';
  };
  return { check: params.get('check') ?? '', since: date('since'), until: date('until'), process: params.get('process') ?? '' };
}

/** The URL's parameters with one filter changed; empty filters leave the URL. Other
 * parameters stay. */
export function writeFilter(params: URLSearchParams, key: keyof QualityFilters, value: string): URLSearchParams {
  const next = new URLSearchParams(params);
  if (value) next.set(key, value);
  else next.delete(key);
  return next;
}

/** The filters' days as the services' period: from the first day's start to the end of
 * the last (factory time). */
export function filterPeriod(f: QualityFilters): Period {
  return {
    since: f.since ? factoryDayStart(f.since) : undefined,
    until: f.until ? factoryDayStart(nextDate(f.until)) : undefined,
  };
}

/** Capability thresholds (issue 20): ≥ 1.33 capable, 1.0 – 1.33 marginal, < 1.0 not capable. */
export const CPK_CAPABLE = 1.33;
export const CPK_MARGINAL = 1.0;
export type CapabilityLevel = 'capable' | 'marginal' | 'poor' | 'none';

export function capabilityLevel(value: number | null | undefined): CapabilityLevel {
  if (value == null || !Number.isFinite(value)) return 'none';
  if (value >= CPK_CAPABLE) return 'capable';
  return value >= CPK_MARGINAL ? 'marginal' : 'poor';
}

const LEVEL_COLOUR: Record<CapabilityLevel, string> = {
  capable: 'success.main',
  marginal: 'warning.main',
  poor: 'error.main',
  none: 'text.secondary',
};

export interface ChartPoint extends SpcPoint {
  n: number;
  bad: boolean;
}

/** The chart's points in order, numbered, each marked when it completes a rule's pattern. */
export function chartPoints(chart: SpcChart): ChartPoint[] {
  return chart.points.map((p, i) => ({ ...p, n: i + 1, bad: p.violations.length > 0 }));
}

/** The y range: every point and every line drawn (control and spec limits), padded. */
export function yDomain(chart: SpcChart): [number, number] {
  const lines = [chart.limits?.ucl, chart.limits?.lcl, chart.spec.lower, chart.spec.upper];
  const all = [...chart.points.map((p) => p.value), ...lines.filter((v): v is number => v != null)];
  const lo = Math.min(...all);
  const hi = Math.max(...all);
  const pad = (hi - lo) * 0.1 || 1;
  return [lo - pad, hi + pad];
}

interface DotProps {
  cx?: number;
  cy?: number;
  index?: number;
  payload?: ChartPoint;
}

function PointDot({ cx, cy, payload }: DotProps) {
  if (cx == null || cy == null || !payload) return <g />;
  return payload.bad ? (
    <circle cx={cx} cy={cy} r={5} fill="#c62828" stroke="#fff" strokeWidth={1} data-testid="spc-violation" data-lot={payload.lot_number} />
  ) : (
    <circle cx={cx} cy={cy} r={2.5} fill="#1565c0" />
  );
}

export function PointTooltip({ active, payload }: { active?: boolean; payload?: ReadonlyArray<{ payload?: unknown }> }) {
  const t = useT();
  const p = payload?.[0]?.payload as ChartPoint | undefined;
  if (!active || !p) return null;
  return (
    <Box sx={{ bgcolor: 'background.paper', border: 1, borderColor: 'divider', p: 1, fontSize: 12 }} data-testid="spc-tooltip">
      <div>
        <b>{p.value}</b>
        {p.bad ? <Box component="span" sx={{ color: 'error.main' }}> · {t('spc.rules', { rules: p.violations.join(', ') })}</Box> : null}
      </div>
      <div>
        {t('lots.number')}: {p.lot_number}
        {p.serial_number ? ` / ${p.serial_number}` : ''}
      </div>
      <div>
        {t('common.time')}: {formatDateTime(p.measured_at)}
      </div>
      <div>
        {t('common.worker')}: {p.worker_id ?? '—'}
      </div>
    </Box>
  );
}

function ControlChart({ check, period }: { check: string; period: Period }) {
  const t = useT();
  const lang = useLang();
  const chart = useSpcChart(check, period);
  if (chart.isPending) return <Loading />;
  if (chart.isError) return <ErrorBox error={chart.error} />;
  const data = chart.data;
  if (!data.points.length) return <Typography color="text.secondary">{t('quality.no_measurements')}</Typography>;
  const points = chartPoints(data);
  const limits = data.limits?.state === 'active' ? data.limits : null;
  const [lo, hi] = yDomain(data);
  const bad = points.filter((p) => p.bad).length;
  const unit = data.spec.unit ?? '';
  return (
    <Box data-testid="control-chart">
      <Typography variant="body2" color={bad ? 'error' : 'text.secondary'} sx={{ mb: 1 }} data-testid="control-chart-summary">
        {limits ? t('spc.limits_line', { version: limits.version, n: limits.points ?? 0 }) : t('spc.no_limits')}
        {' · '}n={points.length}
        {bad ? ` · ${t('spc.violations', { count: bad })}` : ''}
      </Typography>
      <ResponsiveContainer width="100%" height={320}>
        <LineChart data={points} margin={{ top: 10, right: 56, bottom: 10, left: 0 }}>
          <CartesianGrid strokeDasharray="3 3" />
          <XAxis dataKey="n" />
          <YAxis domain={[lo, hi]} unit={unit} width={80} tickFormatter={(v: number) => v.toFixed(2)} />
          <Tooltip content={(props) => <PointTooltip active={props.active} payload={props.payload} />} />
          {limits?.ucl != null && <ReferenceLine y={limits.ucl} stroke="#ef6c00" label={{ value: 'UCL', position: 'right', fontSize: 11 }} />}
          {limits?.center != null && <ReferenceLine y={limits.center} stroke="#2e7d32" label={{ value: 'CL', position: 'right', fontSize: 11 }} />}
          {limits?.lcl != null && <ReferenceLine y={limits.lcl} stroke="#ef6c00" label={{ value: 'LCL', position: 'right', fontSize: 11 }} />}
          {data.spec.upper != null && <ReferenceLine y={data.spec.upper} stroke="#c62828" strokeDasharray="6 3" label={{ value: 'USL', position: 'right', fontSize: 11 }} />}
          {data.spec.lower != null && <ReferenceLine y={data.spec.lower} stroke="#c62828" strokeDasharray="6 3" label={{ value: 'LSL', position: 'right', fontSize: 11 }} />}
          <Line
            type="linear"
            dataKey="value"
            name={checkLabel(lang, check)}
            stroke="#1565c0"
            isAnimationActive={false}
            dot={(props: DotProps) => <PointDot key={props.index} {...props} />}
          />
        </LineChart>
      </ResponsiveContainer>
    </Box>
  );
}

function fmt(v: number | null | undefined): string {
  return v == null ? '—' : v.toFixed(2);
}

/** The capability table as exported: the same columns, the indices as numbers. */
export function capabilityExport(lang: Lang, t: (key: 'quality.check' | 'measure.limits' | 'spc.cpk_ci' | 'spc.capability') => string, rows: CapabilityRow[]): ExportTable {
  return {
    name: t('spc.capability'),
    headers: [t('quality.check'), 'n', t('measure.limits'), 'Cp', 'Cpk', t('spc.cpk_ci'), 'Pp', 'Ppk'],
    rows: rows.map((r) => [
      `${r.process_id} · ${checkLabel(lang, r.check)}`,
      r.n,
      `${r.lower ?? ''} ~ ${r.upper ?? ''} ${r.unit ?? ''}`.trim(),
      r.cp,
      r.cpk,
      r.cpk_ci95 ? `${fmt(r.cpk_ci95[0])} – ${fmt(r.cpk_ci95[1])}` : '',
      r.pp,
      r.ppk,
    ]),
  };
}

export function CapabilityTable({ rows }: { rows: CapabilityRow[] }) {
  const t = useT();
  const lang = useLang();
  if (!rows.length) return <Typography color="text.secondary">{t('quality.no_measurements')}</Typography>;
  const cell = (v: number | null) => {
    const level = capabilityLevel(v);
    return (
      <Box component="td" sx={{ color: LEVEL_COLOUR[level], fontWeight: 700 }} data-level={level}>
        {fmt(v)}
      </Box>
    );
  };
  return (
    <Box sx={{ overflowX: 'auto' }}>
      <ExportButtons table={() => capabilityExport(lang, t, rows)} testId="capability-table" />
      <Box
        component="table"
        data-testid="capability-table"
        sx={{ width: '100%', borderCollapse: 'collapse', '& td, & th': { borderBottom: 1, borderColor: 'divider', p: 0.75, textAlign: 'left' } }}
      >
        <thead>
          <tr>
            <th>{t('quality.check')}</th>
            <th>n</th>
            <th>{t('measure.limits')}</th>
            <th>Cp</th>
            <th>Cpk</th>
            <th>{t('spc.cpk_ci')}</th>
            <th>Pp</th>
            <th>Ppk</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.check} data-check={r.check}>
              <td>
                {r.process_id} · {checkLabel(lang, r.check)}
              </td>
              <td>{r.n}</td>
              <td>
                {r.lower ?? ''} ~ {r.upper ?? ''} {r.unit ?? ''}
              </td>
              {cell(r.cp)}
              {cell(r.cpk)}
              <td>{r.cpk_ci95 ? `${fmt(r.cpk_ci95[0])} – ${fmt(r.cpk_ci95[1])}` : '—'}</td>
              {cell(r.pp)}
              {cell(r.ppk)}
            </tr>
          ))}
        </tbody>
      </Box>
    </Box>
  );
}

function Capability({ period }: { period: Period }) {
  const cap = useCapability(period);
  if (cap.isPending) return <Loading />;
  if (cap.isError) return <ErrorBox error={cap.error} />;
  return <CapabilityTable rows={cap.data.items} />;
}

export default function QualityPage() {
  const t = useT();
  const lang = useLang();
  const routing = useRouting();
  const [params, setParams] = useSearchParams();
  const filters = readFilters(params);
  const { since, until, process: processId, check } = filters;
  const setFilter = useCallback(
    (key: keyof QualityFilters, value: string) => setParams((p) => writeFilter(p, key, value), { replace: true }),
    [setParams],
  );
  const period = filterPeriod(filters); // query keys compare by value: a new object is fine
  const filter: DefectFilter = { ...period, process_id: processId || undefined };
  const defects = useDefects(filter);
  const checks = useMeasurementChecks();
  // a check in the URL that has no measurements (yet) is still the one asked for
  const selected = check || checks.data?.checks[0]?.check || null;
  const processIds = useMemo(
    () => (routing.data ?? []).filter((s) => s.product_model === 'WF').sort((a, b) => a.sequence - b.sequence).map((s) => s.process_id),
    [routing.data],
  );
  const columns = useMemo(
    () => [
      dcol.accessor('occurred_at', { header: t('common.time'), cell: (c) => formatDateTime(c.getValue()), meta: { exportValue: (d) => formatDateTime(d.occurred_at) } }),
      dcol.accessor('lot_number', { header: t('lots.number'), cell: (c) => <RouterLink to={`/lots/${c.getValue()}`}>{c.getValue()}</RouterLink> }),
      dcol.accessor('process_id', {
        header: t('process.process'),
        cell: (c) => `${c.getValue()} ${processName(lang, c.getValue())}`,
        meta: { exportValue: (d) => `${d.process_id} ${processName(lang, d.process_id)}` },
      }),
      dcol.accessor('check_name', { header: t('quality.cause'), cell: (c) => <span data-check={c.getValue()}>{checkLabel(lang, c.getValue())}</span>,
        meta: { exportValue: (d) => checkLabel(lang, d.check_name) },
      }),
      dcol.accessor('measured', {
        header: t('measure.value'),
        meta: { exportValue: (d) => measuredText(lang, d) },
        cell: (c) => (
          <Box component="span" sx={{ color: 'error.main', fontWeight: 700 }}>
            {measuredText(lang, c.row.original)}
          </Box>
        ),
      }),
      dcol.display({ id: 'spec', header: t('measure.limits'), cell: (c) => specText(c.row.original), meta: { exportValue: (d) => specText(d) } }),
      dcol.display({
        id: 'finding',
        header: t('defect.finding'),
        meta: { exportValue: (d) => defectFinding(lang, d) },
        cell: (c) => <span title={c.row.original.message ?? undefined}>{defectFinding(lang, c.row.original)}</span>,
      }),
      dcol.accessor('worker_id', { header: t('common.worker') }),
    ],
    [t, lang],
  );

  return (
    <Box>
      <PageTitle>{t('quality.title')}</PageTitle>
      <Section title={t('common.search')}>
        <Box sx={{ display: 'flex', gap: 2, flexWrap: 'wrap' }}>
          <TextField size="small" type="date" label={t('quality.since')} value={since} onChange={(e) => setFilter('since', e.target.value)} data-testid="filter-since" slotProps={{ inputLabel: { shrink: true } }} />
          <TextField size="small" type="date" label={t('quality.until')} value={until} onChange={(e) => setFilter('until', e.target.value)} data-testid="filter-until" slotProps={{ inputLabel: { shrink: true } }} />
          <TextField select size="small" label={t('process.process')} value={processId} onChange={(e) => setFilter('process', e.target.value)} sx={{ minWidth: 200 }} data-testid="filter-process">
            <MenuItem value="">{t('common.all')}</MenuItem>
            {processIds.map((id) => (
              <MenuItem key={id} value={id}>
                {id} {processName(lang, id)}
              </MenuItem>
            ))}
          </TextField>
        </Box>
      </Section>
      {defects.isPending ? (
        <Loading />
      ) : defects.isError ? (
        <ErrorBox error={defects.error} />
      ) : (
        <>
          <Box sx={{ display: 'grid', gap: 2, gridTemplateColumns: { xs: 'minmax(0, 1fr)', md: 'minmax(0, 1fr) minmax(0, 1fr)' } }}>
            <Section title={t('quality.defects_by_process')} testId="defects-by-process">
              <ResponsiveContainer width="100%" height={260}>
                <BarChart data={defectsByProcess(lang, defects.data, processIds)} margin={{ top: 10, right: 10, bottom: 40, left: -20 }}>
                  <CartesianGrid strokeDasharray="3 3" />
                  <XAxis dataKey="name" angle={-30} textAnchor="end" interval={0} fontSize={11} />
                  <YAxis allowDecimals={false} />
                  <Tooltip />
                  <Legend verticalAlign="top" />
                  <Bar dataKey="count" name={t('overview.defects')} fill="#c62828" isAnimationActive={false} />
                </BarChart>
              </ResponsiveContainer>
            </Section>
            <Section title={t('quality.defects_by_cause')} testId="defects-by-cause">
              {defects.data.by_cause.length === 0 ? (
                <Typography color="text.secondary">{t('quality.no_defects')}</Typography>
              ) : (
                <Box sx={{ overflowX: 'auto' }}>
                <ExportButtons
                  testId="defects-by-cause"
                  table={() => ({
                    name: t('quality.defects_by_cause'),
                    headers: [t('process.process'), t('quality.cause'), t('quality.count')],
                    rows: defects.data.by_cause.map((c) => [`${c.process_id} ${processName(lang, c.process_id)}`, checkLabel(lang, c.check), c.count]),
                  })}
                />
                <Box component="table" sx={{ width: '100%', borderCollapse: 'collapse', '& td, & th': { borderBottom: 1, borderColor: 'divider', p: 0.75, textAlign: 'left' } }}>
                  <thead>
                    <tr>
                      <th>{t('process.process')}</th>
                      <th>{t('quality.cause')}</th>
                      <th>{t('quality.count')}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {defects.data.by_cause.map((c) => (
                      <tr key={`${c.process_id}-${c.check}`}>
                        <td>
                          {c.process_id} {processName(lang, c.process_id)}
                        </td>
                        <td>{checkLabel(lang, c.check)}</td>
                        <td>
                          <b>{c.count}</b>
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </Box>
                </Box>
              )}
            </Section>
          </Box>
          <Section title={`${t('quality.defect_list')} · ${t('common.total', { count: defects.data.total })}`}>
            <DataTable data={defects.data.items} columns={columns} empty={t('quality.no_defects')} rowKey={(d) => `${d.work_order_id}-${d.idx}`} testId="defect-list" exportName={t('quality.defect_list')} />
          </Section>
        </>
      )}
      <Section title={t('spc.capability')} testId="capability">
        <Capability period={period} />
      </Section>
      <Section
        title={t('spc.chart')}
        testId="spc-chart"
        actions={
          checks.data?.checks.length ? (
            <TextField select size="small" label={t('quality.check')} value={selected ?? ''} onChange={(e) => setFilter('check', e.target.value)} sx={{ minWidth: 260 }} data-testid="check-select">
              {check && !checks.data.checks.some((c) => c.check === check) && (
                <MenuItem value={check}>
                  {checkLabel(lang, check)} (0)
                </MenuItem>
              )}
              {checks.data.checks.map((c) => (
                <MenuItem key={c.check} value={c.check}>
                  {c.process_id} · {checkLabel(lang, c.check)} ({c.count})
                </MenuItem>
              ))}
            </TextField>
          ) : null
        }
      >
        {checks.isPending ? (
          <Loading />
        ) : checks.isError ? (
          <ErrorBox error={checks.error} />
        ) : selected ? (
          <ControlChart check={selected} period={period} />
        ) : (
          <Typography color="text.secondary">{t('quality.no_measurements')}</Typography>
        )}
      </Section>
    </Box>
  );
}
