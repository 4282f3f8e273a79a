import Box from '@mui/material/Box';
import MenuItem from '@mui/material/MenuItem';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import { createColumnHelper } from '@tanstack/react-table';
import { useMemo, useState } from 'react';
import { Link as RouterLink } from 'react-router-dom';
import { Bar, BarChart, CartesianGrid, Legend, Line, LineChart, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { useDefects, useMeasurementChecks, useMeasurementSeries, useRouting, type DefectFilter } from '../api/queries';
import type { DefectItem, DefectList, MeasurementSeries } from '../api/types';
import { DataTable } from '../components/DataTable';
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

export function outOfSpec(series: MeasurementSeries): number {
  return series.points.filter(
    (p) => (p.lower_limit != null && p.value < p.lower_limit) || (p.upper_limit != null && p.value > p.upper_limit),
  ).length;
}


const dcol = createColumnHelper<DefectItem>();

function MeasurementChart({ check }: { check: string }) {
  const t = useT();
  const lang = useLang();
  const series = useMeasurementSeries(check);
  if (series.isPending) return <Loading />;
  if (series.isError) return <ErrorBox error={series.error} />;
  const data = series.data;
  if (!data.points.length) return <Typography color="text.secondary">{t('quality.no_measurements')}</Typography>;
  const spec = data.spec ?? data.points[0]!;
  const points = data.points.map((p, i) => ({ ...p, n: i + 1, label: `${p.lot_number} ${formatDateTime(p.measured_at)}` }));
  const values = points.map((p) => p.value);
  const lo = Math.min(...values, spec.lower_limit ?? Infinity);
  const hi = Math.max(...values, spec.upper_limit ?? -Infinity);
  const pad = (hi - lo) * 0.15 || 1;
  const bad = outOfSpec(data);
  return (
    <Box data-testid="measurement-chart">
      <Typography variant="body2" color={bad ? 'error' : 'text.secondary'} sx={{ mb: 1 }}>
        {spec.lower_limit ?? ''} ~ {spec.upper_limit ?? ''} {spec.unit ?? ''} · n={points.length}
        {bad ? ` · ${t('quality.out_of_spec', { count: bad })}` : ''}
      </Typography>
      <ResponsiveContainer width="100%" height={300}>
        <LineChart data={points} margin={{ top: 10, right: 40, bottom: 10, left: 0 }}>
          <CartesianGrid strokeDasharray="3 3" />
          <XAxis dataKey="n" />
          <YAxis domain={[Math.floor((lo - pad) * 10) / 10, Math.ceil((hi + pad) * 10) / 10]} unit={spec.unit ?? ''} width={80} />
          <Tooltip labelFormatter={(_, p) => (p?.[0]?.payload as { label?: string } | undefined)?.label ?? ''} />
          {spec.upper_limit != null && <ReferenceLine y={spec.upper_limit} stroke="#c62828" strokeDasharray="6 3" label={{ value: t('quality.upper'), position: 'right', fontSize: 11 }} />}
          {spec.lower_limit != null && <ReferenceLine y={spec.lower_limit} stroke="#c62828" strokeDasharray="6 3" label={{ value: t('quality.lower'), position: 'right', fontSize: 11 }} />}
          {spec.target != null && <ReferenceLine y={spec.target} stroke="#2e7d32" label={{ value: t('quality.target'), position: 'right', fontSize: 11 }} />}
          <Line type="monotone" dataKey="value" name={checkLabel(lang, check)} stroke="#1565c0" isAnimationActive={false} dot={{ r: 3 }} />
        </LineChart>
      </ResponsiveContainer>
    </Box>
  );
}

export default function QualityPage() {
  const t = useT();
  const lang = useLang();
  const routing = useRouting();
  const [since, setSince] = useState('');
  const [until, setUntil] = useState('');
  const [processId, setProcessId] = useState('');
  const filter: DefectFilter = {
    since: since ? factoryDayStart(since) : undefined,
    until: until ? factoryDayStart(nextDate(until)) : undefined,
    process_id: processId || undefined,
  };
  const defects = useDefects(filter);
  const checks = useMeasurementChecks();
  const [check, setCheck] = useState<string | null>(null);
  const selected = check ?? checks.data?.checks[0]?.check ?? null;
  const processIds = useMemo(
    () => (routing.data ?? []).filter((s) => s.product_model === 'WF').sort((a, b) => a.sequence - b.sequence).map((s) => s.process_id),
    [routing.data],
  );
  const columns = useMemo(
    () => [
      dcol.accessor('occurred_at', { header: t('common.time'), cell: (c) => formatDateTime(c.getValue()) }),
      dcol.accessor('lot_number', { header: t('lots.number'), cell: (c) => <RouterLink to={`/lots/${c.getValue()}`}>{c.getValue()}</RouterLink> }),
      dcol.accessor('process_id', { header: t('process.process'), cell: (c) => `${c.getValue()} ${processName(lang, c.getValue())}` }),
      dcol.accessor('check_name', { header: t('quality.cause'), cell: (c) => <span data-check={c.getValue()}>{checkLabel(lang, c.getValue())}</span> }),
      dcol.accessor('measured', {
        header: t('measure.value'),
        cell: (c) => (
          <Box component="span" sx={{ color: 'error.main', fontWeight: 700 }}>
            {measuredText(lang, c.row.original)}
          </Box>
        ),
      }),
      dcol.display({ id: 'spec', header: t('measure.limits'), cell: (c) => specText(c.row.original) }),
      dcol.display({
        id: 'finding',
        header: t('defect.finding'),
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
          <TextField size="small" type="date" label={t('quality.since')} value={since} onChange={(e) => setSince(e.target.value)} slotProps={{ inputLabel: { shrink: true } }} />
          <TextField size="small" type="date" label={t('quality.until')} value={until} onChange={(e) => setUntil(e.target.value)} slotProps={{ inputLabel: { shrink: true } }} />
          <TextField select size="small" label={t('process.process')} value={processId} onChange={(e) => setProcessId(e.target.value)} sx={{ minWidth: 200 }}>
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
            <DataTable data={defects.data.items} columns={columns} empty={t('quality.no_defects')} rowKey={(d) => `${d.work_order_id}-${d.idx}`} testId="defect-list" />
          </Section>
        </>
      )}
      <Section
        title={t('quality.measurements')}
        actions={
          checks.data?.checks.length ? (
            <TextField select size="small" label={t('quality.check')} value={selected ?? ''} onChange={(e) => setCheck(e.target.value)} sx={{ minWidth: 260 }} data-testid="check-select">
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
          <MeasurementChart check={selected} />
        ) : (
          <Typography color="text.secondary">{t('quality.no_measurements')}</Typography>
        )}
      </Section>
    </Box>
  );
}
