// Server state: one hook per read, one mutation per write. Keys match live/invalidation.ts.
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { usePollInterval } from '../live/useLiveFeed';
import { api } from './client';
import { factoryDate } from '../time';
import { DEFECT_MARKS_LIMIT, defectMarks } from './defects';
import { ACTIVE_ALERTS_KEY, mergeActive, withAlert } from '../alerts/active';
import type {
  AlertItem,
  AuditEntry,
  AuditVerify,
  DefectList,
  DispositionBody,
  Firmware,
  FirmwareRelease,
  LabelJob,
  Lot,
  LotDetail,
  LotProcessHistory,
  Ncr,
  MeasurementCheck,
  MeasurementSeries,
  Page,
  Printer,
  PrinterStatus,
  Product,
  Recall,
  Reprint,
  RoutingStep,
  Serial,
  Summary,
  TraceLot,
  CapabilityRow,
  SpcChart,
  TraceSerial,
  User,
} from './types';

const enc = encodeURIComponent;

export const summaryQuery = (day?: string) => ({
  queryKey: ['summary', day ?? 'today'],
  queryFn: ({ signal }: { signal?: AbortSignal }) => api<Summary>('/api/v1/dashboard/summary', { query: { day }, signal }),
});

export const routingQuery = {
  queryKey: ['routing'],
  queryFn: ({ signal }: { signal?: AbortSignal }) => api<RoutingStep[]>('/api/v1/process/routing', { signal }),
  staleTime: 10 * 60_000,
};

export function useSummary(day?: string) {
  const poll = usePollInterval();
  return useQuery({ ...summaryQuery(day), refetchInterval: poll });
}

export function useRouting() {
  return useQuery(routingQuery);
}

export function useProducts(enabled = true) {
  return useQuery({
    queryKey: ['products'],
    queryFn: ({ signal }) => api<Product[]>('/api/v1/products', { signal }),
    staleTime: 10 * 60_000,
    enabled,
  });
}

export interface LotFilter {
  status?: string;
  production_date?: string;
  shift?: string;
  limit: number;
  offset: number;
}

export function useLots(filter: LotFilter) {
  const poll = usePollInterval();
  return useQuery({
    queryKey: ['lots', filter],
    queryFn: ({ signal }) => api<Page<Lot>>('/api/v1/lots', { query: { ...filter }, signal }),
    placeholderData: keepPreviousData,
    refetchInterval: poll,
  });
}

export function useLot(lot: string) {
  const poll = usePollInterval();
  return useQuery({
    queryKey: ['lot', lot],
    queryFn: ({ signal }) => api<LotDetail>(`/api/v1/lots/${enc(lot)}`, { signal }),
    refetchInterval: poll,
  });
}

export function useLotSerials(lot: string, limit: number, offset: number, enabled = true) {
  return useQuery({
    queryKey: ['lot', lot, 'serials', limit, offset],
    queryFn: ({ signal }) =>
      api<Page<Serial>>(`/api/v1/lots/${enc(lot)}/serials`, { query: { limit, offset }, signal }),
    placeholderData: keepPreviousData,
    enabled,
  });
}

export function useCreateLot() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: { product_model: string; target_quantity: number; shift: 'D' | 'N' }) =>
      api<Lot>('/api/v1/lots', { method: 'POST', json: body }),
    onSuccess: () => {
      void client.invalidateQueries({ queryKey: ['lots'] });
      void client.invalidateQueries({ queryKey: ['summary'] });
    },
  });
}

export function useCloseLot(lot: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ reason, force = false }: { reason: string; force?: boolean }) =>
      api<Lot>(`/api/v1/lots/${enc(lot)}/close`, { method: 'POST', json: { reason, force } }),
    onSuccess: () => {
      void client.invalidateQueries({ queryKey: ['lot', lot] });
      void client.invalidateQueries({ queryKey: ['lots'] });
      void client.invalidateQueries({ queryKey: ['summary'] });
      void client.invalidateQueries({ queryKey: ['ncr'] });
    },
  });
}

/** process-service's view of the LOT: its hold (ADR 0023). */
export function useLotHold(lot: string) {
  const poll = usePollInterval();
  return useQuery({
    queryKey: ['lot', lot, 'hold'],
    queryFn: ({ signal }) => api<LotProcessHistory>(`/api/v1/process/lots/${enc(lot)}`, { signal }),
    select: (d) => d.hold,
    refetchInterval: poll,
  });
}

// -- non-conformance reports ------------------------------------------------------------
export interface NcrFilter {
  status?: string;
  lot_number?: string;
  process_id?: string;
  date_from?: string;
  date_to?: string;
  limit: number;
  offset: number;
}

export function useNcrs(filter: NcrFilter) {
  const poll = usePollInterval();
  return useQuery({
    queryKey: ['ncr', 'list', filter],
    queryFn: ({ signal }) => api<Page<Ncr>>('/api/v1/ncr', { query: { ...filter }, signal }),
    placeholderData: keepPreviousData,
    refetchInterval: poll,
  });
}

/** The open NCRs (a LOT with one is on hold): one request for the LOT list and the overview. */
export const OPEN_NCR_LIMIT = 200;

export function useOpenNcrs() {
  return useNcrs({ status: 'OPEN', limit: OPEN_NCR_LIMIT, offset: 0 });
}

export function useNcr(ncr: string) {
  return useQuery({
    queryKey: ['ncr', 'one', ncr],
    queryFn: ({ signal }) => api<Ncr>(`/api/v1/ncr/${enc(ncr)}`, { signal }),
    enabled: !!ncr,
    retry: false,
  });
}

export function useDispose(ncr: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: DispositionBody) => api<Ncr>(`/api/v1/ncr/${enc(ncr)}/disposition`, { method: 'POST', json: body }),
    onSuccess: () => {
      for (const queryKey of [['ncr'], ['lot'], ['lots'], ['summary'], ['trace']]) void client.invalidateQueries({ queryKey });
    },
  });
}

// -- trace ------------------------------------------------------------------------------
export function useTraceLot(lot: string | null) {
  return useQuery({
    queryKey: ['trace', 'lot', lot],
    queryFn: ({ signal }) => api<TraceLot>(`/api/v1/trace/lots/${enc(lot ?? '')}`, { signal }),
    enabled: !!lot,
    retry: false,
  });
}

export function useTraceSerial(serial: string | null) {
  return useQuery({
    queryKey: ['trace', 'serial', serial],
    queryFn: ({ signal }) => api<TraceSerial>(`/api/v1/trace/serials/${enc(serial ?? '')}`, { signal }),
    enabled: !!serial,
    retry: false,
  });
}

export function useRecall(component: string | null) {
  return useQuery({
    queryKey: ['trace', 'component', component],
    queryFn: ({ signal }) => api<Recall>(`/api/v1/trace/components/${enc(component ?? '')}`, { signal }),
    enabled: !!component,
    retry: false,
  });
}

// -- quality ----------------------------------------------------------------------------
export interface DefectFilter {
  since?: string;
  until?: string;
  process_id?: string;
}

export function useDefects(filter: DefectFilter) {
  return useQuery({
    queryKey: ['quality', 'defects', filter],
    queryFn: ({ signal }) => api<DefectList>('/api/v1/trace/defects', { query: { ...filter, limit: 200 }, signal }),
    placeholderData: keepPreviousData,
  });
}

/** Which of the listed LOTs had defects: one request for the defects recorded since the
 * oldest of them was created (a LOT's defects come after its creation). */
export function useDefectMarks(since: string | null) {
  return useQuery({
    queryKey: ['quality', 'marks', since],
    queryFn: ({ signal }) => api<DefectList>('/api/v1/trace/defects', { query: { since, limit: DEFECT_MARKS_LIMIT }, signal }),
    enabled: !!since,
    select: defectMarks,
    placeholderData: keepPreviousData,
  });
}

export function useMeasurementChecks() {
  return useQuery({
    queryKey: ['quality', 'checks'],
    queryFn: ({ signal }) => api<{ checks: MeasurementCheck[] }>('/api/v1/trace/measurements', { signal }),
  });
}

/** A period of the quality reads (ISO timestamps; absent = the service's default). */
export interface Period {
  since?: string;
  until?: string;
}

export function useSpcChart(check: string | null, period: Period = {}) {
  return useQuery({
    queryKey: ['quality', 'spc', check, period],
    queryFn: ({ signal }) => api<SpcChart>(`/api/v1/quality/spc/${encodeURIComponent(check ?? '')}`, { query: { ...period }, signal }),
    enabled: !!check,
  });
}

export function useCapability(period: Period = {}) {
  return useQuery({
    queryKey: ['quality', 'capability', period],
    queryFn: ({ signal }) => api<{ items: CapabilityRow[] }>('/api/v1/quality/capability', { query: { ...period }, signal }),
  });
}

export function useMeasurementSeries(check: string | null) {
  return useQuery({
    queryKey: ['quality', 'series', check],
    queryFn: ({ signal }) =>
      api<MeasurementSeries>('/api/v1/trace/measurements', { query: { check, limit: 500 }, signal }),
    enabled: !!check,
  });
}

// -- firmware ---------------------------------------------------------------------------
export function useFirmware() {
  return useQuery({
    queryKey: ['firmware', 'list'],
    queryFn: ({ signal }) => api<Page<Firmware>>('/api/v1/firmware', { query: { limit: 200 }, signal }),
  });
}

export function useFirmwareReleases() {
  return useQuery({
    queryKey: ['firmware', 'releases'],
    queryFn: ({ signal }) => api<Page<FirmwareRelease>>('/api/v1/firmware/releases', { query: { limit: 100 }, signal }),
  });
}

function useFirmwareMutation<T>(fn: (arg: T) => Promise<unknown>) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: fn,
    onSuccess: () => void client.invalidateQueries({ queryKey: ['firmware'] }),
  });
}

export function useUploadFirmware() {
  return useFirmwareMutation((form: FormData) => api<Firmware>('/api/v1/firmware', { method: 'POST', form }));
}

export function useReleaseFirmware() {
  return useFirmwareMutation(({ version, reason }: { version: string; reason: string }) =>
    api<Firmware>(`/api/v1/firmware/${enc(version)}/release`, { method: 'POST', json: { reason: reason || null } }),
  );
}

export function useRollbackFirmware() {
  return useFirmwareMutation(({ version, reason }: { version: string; reason: string }) =>
    api<unknown>(`/api/v1/firmware/${enc(version)}/rollback`, { method: 'POST', json: { reason: reason || null } }),
  );
}

// -- printers and labels ----------------------------------------------------------------
export function usePrinters() {
  const poll = usePollInterval(30_000);
  return useQuery({
    queryKey: ['labels', 'printers'],
    queryFn: ({ signal }) => api<Printer[]>('/api/v1/printers', { signal }),
    refetchInterval: poll, // last_state: printer.status_changed on the feed, else polled
  });
}

export function usePrinterStatus(printerId: string) {
  return useQuery({
    queryKey: ['labels', 'printer-status', printerId],
    queryFn: ({ signal }) => api<PrinterStatus>(`/api/v1/printers/${enc(printerId)}/status`, { signal }),
    refetchInterval: 30_000,
    retry: false,
  });
}

export function useLabelJobs(lot: string | null) {
  return useQuery({
    queryKey: ['labels', 'jobs', lot],
    queryFn: ({ signal }) => api<Page<LabelJob>>('/api/v1/label/jobs', { query: { lot_number: lot, limit: 200 }, signal }),
    enabled: !!lot,
  });
}

export function useReprints() {
  return useQuery({
    queryKey: ['labels', 'reprints'],
    queryFn: ({ signal }) => api<Page<Reprint>>('/api/v1/label/reprints', { query: { limit: 100 }, signal }),
  });
}

export interface PrintAnswer {
  job_id: string;
  state: string;
  printer_id: string;
  print_time: string | null;
}

function useLabelMutation<T>(fn: (arg: T) => Promise<PrintAnswer>) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: fn,
    onSettled: () => void client.invalidateQueries({ queryKey: ['labels'] }),
  });
}

export function useReprint() {
  return useLabelMutation((body: { lot_number?: string; serial_number?: string; reason: string; printer_id?: string }) =>
    api<PrintAnswer>('/api/v1/label/reprint', { method: 'POST', json: body }),
  );
}

/** A test label: a LOT label of the made-up LOT TEST-KR-{today}D-000 (it cannot collide
 * with a real LOT, whose product model is WF), with Korean text to check the font. */
export function testLabel(printerId: string, today: Date = new Date()) {
  const iso = factoryDate(today); // the factory's date, as on every other label
  const yymmdd = iso.slice(2).replaceAll('-', '');
  return {
    label_type: 'LOT' as const,
    lot_number: `TEST-KR-${yymmdd}D-000`,
    product_model: 'TEST 테스트',
    target_quantity: 1,
    created_date: iso,
    printer_id: printerId,
  };
}

export function useRetryJob() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (jobId: string) => api<LabelJob>(`/api/v1/label/jobs/${enc(jobId)}/retry`, { method: 'POST' }),
    onSettled: () => void client.invalidateQueries({ queryKey: ['labels'] }),
  });
}

export function useTestPrint() {
  return useLabelMutation((printerId: string) =>
    api<PrintAnswer>('/api/v1/label/print', { method: 'POST', json: testLabel(printerId) }),
  );
}

// -- audit and users --------------------------------------------------------------------
export interface AuditFilter {
  entity_type?: string;
  entity_id?: string;
  user_id?: string;
  action?: string;
  limit: number;
  offset: number;
}

export function useAudit(filter: AuditFilter) {
  return useQuery({
    queryKey: ['audit', filter],
    queryFn: ({ signal }) => api<Page<AuditEntry>>('/api/v1/audit', { query: { ...filter }, signal }),
    placeholderData: keepPreviousData,
  });
}

export function useAuditVerify() {
  return useMutation({ mutationFn: () => api<AuditVerify>('/api/v1/audit/verify') });
}

export function useUsers() {
  return useQuery({
    queryKey: ['users'],
    queryFn: ({ signal }) => api<Page<User>>('/api/v1/users', { query: { limit: 500 }, signal }),
  });
}

export interface UserBody {
  username?: string;
  password?: string;
  role?: string;
  worker_id?: string | null;
  display_name?: string;
  active?: boolean;
}

export function useSaveUser() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ username, create, body }: { username: string; create: boolean; body: UserBody }) =>
      create
        ? api<User>('/api/v1/users', { method: 'POST', json: { ...body, username } })
        : api<User>(`/api/v1/users/${enc(username)}`, { method: 'PATCH', json: body }),
    onSuccess: () => void client.invalidateQueries({ queryKey: ['users'] }),
  });
}

export function useDeactivateUser() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (username: string) => api<User>(`/api/v1/users/${enc(username)}`, { method: 'DELETE' }),
    onSuccess: () => void client.invalidateQueries({ queryKey: ['users'] }),
  });
}

// -- the alerts centre (ADR 0024) ---------------------------------------------------------
/** The most alerts of each state the badge and banner fetch (the API's maximum page). */
export const ACTIVE_ALERTS_LIMIT = 500;

async function fetchActiveAlerts(signal?: AbortSignal): Promise<AlertItem[]> {
  const page = (status: string) => api<Page<AlertItem>>('/api/v1/alerts', { query: { status, limit: ACTIVE_ALERTS_LIMIT }, signal });
  const [open, acknowledged] = await Promise.all([page('open'), page('acknowledged')]);
  return mergeActive(open.items, acknowledged.items);
}

/** Unresolved alerts (open + acknowledged), kept current by the live feed (useLiveFeed
 * applies alert.* events to this query's data); polled while the feed is down. */
export function useActiveAlerts(enabled = true) {
  const poll = usePollInterval(30_000);
  return useQuery({
    queryKey: ACTIVE_ALERTS_KEY,
    queryFn: ({ signal }) => fetchActiveAlerts(signal),
    refetchInterval: poll,
    enabled,
  });
}

export interface AlertFilter {
  status?: string;
  rule?: string;
  subject?: string;
  limit: number;
  offset: number;
}

export function useAlerts(filter: AlertFilter) {
  const poll = usePollInterval();
  return useQuery({
    queryKey: ['alerts', 'list', filter],
    queryFn: ({ signal }) => api<Page<AlertItem>>('/api/v1/alerts', { query: { ...filter }, signal }),
    placeholderData: keepPreviousData,
    refetchInterval: poll,
  });
}

export function useAckAlert() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ alertId, note }: { alertId: string; note: string }) =>
      api<AlertItem>(`/api/v1/alerts/${enc(alertId)}/ack`, { method: 'POST', json: { note: note.trim() || null } }),
    onSuccess: (alert) => {
      client.setQueryData<AlertItem[]>(ACTIVE_ALERTS_KEY, (active) => (active ? withAlert(active, alert) : active));
      void client.invalidateQueries({ queryKey: ['alerts', 'list'] });
    },
  });
}
