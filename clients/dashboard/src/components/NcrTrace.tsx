// The trace's hold and NCR block (ADR 0023): one row per NCR, then each one's failed checks.
import Box from '@mui/material/Box';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableContainer from '@mui/material/TableContainer';
import TableHead from '@mui/material/TableHead';
import TableRow from '@mui/material/TableRow';
import { Link as RouterLink } from 'react-router-dom';
import type { TraceNcr } from '../api/types';
import { processName, useLang, useT } from '../i18n';
import { formatDateTime } from '../time';
import { StatusChip, UserText } from './bits';
import { DefectTable } from './DataView';
import { asDefects, ncrPath } from './Hold';

/** The NCR still holding the LOT: the newest one not released. */
export function holdingNcr(ncrs: TraceNcr[] | undefined): TraceNcr | null {
  return [...(ncrs ?? [])].reverse().find((n) => !n.released_at) ?? null;
}

export function NcrTrace({ ncrs }: { ncrs: TraceNcr[] }) {
  const t = useT();
  const lang = useLang();
  return (
    <Box data-testid="trace-ncrs" sx={{ display: 'grid', gap: 1 }}>
      <TableContainer>
        <Table size="small" sx={{ '& td, & th': { whiteSpace: 'nowrap' } }}>
          <TableHead>
            <TableRow>
              <TableCell>{t('ncr.number')}</TableCell>
              <TableCell>{t('hold.failed_step')}</TableCell>
              <TableCell>{t('ncr.opened_at')}</TableCell>
              <TableCell>{t('trace.held_at')}</TableCell>
              <TableCell>{t('ncr.disposition')}</TableCell>
              <TableCell>{t('common.reason')}</TableCell>
              <TableCell>{t('ncr.closed_at')}</TableCell>
              <TableCell>{t('trace.released_at')}</TableCell>
              <TableCell>{t('trace.release_cause')}</TableCell>
            </TableRow>
          </TableHead>
          <TableBody>
            {ncrs.map((n) => (
              <TableRow key={n.ncr_number} data-ncr={n.ncr_number} data-released={n.released_at ? 'yes' : 'no'}>
                <TableCell>
                  <RouterLink to={ncrPath(n.ncr_number)}>{n.ncr_number}</RouterLink>{' '}
                  {!n.released_at && <StatusChip kind="result" value="HOLD" label={t('trace.on_hold')} />}
                </TableCell>
                <TableCell>
                  {n.process_id} {processName(lang, n.process_id, { name_ko: n.process_name })}
                </TableCell>
                <TableCell>
                  {formatDateTime(n.opened_at)} · {n.opened_by ?? '–'}
                </TableCell>
                <TableCell>{formatDateTime(n.held_at)}</TableCell>
                <TableCell>
                  <StatusChip kind="disposition" value={n.disposition} />
                  {n.rework_from ? ` ${n.rework_from} ${processName(lang, n.rework_from)}` : ''}
                  {n.scrap_count ? ` · ${t('ncr.scrapped', { count: n.scrap_count })}` : ''}
                  {n.scrap_serials?.length ? ` · ${n.scrap_serials.join(', ')}` : ''}
                </TableCell>
                <TableCell sx={{ whiteSpace: 'normal !important', minWidth: 160 }}>{n.reason ? <UserText>{n.reason}</UserText> : '–'}</TableCell>
                <TableCell>
                  {formatDateTime(n.closed_at)}
                  {n.closed_by ? ` · ${n.closed_by}` : ''}
                </TableCell>
                <TableCell>{formatDateTime(n.released_at)}</TableCell>
                <TableCell>
                  <StatusChip kind="release" value={n.release_cause} />
                </TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      </TableContainer>
      {ncrs
        .filter((n) => n.failed_checks?.length)
        .map((n) => (
          <DefectTable key={n.ncr_number} defects={asDefects(n.failed_checks)} title={`${n.ncr_number} · ${t('ncr.failed_checks', { count: n.failed_checks!.length })}`} />
        ))}
    </Box>
  );
}
