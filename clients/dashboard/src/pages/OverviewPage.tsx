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
import { useDefectMarks, useOpenNcrs, useRouting, useSummary } from '../api/queries';
import type { Ncr, OpenLot, ProcessBreakdown, RoutingStep, Summary } from '../api/types';
import { HoldChip } from '../components/Hold';
import { formatDateTime } from '../time';
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

export default function OverviewPage() {
  const t = useT();
  const lang = useLang();
  const summary = useSummary();
  const routing = useRouting();
  const live = useUi((s) => s.events);
  const openNcrs = useOpenNcrs();
  const holds = heldRows(openNcrs.data?.items);
  const held = new Map(holds.map((n) => [n.lot_number, n.ncr_number]));
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
        <Kpi label={t('overview.on_hold_kpi')} value={openNcrs.data ? formatNumber(lang, holds.length) : '–'} testId="kpi-on-hold" color={holds.length ? '#c62828' : undefined} />
      </Box>
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
