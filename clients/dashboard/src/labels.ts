// Words for the codes the services send: statuses, error codes, process-data fields and
// check names. The texts live in i18n.ts; this module picks the key from the kind of value
// and, for check names, from the name's structure (`test_results[T38_P170]`,
// `temp_sensor.measured_temp`). Nothing the UI shows should be a raw code.
import { translate, translateLoose } from './i18n';
import type { Lang } from './store';
import { formatDateTime, isTimestamp } from './time';

export type StatusKind =
  | 'lot'
  | 'process'
  | 'serial'
  | 'result'
  | 'printer'
  | 'job'
  | 'firmware'
  | 'firmwareAction'
  | 'auditAction'
  | 'labelType'
  | 'purpose'
  | 'transport'
  | 'serialReason'
  | 'entity'
  | 'ncr'
  | 'disposition'
  | 'holdPhase'
  | 'release'
  | 'alert'
  | 'severity';

const PREFIX: Record<StatusKind, string> = {
  lot: 'lot.status.',
  process: 'process.state.',
  serial: 'serial.status.',
  result: 'result.',
  printer: 'printer.state.',
  job: 'job.state.',
  firmware: 'firmware.state.',
  firmwareAction: 'firmware.action.',
  auditAction: 'audit.action.',
  labelType: 'label.type.',
  purpose: 'printer.purpose.',
  transport: 'printer.transport.',
  serialReason: 'serial.reason.',
  entity: 'entity.',
  ncr: 'ncr.status.',
  disposition: 'disposition.',
  holdPhase: 'hold.phase.',
  release: 'release.',
  alert: 'alerts.status.',
  severity: 'alerts.severity.',
};

/** Every value of each kind the services send (mes_contracts.enums, label-service's printer
 * and job states, the audit trail's entity types): i18n.test.ts checks each has a text. */
export const KNOWN_VALUES: Record<StatusKind, readonly string[]> = {
  lot: ['CREATED', 'IN_PROGRESS', 'COMPLETED', 'CLOSED'],
  process: ['NOT_STARTED', 'PENDING', 'IN_PROGRESS', 'STARTED', 'COMPLETED', 'FAILED'],
  serial: ['CREATED', 'IN_PROGRESS', 'PASSED', 'FAILED'],
  result: ['PASS', 'FAIL', 'SUCCESS', 'HOLD'],
  printer: ['ready', 'paper_out', 'head_open', 'ribbon_out', 'paused', 'buffer_full', 'not_responding', 'not_connected', 'offline', 'unknown', 'error'],
  job: ['queued', 'sending', 'retrying', 'pending', 'sent', 'failed'],
  firmware: ['UPLOADED', 'RELEASED', 'SUPERSEDED', 'WITHDRAWN'],
  firmwareAction: ['RELEASE', 'ROLLBACK'],
  auditAction: ['create', 'update', 'delete'],
  labelType: ['LOT', 'SERIAL'],
  purpose: ['LOT', 'SERIAL', 'ANY'],
  transport: ['TCP', 'SERIAL'],
  serialReason: ['PROC-007_START', 'REPLACEMENT'],
  ncr: ['OPEN', 'CLOSED'],
  disposition: ['REWORK', 'USE_AS_IS', 'SCRAP'],
  holdPhase: ['OPEN', 'REWORK'],
  release: ['REWORK_PASSED', 'USE_AS_IS', 'SCRAP'],
  alert: ['open', 'acknowledged', 'resolved'],
  severity: ['critical', 'warning', 'info'],
  entity: ['ncr', 'lot_hold', 'lot_close', 'lot', 'lot_labels', 'lot_serials', 'lot_serial_statuses', 'serial', 'process_record', 'firmware', 'firmware_download', 'user', 'printer', 'label_job'],
};

/** `not_responding` → "Not responding": the last resort for a code with no text yet. */
export function humanize(code: string): string {
  if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(code)) return code; // an id (WF-KR-…, PROC-001), not a code
  const words = code.replace(/[_\s]+/g, ' ').trim().toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** The i18n.ts key of a status. */
export function statusKey(kind: StatusKind, value: string): string {
  return PREFIX[kind] + value;
}

export function statusLabel(lang: Lang, kind: StatusKind, value: string | null | undefined): string {
  if (value === null || value === undefined || value === '') return '–';
  return translateLoose(lang, statusKey(kind, value), humanize(value));
}

export type Tone = 'success' | 'error' | 'warning' | 'info' | 'default' | 'secondary';

const TONES: Partial<Record<StatusKind, Record<string, Tone>>> = {
  lot: { IN_PROGRESS: 'info', COMPLETED: 'success', CLOSED: 'secondary' },
  process: { IN_PROGRESS: 'info', STARTED: 'info', COMPLETED: 'success', FAILED: 'error' },
  serial: { IN_PROGRESS: 'info', PASSED: 'success', FAILED: 'error' },
  // a defect and a hold are red wherever they appear
  result: { PASS: 'success', SUCCESS: 'success', FAIL: 'error', HOLD: 'error' },
  printer: { ready: 'success', paused: 'warning', unknown: 'default' },
  job: { sending: 'info', retrying: 'warning', sent: 'success', failed: 'error' },
  firmware: { UPLOADED: 'info', RELEASED: 'success', WITHDRAWN: 'error' },
  firmwareAction: { RELEASE: 'success', ROLLBACK: 'warning' },
  // an open NCR and a hold in any phase are red (ADR 0018)
  ncr: { OPEN: 'error', CLOSED: 'secondary' },
  holdPhase: { OPEN: 'error', REWORK: 'error' },
  disposition: { SCRAP: 'error', REWORK: 'warning', USE_AS_IS: 'info' },
  // an alert nobody has looked at is red; acknowledged but still holding, amber
  alert: { open: 'error', acknowledged: 'warning', resolved: 'success' },
  severity: { critical: 'error', warning: 'warning', info: 'info' },
};

export function statusTone(kind: StatusKind, value: string): Tone {
  const tone = TONES[kind]?.[value];
  if (tone) return tone;
  return kind === 'printer' ? 'error' : 'default'; // every printer state but those is a fault
}

/** A routing step as one word: its verdict once it failed, else its state. */
export function stepStatus(status: string, result: string | null | undefined): { kind: StatusKind; value: string } {
  if (result === 'FAIL' || result === 'HOLD') return { kind: 'result', value: result };
  return { kind: 'process', value: status };
}

export function errorCodeLabel(lang: Lang, code: string | null | undefined, fallback?: string): string {
  if (!code) return fallback ?? '';
  return translateLoose(lang, `errorCode.${code}`, fallback ?? humanize(code));
}

// -- process data fields and check names --------------------------------------------------
export function componentLabel(lang: Lang, type: string): string {
  return translateLoose(lang, `component.${type}`, humanize(type));
}

/** A process-data key in words: a known field, `<component>_lot`, else the key humanized. */
export function fieldLabel(lang: Lang, key: string): string {
  const known = translateLoose(lang, `field.${key}`, '');
  if (known) return known;
  if (key.endsWith('_lot') && key.length > 4) return `${componentLabel(lang, key.slice(0, -4))} LOT`;
  return humanize(key);
}

const FORCE_POINT = /^T(\d+)_P(\d+)$/;

/** What goes inside `[…]`: a performance-test point (`T38_P170` → "T38 / 170 kgf"), an
 * index (`0` → "#1"), else the id with its parts apart. */
export function indexLabel(lang: Lang, id: string): string {
  const point = FORCE_POINT.exec(id);
  if (point) return translate(lang, 'check.force_point', { t: point[1]!, p: point[2]! });
  if (/^\d+$/.test(id)) return `#${Number(id) + 1}`;
  return id.split('_').join(' / ');
}

/** A check name or process-data path in words, segment by segment:
 * `test_results[T38_P170]` → "성능검사 T38 / 170 kgf",
 * `temp_sensor.measured_temp` → "온도 센서 · 측정 온도". */
export function checkLabel(lang: Lang, check: string | null | undefined): string {
  if (!check) return '–';
  const path = check.replace(/^process_data\./, '');
  const parts: string[] = [];
  for (const m of path.matchAll(/([^.[\]]+)|\[([^\]]*)\]/g)) {
    if (m[1] !== undefined) parts.push(fieldLabel(lang, m[1]));
    else if (parts.length) parts[parts.length - 1] += ` ${indexLabel(lang, m[2] ?? '')}`;
  }
  return parts.join(' · ') || check;
}

// -- values -----------------------------------------------------------------------------
/** Which kind of code a field holds, where the field's name says it. */
const FIELD_KINDS: Record<string, StatusKind> = {
  purpose: 'purpose',
  transport: 'transport',
  label_type: 'labelType',
  action: 'firmwareAction',
  disposition: 'disposition',
  cause: 'release',
  release_cause: 'release',
};

// Upper-case codes found in values without a telling field name, in lookup order.
const VALUE_KINDS: StatusKind[] = ['result', 'lot', 'serial', 'process', 'firmware', 'serialReason', 'ncr', 'disposition'];

/** A stored value as the UI shows it: yes/no, the factory time, a status in words. */
export function valueLabel(lang: Lang, value: unknown, key?: string): string {
  if (value === null || value === undefined || value === '') return '–';
  if (typeof value === 'boolean') return translate(lang, value ? 'value.true' : 'value.false');
  if (typeof value !== 'string') return String(value);
  if (isTimestamp(value)) return formatDateTime(value);
  const field = key ? FIELD_KINDS[key] : undefined;
  if (field) return statusLabel(lang, field, value);
  if (key === 'role') return translateLoose(lang, `role.${value}`, value);
  if (key === 'shift' && (value === 'D' || value === 'N')) return translate(lang, value === 'D' ? 'lots.shift.D' : 'lots.shift.N');
  if (key === 'state' && /^[a-z_]+$/.test(value)) return translateLoose(lang, `job.state.${value}`, statusLabel(lang, 'printer', value));
  if (key === 'error_code' || key === 'last_error_code') return errorCodeLabel(lang, value);
  if (key === 'check' || key === 'check_name') return checkLabel(lang, value);
  if (key === 'component_type') return componentLabel(lang, value);
  for (const kind of VALUE_KINDS) {
    const text = translateLoose(lang, PREFIX[kind] + value, '');
    if (text) return text;
  }
  return value;
}

/** Red for a verdict that is a defect, green for a pass, nothing for other values. */
export function valueTone(value: unknown): Tone | null {
  if (value === 'FAIL' || value === 'FAILED' || value === 'HOLD') return 'error';
  if (value === 'PASS' || value === 'PASSED' || value === 'SUCCESS') return 'success';
  return null;
}

// -- defects ----------------------------------------------------------------------------
export interface DefectLike {
  check_name?: string | null;
  measured?: unknown;
  target?: number | null;
  tolerance?: number | null;
  lower_limit?: number | null;
  upper_limit?: number | null;
  unit?: string | null;
  message?: string | null;
}

/** The spec a value was held against: `59 ~ 61 °C`, else `60 ± 1 °C`, else '–'. */
export function specText(d: DefectLike): string {
  const unit = d.unit ? ` ${d.unit}` : '';
  if (d.lower_limit != null || d.upper_limit != null) return `${d.lower_limit ?? ''} ~ ${d.upper_limit ?? ''}${unit}`;
  if (d.target != null) return `${d.target}${d.tolerance != null ? ` ± ${d.tolerance}` : ''}${unit}`;
  return '–';
}

export function measuredText(lang: Lang, d: DefectLike): string {
  if (d.measured === null || d.measured === undefined) return '–';
  return typeof d.measured === 'number' ? `${d.measured}${d.unit ? ` ${d.unit}` : ''}` : valueLabel(lang, d.measured);
}

/** Why it is a defect, in the UI's language (the services' `message` is English; it stays
 * available as a tooltip). */
export function defectFinding(lang: Lang, d: DefectLike): string {
  const limited = d.lower_limit != null || d.upper_limit != null || d.target != null;
  if (typeof d.measured === 'number' && limited) {
    const low = d.lower_limit ?? (d.target != null && d.tolerance != null ? d.target - d.tolerance : null);
    const high = d.upper_limit ?? (d.target != null && d.tolerance != null ? d.target + d.tolerance : null);
    const outside = (low != null && d.measured < low - 1e-9) || (high != null && d.measured > high + 1e-9);
    if (!outside) return translate(lang, 'defect.reported_fail');
    return translate(lang, /reported PASS/.test(d.message ?? '') ? 'defect.out_of_spec_reported_pass' : 'defect.out_of_spec');
  }
  if (d.measured === null || d.measured === undefined) return translate(lang, limited ? 'defect.no_value' : 'defect.reported_fail');
  return translate(lang, 'defect.reported', { value: valueLabel(lang, d.measured) });
}
