// Production-day KPIs, yields and the defect Pareto (trace-service, ADR 0027).
// Keys start with 'summary' so the live feed's invalidation of the overview refreshes them.
import { useQuery } from '@tanstack/react-query';
import { usePollInterval } from '../live/useLiveFeed';
import { api } from './client';

export interface Count {
  value: number;
  counts: 'units' | 'lots';
  label: string;
}

export interface StepYield {
  process_id: string;
  name_ko: string | null;
  name_en: string | null;
  lots: number;
  units: number;
  first_pass_lots: number;
  first_pass_units: number;
  reworked_lots: number;
  reworked_units: number;
  first_pass_yield: number | null;
  rework_rate: number | null;
}

export interface HourOutput {
  hour: string;
  label: string;
  units: number;
}

export interface WipLot {
  lot_number: string;
  units: number | null;
  state: 'NOT_STARTED' | 'IN_PROGRESS' | 'COMPLETED';
  result: string | null;
  since: string | null;
  age_minutes: number | null;
  stalled: boolean;
}

export interface WipStep {
  process_id: string;
  name_ko: string | null;
  name_en: string | null;
  lots: number;
  units: number;
  stalled_lots: number;
  items: WipLot[];
}

export interface DashboardKpis {
  day: string;
  shift: string | null;
  period_start: string;
  period_end: string;
  timezone: string;
  units: Record<'planned' | 'started' | 'completed' | 'passed' | 'scrapped', Count>;
  lots: Record<'created' | 'started' | 'in_progress' | 'completed' | 'closed', Count>;
  yields: StepYield[];
  rolled_throughput_yield: number | null;
  hourly_output: HourOutput[];
  wip: WipStep[];
  stall_minutes: number;
}

export interface ParetoItem {
  key: string;
  process_id: string | null;
  count: number;
  share: number;
  cumulative_share: number;
}

export interface DefectPareto {
  from_day: string;
  to_day: string;
  by: 'cause' | 'process';
  total: number;
  items: ParetoItem[];
}

export function useKpis(day?: string, shift?: string) {
  const poll = usePollInterval();
  return useQuery({
    queryKey: ['summary', 'kpis', day ?? 'today', shift ?? 'all'],
    queryFn: ({ signal }) => api<DashboardKpis>('/api/v1/dashboard/kpis', { query: { day, shift }, signal }),
    refetchInterval: poll,
  });
}

export function usePareto(day: string | undefined, by: 'cause' | 'process') {
  return useQuery({
    queryKey: ['summary', 'pareto', day, by],
    queryFn: ({ signal }) => api<DefectPareto>('/api/v1/quality/pareto', { query: { from: day, to: day, by }, signal }),
    enabled: !!day,
  });
}

/** 0.953 → "95.3 %"; no value → "–". */
export function percent(value: number | null | undefined): string {
  return value == null ? '–' : `${(value * 100).toFixed(1)} %`;
}

/** 95 → "1 h 35 min", 12.4 → "12 min". */
export function ageText(minutes: number | null | undefined): string {
  if (minutes == null) return '–';
  const m = Math.floor(minutes);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  return h < 24 ? `${h} h ${m % 60} min` : `${Math.floor(h / 24)} d ${h % 24} h`;
}
