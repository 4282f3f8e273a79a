// Shapes of the gateway's answers (the `data` of {"status":"success","message","data"}).

export type Role = 'admin' | 'production_manager' | 'quality_manager' | 'worker' | 'viewer';
export const ROLES: Role[] = ['admin', 'production_manager', 'quality_manager', 'worker', 'viewer'];

export interface User {
  username: string;
  role: Role;
  worker_id: string | null;
  display_name: string;
  active?: boolean;
  created_at?: string;
  updated_at?: string;
}

export interface LoginData {
  access_token: string;
  refresh_token: string;
  expires_in: number;
  user: User;
}

export interface Page<T> {
  items: T[];
  total: number;
  limit?: number;
  offset?: number;
}

export type LotStatus = 'CREATED' | 'IN_PROGRESS' | 'COMPLETED' | 'CLOSED';
export type StepStatus = 'PENDING' | 'IN_PROGRESS' | 'COMPLETED' | string;

export interface ProcessBreakdown {
  process_id: string;
  name_ko: string | null;
  name_en: string | null;
  started: number;
  completed: number;
  defects: number;
  wip: number;
}

export interface OpenLot {
  lot_number: string;
  status: LotStatus;
  target_quantity: number;
  created_at: string;
  current_process: string | null;
  current_process_name: string | null;
  current_process_state: string | null;
  /** PASS/FAIL of the current step once completed (older gateways: absent) */
  current_process_result?: string | null;
  progress_percent: number;
}

export interface RecentEvent {
  event_id: string;
  type: string;
  subject: string;
  time: string;
  user_id: string | null;
}

export interface Summary {
  date: string;
  started: number;
  completed: number;
  defects: number;
  by_process: ProcessBreakdown[];
  open_lots: OpenLot[]; // the newest 50
  open_lots_total?: number;
  recent_events: RecentEvent[];
}

export interface RoutingStep {
  product_model: string;
  process_id: string;
  sequence: number;
  name_ko: string;
  name_en: string;
  level: string;
  requires_firmware: boolean;
  /** A FAIL puts the LOT on hold and opens an NCR (ADR 0023; older gateways: absent) */
  hold_on_fail?: boolean;
  rework_limit?: number;
}

export interface Product {
  code: string;
  name: string;
  factory: string;
}

export interface Lot {
  lot_number: string;
  product_model: string;
  factory: string;
  production_date: string;
  shift: 'D' | 'N';
  sequence: number;
  target_quantity: number;
  status: LotStatus;
  created_at: string;
  created_by: string;
  /** Units scrapped by NCR dispositions (ADR 0023) */
  scrapped_quantity?: number;
  good_quantity?: number | null;
}

export interface StatusChange {
  from_status: string | null;
  to_status: string;
  changed_at: string;
  changed_by: string | null;
  reason: string | null;
}

export interface LotProcess {
  process_id: string;
  sequence: number;
  name_ko: string | null;
  name_en: string | null;
  status: StepStatus;
  worker_id: string | null;
  start_time: string | null;
  complete_time: string | null;
  result: string | null;
  work_order_id: string | null;
}

export interface LotDetail extends Lot {
  processes: LotProcess[];
  progress_percent: number;
  status_history: StatusChange[];
  serial_count: number;
}

export interface Serial {
  serial_number: string;
  lot_number: string;
  sequence: number;
  status: string;
  created_at: string;
  created_by: string | null;
  replacement_reason: string | null;
  status_reason: string | null;
}

export interface Measurement {
  idx?: number;
  check_name: string;
  value: number;
  target: number | null;
  lower_limit: number | null;
  upper_limit: number | null;
  unit: string | null;
  result: string;
  measured_at: string;
}

export interface Defect {
  check_name?: string;
  [key: string]: unknown;
}

export interface Attempt {
  work_order_id: string;
  worker_id: string | null;
  complete_worker_id: string | null;
  start_time: string | null;
  complete_time: string | null;
  result: string | null;
  process_data: Record<string, unknown> | null;
  defects: Defect[];
  measurements: Measurement[];
}

export interface TraceProcess {
  process_id: string;
  sequence: number;
  name_ko: string | null;
  name_en: string | null;
  status: string;
  result: string | null;
  attempts: Attempt[];
}

export interface ComponentUse {
  work_order_id: string;
  component_type: string;
  component_lot: string;
  process_id: string;
  worker_id: string | null;
  used_at: string;
}

export interface TraceLot {
  lot_number: string;
  product_model: string;
  factory: string;
  production_date: string;
  shift: string;
  target_quantity: number;
  status: LotStatus;
  status_time: string | null;
  created_at: string;
  created_by: string | null;
  progress_percent: number;
  processes: TraceProcess[];
  component_lots: ComponentUse[];
  status_history: StatusChange[];
  serials: { total: number; by_status: Record<string, number> };
  on_hold?: boolean;
  ncrs?: TraceNcr[];
}

export interface TraceSerial {
  serial_number: string;
  lot_number: string;
  sequence: number;
  status: string;
  status_time: string | null;
  allocated_at: string | null;
  replacement_reason: string | null;
  lot: TraceLot;
}

export interface RecallUsage {
  lot_number: string;
  lot_status: string;
  component_type: string;
  process_id: string;
  work_order_id: string;
  worker_id: string | null;
  used_at: string;
  serials: { serial_number: string; status: string }[];
}

export interface Recall {
  component_lot: string;
  lot_count: number;
  serial_count: number;
  usages: RecallUsage[];
}

export interface DefectItem {
  work_order_id: string;
  idx: number;
  lot_number: string;
  process_id: string;
  check_name: string;
  measured: unknown;
  target: number | null;
  tolerance: number | null;
  lower_limit: number | null;
  upper_limit: number | null;
  unit: string | null;
  message: string | null;
  worker_id: string | null;
  occurred_at: string;
}

export interface DefectList {
  items: DefectItem[];
  total: number;
  by_cause: { process_id: string; check: string; count: number }[];
}

export interface MeasurementCheck {
  check: string;
  process_id: string;
  count: number;
}

export interface MeasurementPoint {
  work_order_id: string;
  lot_number: string;
  process_id: string;
  value: number;
  target: number | null;
  lower_limit: number | null;
  upper_limit: number | null;
  unit: string | null;
  result: string;
  measured_at: string;
}

export interface MeasurementSeries {
  check: string;
  spec: { target: number | null; lower_limit: number | null; upper_limit: number | null; unit: string | null } | null;
  points: MeasurementPoint[];
}

export type FirmwareState = 'UPLOADED' | 'RELEASED' | 'SUPERSEDED' | 'WITHDRAWN';

export interface Firmware {
  version: string;
  filename: string;
  file_size: number;
  md5_hash: string;
  sha256: string | null;
  target_mcu: string;
  release_notes: string | null;
  state: FirmwareState;
  uploaded_at: string | null;
  uploaded_by: string | null;
  released_at: string | null;
  released_by: string | null;
  withdrawn_at?: string | null;
  withdrawn_by?: string | null;
  withdrawn_reason?: string | null;
}

export interface FirmwareRelease {
  id: number;
  action: string;
  version: string;
  previous_version: string | null;
  reason: string | null;
  actor_user_id: string | null;
  actor_role: string | null;
  at: string;
}

export interface Printer {
  printer_id: string;
  name: string | null;
  model: string;
  language: string;
  transport: 'TCP' | 'SERIAL' | string;
  host: string | null;
  port: number | null;
  serial_port: string | null;
  station_id: string | null;
  purpose: string;
  active: boolean;
  dpi: number;
  label_width_mm: number;
  label_height_mm: number;
  /** the state label-service's status poll saw last (TCP printers; null before a poll) */
  last_state?: string | null;
  last_state_at?: string | null;
}

export interface PrinterStatus {
  printer_id: string;
  state: string;
  detail: string | null;
}

export interface LabelJob {
  job_id: string;
  label_type: 'LOT' | 'SERIAL';
  lot_number: string;
  serial_number: string | null;
  printer_id: string | null;
  state: string;
  attempts: number;
  last_error_code: string | null;
  last_error: string | null;
  reprint: boolean;
  reason: string | null;
  requested_by: string | null;
  created_at: string;
  sent_at: string | null;
}

export interface Reprint {
  job_id: string;
  label_type: string;
  lot_number: string;
  serial_number: string | null;
  printer_id: string | null;
  reason: string;
  requested_by: string | null;
  worker_id: string | null;
  requested_at: string;
}

export interface AuditEntry {
  seq: number;
  event_id: string | null;
  occurred_at: string;
  recorded_at: string;
  service: string;
  event_type: string;
  entity_type: string;
  entity_id: string;
  action: 'create' | 'update' | 'delete';
  user_id: string | null;
  role: string | null;
  worker_id: string | null;
  source_ip: string | null;
  correlation_id: string | null;
  old_values: Record<string, unknown> | null;
  new_values: Record<string, unknown> | null;
  hash: string;
}

export interface AuditVerify {
  valid: boolean;
  rows_checked: number;
  first_broken_seq: number | null;
}

/** One event of the live feed (the envelope the services publish). */
export interface LiveEvent {
  id: string;
  type: string;
  time: string;
  subject: string | null;
  actor?: { user_id: string | null; role: string | null; worker_id: string | null; system: string | null } | null;
  data: Record<string, unknown>;
}

// -- holds and non-conformance reports (ADR 0023) ---------------------------------------
export type HoldPhase = 'OPEN' | 'REWORK';
export type NcrStatus = 'OPEN' | 'CLOSED';
export type Disposition = 'REWORK' | 'USE_AS_IS' | 'SCRAP';
export const DISPOSITIONS: Disposition[] = ['REWORK', 'USE_AS_IS', 'SCRAP'];

/** One failed check of a completion (mes_contracts.quality.Defect). */
export interface FailedCheck {
  check: string;
  measured?: number | boolean | string | null;
  target?: number | null;
  tolerance?: number | null;
  lower_limit?: number | null;
  upper_limit?: number | null;
  unit?: string | null;
  message?: string | null;
}

export interface LotHold {
  ncr_number: string;
  /** the failed step */
  process_id: string;
  phase: HoldPhase;
  rework_from: string | null;
}

/** `GET /api/v1/process/lots/{lot}`: process-service's view, with the hold. */
export interface LotProcessHistory {
  lot_number: string;
  status: LotStatus;
  hold: LotHold | null;
}

export interface Ncr {
  ncr_number: string;
  lot_number: string;
  product_model: string;
  process_id: string;
  process_name: string;
  work_order_id: string;
  status: NcrStatus;
  failed_checks: FailedCheck[];
  opened_at: string;
  opened_by: string;
  disposition: Disposition | null;
  reason: string | null;
  rework_from: string | null;
  scrap_count: number | null;
  scrap_serials: string[];
  closed_at: string | null;
  closed_by: string | null;
}

export interface DispositionBody {
  disposition: Disposition;
  reason?: string;
  rework_from?: string;
  scrap_count?: number;
  scrap_serials?: string[];
}

export interface TraceNcr {
  ncr_number: string;
  process_id: string;
  process_name: string | null;
  work_order_id: string | null;
  failed_checks: FailedCheck[] | null;
  opened_at: string | null;
  opened_by: string | null;
  held_at: string | null;
  disposition: string | null;
  reason: string | null;
  rework_from: string | null;
  scrap_count: number | null;
  scrap_serials: string[] | null;
  closed_at: string | null;
  closed_by: string | null;
  released_at: string | null;
  release_cause: string | null;
}

/** The data of a refused close (LOT_HAS_OPEN_STEPS / LOT_HAS_OPEN_NCR, ADR 0025). */
export interface CloseRefusal {
  lot_number?: string;
  open_steps?: string[];
  open_ncrs?: string[];
  required_action?: string;
}

// -- the alerts centre (trace-service, ADR 0024) -----------------------------------------
export type AlertSeverity = 'info' | 'warning' | 'critical';
export type AlertStatus = 'open' | 'acknowledged' | 'resolved';

export interface AlertItem {
  alert_id: string;
  rule: string;
  condition_key: string;
  severity: AlertSeverity;
  status: AlertStatus;
  subject_type: string;
  subject_id: string;
  code: string;
  params: Record<string, unknown>;
  message: string;
  raised_at: string;
  acknowledged_by: string | null;
  acknowledged_at: string | null;
  note: string | null;
  resolved_at: string | null;
}

/** `GET /api/v1/quality/spc/{check}` (ADR 0026). */
export type SpcRule = '1' | '2' | '3' | '4';

export interface SpcLimits {
  check: string;
  version: number;
  chart: 'I-MR';
  state: 'pending' | 'active';
  points: number | null;
  center: number | null;
  ucl: number | null;
  lcl: number | null;
  sigma: number | null;
  reason: string;
  set_by: string;
  set_at: string;
}

export interface SpcPoint {
  work_order_id: string;
  idx: number;
  lot_number: string;
  serial_number: string | null;
  worker_id: string | null;
  measured_at: string;
  value: number;
  moving_range: number | null;
  violations: SpcRule[];
}

export interface SpcViolation {
  rule: SpcRule;
  description: string;
  lot_number: string;
  worker_id: string | null;
  value: number | null;
  measured_at: string;
  points: { lot_number: string; value: number | null; measured_at: string }[];
}

export interface SpcChart {
  check: string;
  process_id: string | null;
  since: string;
  until: string;
  truncated: boolean;
  spec: { target: number | null; lower: number | null; upper: number | null; unit: string | null };
  limits: SpcLimits | null;
  points: SpcPoint[];
  violations: SpcViolation[];
}

export interface CapabilityRow {
  check: string;
  process_id: string | null;
  unit: string | null;
  lower: number | null;
  upper: number | null;
  n: number;
  mean: number | null;
  cp: number | null;
  cpk: number | null;
  pp: number | null;
  ppk: number | null;
  cpk_ci95: [number, number] | null;
}
