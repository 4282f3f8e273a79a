// Defect marks for lists of LOTs (overview, LOT list): which LOTs had failed completions.
import type { DefectList } from './types';

export const DEFECT_MARKS_LIMIT = 1000; // the API's page limit

export interface DefectMark {
  /** failed completions (work orders), as the overview's defect count counts them */
  failed: number;
  processes: string[];
}

export type DefectMarks = Map<string, DefectMark>;

export function defectMarks(list: DefectList): DefectMarks {
  const orders = new Map<string, Set<string>>();
  const processes = new Map<string, Set<string>>();
  for (const d of list.items) {
    (orders.get(d.lot_number) ?? orders.set(d.lot_number, new Set()).get(d.lot_number)!).add(d.work_order_id);
    (processes.get(d.lot_number) ?? processes.set(d.lot_number, new Set()).get(d.lot_number)!).add(d.process_id);
  }
  const marks: DefectMarks = new Map();
  for (const [lot, wos] of orders) marks.set(lot, { failed: wos.size, processes: [...processes.get(lot)!].sort() });
  return marks;
}

// Stations report their own completion times, up to a few minutes off the MES clock.
const CLOCK_SLACK_MS = 10 * 60_000;

/** Where the listed LOTs' defects start: the oldest creation time (less the clock slack
 * stations have), or null for no LOTs. */
export function defectsSince(lots: { created_at: string }[]): string | null {
  const times = lots.map((l) => new Date(l.created_at).getTime()).filter((ms) => !Number.isNaN(ms));
  if (!times.length) return null;
  return new Date(Math.min(...times) - CLOCK_SLACK_MS).toISOString();
}
