import Box from '@mui/material/Box';
import Typography from '@mui/material/Typography';
import type { LotProcess } from '../api/types';
import { formatTime, processName, translateLoose, useLang, useT } from '../i18n';
import { ResultChip } from './bits';

const DOT: Record<string, string> = {
  COMPLETED: '#2e7d32',
  IN_PROGRESS: '#0288d1',
  STARTED: '#0288d1',
  FAILED: '#c62828',
};

/** The LOT's routing as a vertical timeline: each step's state, worker, times, result. */
export function ProcessTimeline({ steps }: { steps: LotProcess[] }) {
  const t = useT();
  const lang = useLang();
  return (
    <Box component="ol" sx={{ listStyle: 'none', m: 0, p: 0 }} data-testid="process-timeline">
      {steps.map((s, i) => {
        const color = s.result === 'FAIL' ? DOT.FAILED : DOT[s.status] ?? '#bdbdbd';
        return (
          <Box component="li" key={s.process_id} data-process={s.process_id} data-status={s.status} sx={{ display: 'flex', gap: 1.5 }}>
            <Box sx={{ display: 'flex', flexDirection: 'column', alignItems: 'center' }}>
              <Box sx={{ width: 14, height: 14, borderRadius: '50%', bgcolor: color, mt: 0.5, flexShrink: 0 }} />
              {i < steps.length - 1 && <Box sx={{ width: 2, flexGrow: 1, bgcolor: 'divider', minHeight: 20 }} />}
            </Box>
            <Box sx={{ pb: 1.5, flexGrow: 1 }}>
              <Box sx={{ display: 'flex', gap: 1, alignItems: 'center', flexWrap: 'wrap' }}>
                <Typography variant="body2" color="text.secondary">
                  {s.process_id}
                </Typography>
                <Typography sx={{ fontWeight: 600 }}>{processName(lang, s.process_id, s)}</Typography>
                <Typography variant="body2" color="text.secondary">
                  {translateLoose(lang, `process.state.${s.status}`, s.status)}
                </Typography>
                <ResultChip value={s.result} />
              </Box>
              {(s.start_time || s.worker_id) && (
                <Typography variant="body2" color="text.secondary">
                  {s.worker_id ?? ''} · {t('lot.start')} {formatTime(lang, s.start_time)}
                  {s.complete_time ? ` → ${t('lot.complete')} ${formatTime(lang, s.complete_time)}` : ''}
                  {s.work_order_id ? ` · ${s.work_order_id}` : ''}
                </Typography>
              )}
            </Box>
          </Box>
        );
      })}
    </Box>
  );
}
