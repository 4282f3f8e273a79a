import Box from '@mui/material/Box';
import LinearProgress from '@mui/material/LinearProgress';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableContainer from '@mui/material/TableContainer';
import TableHead from '@mui/material/TableHead';
import TableRow from '@mui/material/TableRow';
import Typography from '@mui/material/Typography';
import { Link as RouterLink } from 'react-router-dom';
import { defectsSince } from '../api/defects';
import { useDefectMarks, useRouting, useSummary } from '../api/queries';
import type { OpenLot, ProcessBreakdown, RoutingStep, Summary } from '../api/types';
import { ErrorBox, Kpi, Loading, LotStatusChip, PageTitle, Section, StatusChip, StepChip } from '../components/bits';
import { EventFeed, mergeFeed } from '../components/EventFeed';
import { formatNumber, processName, useLang, useT } from '../i18n';
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

function OpenLots({ lots }: { lots: OpenLot[] }) {
  const t = useT();
  const lang = useLang();
  const marks = useDefectMarks(defectsSince(lots));
  if (!lots.length) return <Typography color="text.secondary">{t('overview.no_open_lots')}</Typography>;
  return (
    <Box sx={{ display: 'grid', gap: 1.5 }} data-testid="open-lots">
      {lots.map((lot) => {
        const mark = marks.data?.get(lot.lot_number);
        const failed = lot.current_process_result === 'FAIL' || lot.current_process_result === 'HOLD';
        return (
          <Box key={lot.lot_number} data-lot={lot.lot_number} data-defects={mark?.failed ?? 0} sx={{ borderBottom: 1, borderColor: 'divider', pb: 1 }}>
            <Box sx={{ display: 'flex', alignItems: 'center', gap: 1, flexWrap: 'wrap' }}>
              <RouterLink to={`/lots/${lot.lot_number}`} style={{ fontWeight: 600 }}>
                {lot.lot_number}
              </RouterLink>
              <LotStatusChip status={lot.status} />
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

export default function OverviewPage() {
  const t = useT();
  const lang = useLang();
  const summary = useSummary();
  const routing = useRouting();
  const live = useUi((s) => s.events);
  if (summary.isPending) return <Loading />;
  if (summary.isError) return <ErrorBox error={summary.error} />;
  const data = summary.data;
  const feed = mergeFeed(lang, live, data.recent_events);
  return (
    <Box>
      <PageTitle>{t('overview.title', { date: data.date })}</PageTitle>
      <Box sx={{ display: 'flex', gap: 2, mb: 2, flexWrap: 'wrap' }}>
        <Kpi label={t('overview.started')} value={formatNumber(lang, data.started)} testId="kpi-started" color="#1565c0" />
        <Kpi label={t('overview.completed')} value={formatNumber(lang, data.completed)} testId="kpi-completed" color="#2e7d32" />
        <Kpi label={t('overview.defects')} value={formatNumber(lang, data.defects)} testId="kpi-defects" color={data.defects ? '#c62828' : undefined} />
        <Kpi label={t('overview.open_lots')} value={formatNumber(lang, data.open_lots.length)} testId="kpi-open-lots" />
      </Box>
      <Box sx={{ display: 'grid', gap: 2, gridTemplateColumns: { xs: 'minmax(0, 1fr)', lg: 'minmax(0, 3fr) minmax(0, 2fr)' }, alignItems: 'start' }}>
        <Box>
          <Section title={t('overview.by_process')}>
            <ProcessTable rows={processRows(data, routing.data)} />
          </Section>
          <Section title={t('overview.open_lots')}>
            <OpenLots lots={data.open_lots} />
          </Section>
        </Box>
        <Section title={t('overview.feed')}>
          <EventFeed items={feed} />
        </Section>
      </Box>
    </Box>
  );
}
