import Box from '@mui/material/Box';
import Typography from '@mui/material/Typography';
import type { LotProcess } from '../api/types';
import { processName, useLang, useT } from '../i18n';
import { stepStatus, statusTone } from '../labels';
import { formatDateTime } from '../time';
import { StepChip } from './bits';

const DOT: Record<string, string> = {
  success: '#2e7d32',
  info: '#0288d1',
  error: '#c62828',
};

/** The LOT's routing as a vertical timeline: each step's state (its verdict once it
 * failed, in red), worker, times. */
export function ProcessTimeline({ steps }: { steps: LotProcess[] }) {
  const t = useT();
  const lang = useLang();
  return (
    <Box component="ol" sx={{ listStyle: 'none', m: 0, p: 0 }} data-testid="process-timeline">
      {steps.map((s, i) => {
        const step = stepStatus(s.status, s.result);
        const color = DOT[statusTone(step.kind, step.value)] ?? '#bdbdbd';
        return (
          <Box component="li" key={s.process_id} data-process={s.process_id} data-status={s.status} data-result={s.result ?? ''} sx={{ display: 'flex', gap: 1.5 }}>
            <Box sx={{ display: 'flex', flexDirection: 'column', alignItems: 'center' }}>
              <Box sx={{ width: 14, height: 14, borderRadius: '50%', bgcolor: color, mt: 0.5, flexShrink: 0 }} />
              {i < steps.length - 1 && <Box sx={{ width: 2, flexGrow: 1, bgcolor: 'divider', minHeight: 20 }} />}
            </Box>
            <Box sx={{ pb: 1.5, flexGrow: 1, minWidth: 0 }}>
              <Box sx={{ display: 'flex', gap: 1, alignItems: 'center', flexWrap: 'wrap' }}>
                <Typography variant="body2" color="text.secondary">
                  {s.process_id}
                </Typography>
                <Typography sx={{ fontWeight: 600 }}>{processName(lang, s.process_id, s)}</Typography>
                <StepChip status={s.status} result={s.result} />
              </Box>
              {(s.start_time || s.worker_id) && (
                <Typography variant="body2" color="text.secondary">
                  {s.worker_id ?? ''} · {t('lot.start')} {formatDateTime(s.start_time)}
                  {s.complete_time ? ` → ${t('lot.complete')} ${formatDateTime(s.complete_time)}` : ''}
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
