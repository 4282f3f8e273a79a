// An alert in words: trace-service sends a code with params plus English text (ADR 0024);
// the UI translates the code and falls back to the English text for a code it does not know.
import type { AlertItem } from '../api/types';
import { processName, translate, translateLoose, type MessageKey } from '../i18n';
import { checkLabel, statusLabel } from '../labels';
import type { Lang } from '../store';

/** The rules trace-service has (alerts/rules.py), for the Alerts page's filter. */
export const PRINTER_FAULT_STATES = ['paper_out', 'head_open', 'ribbon_out', 'not_connected', 'not_responding', 'paused', 'buffer_full'] as const;
export const ALERT_RULES = [
  'lot.held',
  'label.failed',
  'label.queued_too_long',
  'process.defect_rate',
  'stream.dead_letters',
  'stream.consumer_lag',
  ...PRINTER_FAULT_STATES.map((s) => `printer.${s}`),
] as const;

export function ruleLabel(lang: Lang, rule: string): string {
  if (rule.startsWith('printer.')) return `${translate(lang, 'alerts.rule.printer')}: ${statusLabel(lang, 'printer', rule.slice(8))}`;
  return translateLoose(lang, `alerts.rule.${rule}`, rule);
}

function param(alert: AlertItem, key: string): string {
  const v = alert.params?.[key];
  if (Array.isArray(v)) return String(v.length);
  return v === null || v === undefined ? '' : String(v);
}

function percent(lang: Lang, value: string): string {
  const n = Number(value);
  if (!value || !Number.isFinite(n)) return value;
  return new Intl.NumberFormat(lang === 'ko' ? 'ko-KR' : 'en-GB', { style: 'percent', maximumFractionDigits: 1 }).format(n);
}

function eventName(lang: Lang, stream: string): string {
  return translateLoose(lang, `event.${stream}`, stream);
}

export function alertText(lang: Lang, alert: AlertItem): string {
  const p = (k: string) => param(alert, k);
  const t = (key: MessageKey, params: Record<string, string>) => translate(lang, key, params);
  if (alert.code.startsWith('ALERT_PRINTER_')) {
    return t('alerts.text.printer', { printer: p('printer_id') || alert.subject_id, state: statusLabel(lang, 'printer', p('state') || alert.code.slice(14).toLowerCase()) });
  }
  switch (alert.code) {
    case 'ALERT_LOT_HELD':
      return t(p('reason') ? 'alerts.text.lot_held_reason' : 'alerts.text.lot_held', { lot: p('lot_number') || alert.subject_id, reason: p('reason') });
    case 'ALERT_LOT_STALLED': {
      const pid = p('process_id');
      const name = processName(lang, pid);
      const takt = Number(p('takt_seconds'));
      return t('alerts.text.lot_stalled', {
        lot: p('lot_number') || alert.subject_id,
        process: name && name !== pid ? `${pid} ${name}` : pid,
        minutes: p('idle_minutes'),
        multiple: p('multiple'),
        takt: Number.isFinite(takt) && takt > 0 ? String(Math.round(takt / 60)) : p('takt_seconds'),
      });
    }
    case 'ALERT_SPC_VIOLATION':
      return t('alerts.text.spc_violation', {
        check: checkLabel(lang, p('check')),
        rule: p('rule'),
        what: translateLoose(lang, `spc.rule.${p('rule')}`, p('description')),
        lot: p('lot_number'),
      });
    case 'ALERT_LABEL_FAILED':
      return t('alerts.text.label_failed', { lot: p('lot_number') || alert.subject_id, jobs: p('jobs') });
    case 'ALERT_LABEL_QUEUED_TOO_LONG':
      return t('alerts.text.label_queued', { lot: p('lot_number') || alert.subject_id, jobs: p('jobs'), minutes: p('minutes') });
    case 'ALERT_DEFECT_RATE': {
      const pid = p('process_id') || alert.subject_id;
      const name = processName(lang, pid);
      return t('alerts.text.defect_rate', { process: name && name !== pid ? `${pid} ${name}` : pid, rate: percent(lang, p('rate')), threshold: percent(lang, p('threshold')) });
    }
    case 'ALERT_DEAD_LETTERS':
      return t('alerts.text.dead_letters', { stream: eventName(lang, p('stream') || alert.subject_id), count: p('count') });
    case 'ALERT_CONSUMER_LAG':
      return t('alerts.text.consumer_lag', { stream: eventName(lang, p('stream') || alert.subject_id), group: p('group'), backlog: p('backlog') });
    default:
      return alert.message;
  }
}

export const SEVERITY_TONE: Record<string, 'error' | 'warning' | 'info'> = { critical: 'error', warning: 'warning', info: 'info' };

export function severityLabel(lang: Lang, severity: string): string {
  return translateLoose(lang, `alerts.severity.${severity}`, severity);
}
