// The unresolved alerts the app bar's badge counts and the banner lists: fetched once
// (open + acknowledged), then kept current from the live feed's alert.* events.
import type { AlertItem, AlertSeverity, LiveEvent } from '../api/types';

/** The query of the unresolved alerts (api/queries.ts useActiveAlerts). */
export const ACTIVE_ALERTS_KEY = ['alerts', 'active'] as const;

export const ALERT_EVENT_TYPES = ['alert.raised', 'alert.acknowledged', 'alert.resolved'] as const;

const RANK: Record<AlertSeverity, number> = { critical: 2, warning: 1, info: 0 };

export function severityRank(severity: string): number {
  return RANK[severity as AlertSeverity] ?? 0;
}

/** Most severe first, then newest first. */
export function bySeverityThenNewest(a: AlertItem, b: AlertItem): number {
  return severityRank(b.severity) - severityRank(a.severity) || b.raised_at.localeCompare(a.raised_at) || Number(b.alert_id) - Number(a.alert_id);
}

function str(d: Record<string, unknown>, key: string): string | null {
  return typeof d[key] === 'string' ? (d[key] as string) : null;
}

/** The alert an alert.* event describes (the payload carries the alert's fields). */
export function alertFromEvent(e: LiveEvent, known?: AlertItem): AlertItem | null {
  const d = e.data ?? {};
  const id = str(d, 'alert_id');
  if (!id) return null;
  const base: AlertItem = {
    alert_id: id,
    rule: str(d, 'rule') ?? known?.rule ?? '',
    condition_key: str(d, 'condition_key') ?? known?.condition_key ?? '',
    severity: (str(d, 'severity') as AlertSeverity | null) ?? known?.severity ?? 'warning',
    status: 'open',
    subject_type: str(d, 'subject_type') ?? known?.subject_type ?? '',
    subject_id: str(d, 'subject_id') ?? known?.subject_id ?? e.subject ?? '',
    code: str(d, 'code') ?? known?.code ?? '',
    params: (d.params as Record<string, unknown> | undefined) ?? known?.params ?? {},
    message: str(d, 'message') ?? known?.message ?? '',
    raised_at: str(d, 'raised_at') ?? known?.raised_at ?? e.time,
    acknowledged_by: known?.acknowledged_by ?? null,
    acknowledged_at: known?.acknowledged_at ?? null,
    note: known?.note ?? null,
    resolved_at: null,
  };
  if (e.type === 'alert.acknowledged') {
    return {
      ...base,
      status: 'acknowledged',
      acknowledged_by: str(d, 'acknowledged_by') ?? e.actor?.user_id ?? null,
      acknowledged_at: str(d, 'acknowledged_at') ?? e.time,
      note: str(d, 'note'),
    };
  }
  if (e.type === 'alert.resolved') return { ...base, status: 'resolved', resolved_at: str(d, 'resolved_at') ?? e.time };
  return base;
}

/** The unresolved alerts after one event: raised → in (open), acknowledged → still in (not
 * in the banner), resolved → out. Events may arrive twice or late (a resume replays what the
 * initial fetch already had): an acknowledgement never reopens, a resolution wins. */
export function applyAlertEvent(active: AlertItem[], e: LiveEvent): AlertItem[] {
  if (!(ALERT_EVENT_TYPES as readonly string[]).includes(e.type)) return active;
  const id = e.data?.alert_id;
  const known = active.find((a) => a.alert_id === id);
  const alert = alertFromEvent(e, known);
  if (!alert) return active;
  const others = active.filter((a) => a.alert_id !== alert.alert_id);
  if (alert.status === 'resolved') return known ? others : active;
  if (alert.status === 'open' && known) return active; // a replayed raise: keep what we know
  return [...others, alert].sort(bySeverityThenNewest);
}

/** An alert the API answered (an acknowledgement): replace it, or drop it once resolved. */
export function withAlert(active: AlertItem[], alert: AlertItem): AlertItem[] {
  const others = active.filter((a) => a.alert_id !== alert.alert_id);
  return alert.status === 'resolved' ? others : [...others, alert].sort(bySeverityThenNewest);
}

/** Unresolved: what the badge counts. */
export function activeCount(active: AlertItem[]): number {
  return active.length;
}

/** Open and not yet acknowledged: what the banner shows, most severe / newest first. */
export function bannerAlerts(active: AlertItem[]): AlertItem[] {
  return active.filter((a) => a.status === 'open').sort(bySeverityThenNewest);
}

/** The two fetched lists (open, acknowledged) as one, deduplicated and sorted. */
export function mergeActive(open: AlertItem[], acknowledged: AlertItem[]): AlertItem[] {
  const byId = new Map<string, AlertItem>();
  for (const a of [...open, ...acknowledged]) byId.set(a.alert_id, a);
  return [...byId.values()].filter((a) => a.status !== 'resolved').sort(bySeverityThenNewest);
}
