import Box from '@mui/material/Box';
import List from '@mui/material/List';
import ListItem from '@mui/material/ListItem';
import Typography from '@mui/material/Typography';
import { Link as RouterLink } from 'react-router-dom';
import { alertFromEvent } from '../alerts/active';
import { alertText } from '../alerts/text';
import type { LiveEvent, RecentEvent } from '../api/types';
import { processName, translate, translateLoose, useLang, useT } from '../i18n';
import { errorCodeLabel, statusLabel, type StatusKind } from '../labels';
import type { Lang } from '../store';
import { formatDateTime } from '../time';
import { StatusChip } from './bits';

/** One row of the feed, from a live envelope or from the summary's recent events. */
export interface FeedItem {
  id: string;
  type: string;
  time: string;
  subject: string | null;
  user: string | null;
  detail: string;
  result: string | null;
  /** what `result` is: a verdict, or a label job's outcome */
  resultKind?: StatusKind;
}

// Types that refresh data but are not listed. Since ADR 0012 every event is one fact a
// person would name (serials.status_changed is one per LOT and step), so none is hidden.
export const HIDDEN_TYPES = new Set<string>();

function shiftLabel(lang: Lang, shift: string | null): string {
  if (shift !== 'D' && shift !== 'N') return shift ?? '';
  return translate(lang, shift === 'D' ? 'lots.shift.D' : 'lots.shift.N');
}

export function describe(lang: Lang, e: LiveEvent): FeedItem {
  const d = e.data ?? {};
  const str = (k: string) => (typeof d[k] === 'string' ? (d[k] as string) : null);
  let detail = '';
  let result: string | null = null;
  let resultKind: StatusKind = 'result';
  switch (e.type) {
    case 'process.started':
    case 'process.completed': {
      const pid = str('process_id');
      detail = `${pid ?? ''} ${processName(lang, pid, { name_ko: str('process_name') })}`.trim();
      if (str('worker_id')) detail += ` · ${str('worker_id')}`;
      result = str('result');
      break;
    }
    case 'lot.created':
      detail = [String(d.target_quantity ?? ''), shiftLabel(lang, str('shift'))].filter(Boolean).join(' · ');
      break;
    case 'lot.status_changed':
      detail = `${statusLabel(lang, 'lot', str('from_status'))} → ${statusLabel(lang, 'lot', str('to_status') ?? str('status'))}`;
      break;
    case 'serials.allocated':
      detail = Array.isArray(d.serials) ? `${d.serials.length}` : '';
      break;
    case 'serials.status_changed': {
      const serials = Array.isArray(d.serials) ? (d.serials as Record<string, unknown>[]) : [];
      const to = [...new Set(serials.map((s) => s.to_status).filter((s) => typeof s === 'string'))];
      const toText = to.map((s) => statusLabel(lang, 'serial', s as string)).join(', ');
      detail = [`${serials.length}`, to.length ? `→ ${toText}` : '', str('process_id')].filter(Boolean).join(' ');
      break;
    }
    case 'labels.printed':
    case 'labels.failed': {
      const labels = Array.isArray(d.labels) ? (d.labels as Record<string, unknown>[]) : [];
      const distinct = (k: string) => [...new Set(labels.map((l) => l[k]).filter((v) => typeof v === 'string'))] as string[];
      detail = [
        `${labels.length}`,
        ...distinct('label_type').map((l) => statusLabel(lang, 'labelType', l)),
        ...distinct('printer_id'),
        ...distinct('error_code').map((c) => errorCodeLabel(lang, c)),
      ].join(' · ');
      result = e.type === 'labels.printed' ? 'sent' : 'failed';
      resultKind = 'job';
      break;
    }
    case 'firmware.released':
    case 'firmware.rolled_back':
      detail = str('version') ?? '';
      break;
    case 'alert.raised':
    case 'alert.acknowledged':
    case 'alert.resolved': {
      const alert = alertFromEvent(e);
      detail = alert ? alertText(lang, alert) : '';
      break;
    }
    case 'printer.status_changed':
      detail = `${str('printer_id') ?? ''} → ${statusLabel(lang, 'printer', str('state'))}`;
      break;
    default:
      detail = '';
  }
  // a stream's name is a code: an alert about a stream names it in words in `detail`
  const subject = e.type.startsWith('alert.') && str('subject_type') === 'stream' ? null : (str('lot_number') ?? e.subject);
  return {
    id: e.id,
    type: e.type,
    time: e.time,
    subject,
    user: e.actor?.user_id ?? e.actor?.system ?? null,
    detail,
    result,
    resultKind,
  };
}

export function fromRecent(r: RecentEvent): FeedItem {
  return { id: r.event_id, type: r.type, time: r.time, subject: r.subject, user: r.user_id, detail: '', result: null };
}

/** Live events first (newest first), then the summary's recent events not already shown. */
export function mergeFeed(lang: Lang, live: LiveEvent[], recent: RecentEvent[], max = 30): FeedItem[] {
  const seen = new Set<string>();
  const out: FeedItem[] = [];
  for (const item of [...live.map((e) => describe(lang, e)), ...recent.map(fromRecent)]) {
    if (seen.has(item.id) || HIDDEN_TYPES.has(item.type)) continue;
    seen.add(item.id);
    out.push(item);
    if (out.length >= max) break;
  }
  return out;
}

const LOT_RE = /^[A-Z0-9]{1,8}-[A-Z]{2}-[0-9]{6}[DN]-[0-9]{3}$/;

export function EventFeed({ items }: { items: FeedItem[] }) {
  const t = useT();
  const lang = useLang();
  if (!items.length) return <Typography color="text.secondary">{t('overview.no_events')}</Typography>;
  return (
    <List dense disablePadding data-testid="event-feed" sx={{ maxHeight: 520, overflow: 'auto' }}>
      {items.map((item) => (
        <ListItem key={item.id} divider data-event-type={item.type} sx={{ alignItems: 'flex-start', px: 0 }}>
          <Box sx={{ width: '100%' }}>
            <Box sx={{ display: 'flex', gap: 1, alignItems: 'center' }}>
              <Typography variant="body2" sx={{ fontWeight: 600 }}>
                {translateLoose(lang, `event.${item.type}`, item.type)}
              </Typography>
              {item.result && <StatusChip kind={item.resultKind ?? 'result'} value={item.result} />}
              <Typography variant="caption" color="text.secondary" sx={{ ml: 'auto', whiteSpace: 'nowrap' }}>
                {formatDateTime(item.time)}
              </Typography>
            </Box>
            <Typography variant="body2" color="text.secondary" sx={{ wordBreak: 'break-all' }}>
              {item.subject && LOT_RE.test(item.subject) ? (
                <RouterLink to={`/lots/${item.subject}`}>{item.subject}</RouterLink>
              ) : (
                item.subject
              )}
              {item.detail ? ` · ${item.detail}` : ''}
              {item.user ? ` · ${item.user}` : ''}
            </Typography>
          </Box>
        </ListItem>
      ))}
    </List>
  );
}
