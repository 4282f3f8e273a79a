// Which TanStack queries an event makes stale. Query keys used across the app:
//   ['summary', day] ['lots', filter] ['lot', lot] ['lot', lot, 'serials', page]
//   ['lot', lot, 'hold'] ['ncr', 'list'|'one', …]
//   ['trace', 'lot'|'serial'|'component', id] ['quality', …] ['labels', …] ['firmware', …]
//   ['alerts', 'active'|'list', …]
import type { QueryClient, QueryKey } from '@tanstack/react-query';
import type { LiveEvent } from '../api/types';

function lotOf(e: LiveEvent): string | null {
  const fromData = e.data?.lot_number;
  if (typeof fromData === 'string') return fromData;
  return e.subject ?? null;
}

export function keysForEvent(e: LiveEvent): QueryKey[] {
  const lot = lotOf(e);
  const lotKeys: QueryKey[] = lot ? [['lot', lot]] : [];
  switch (e.type) {
    case 'lot.created':
      return [['summary'], ['lots']];
    case 'lot.status_changed':
      return [['summary'], ['lots'], ...lotKeys, ['trace']];
    case 'process.started':
      return [['summary'], ...lotKeys, ['trace']];
    case 'process.completed':
      return [['summary'], ...lotKeys, ['trace'], ['quality']];
    case 'lot.held':
    case 'lot.released':
    case 'ncr.opened':
    case 'ncr.closed':
      return [['summary'], ['lots'], ...lotKeys, ['trace'], ['ncr']];
    case 'serials.allocated':
    case 'serials.status_changed':
      return [...lotKeys, ['trace']];
    case 'labels.printed':
    case 'labels.failed':
      return [['labels']];
    case 'firmware.released':
    case 'firmware.rolled_back':
      return [['firmware']];
    case 'printer.status_changed':
      return [['labels', 'printers'], ['labels', 'printer-status']];
    case 'alert.raised':
    case 'alert.acknowledged':
    case 'alert.resolved':
      // the active list is updated from the event itself (useLiveFeed); the refetch confirms
      return [['alerts']];
    default:
      return [];
  }
}

/** Everything the live feed keeps fresh: refetched after a reconnect. */
export const LIVE_KEYS: QueryKey[] = [['summary'], ['lots'], ['lot'], ['trace'], ['quality'], ['labels'], ['firmware'], ['ncr'], ['alerts']];

/** Delays (ms) at which the keys are invalidated after an event. The feed reads the streams
 * directly, while the read models (trace-service, lot-service's copy of process state) apply
 * the same event a moment later: the first refetch finds them updated almost always, the
 * second catches a slow one. Two refetches per burst keep a tab well inside the gateway's
 * per-address rate limit. */
export const INVALIDATION_DELAYS = [250, 1500];

/** Collects keys from bursts of events and invalidates each key once per delay step. */
export class Invalidator {
  private pending = INVALIDATION_DELAYS.map(() => new Map<string, QueryKey>());
  private timers: (ReturnType<typeof setTimeout> | null)[] = INVALIDATION_DELAYS.map(() => null);

  constructor(
    private readonly client: Pick<QueryClient, 'invalidateQueries'>,
    private readonly delays: number[] = INVALIDATION_DELAYS,
  ) {}

  add(keys: QueryKey[]): void {
    if (!keys.length) return;
    this.delays.forEach((delay, i) => {
      const bucket = this.pending[i]!;
      for (const key of keys) bucket.set(JSON.stringify(key), key);
      if (this.timers[i] == null) {
        this.timers[i] = setTimeout(() => this.flush(i), delay);
      }
    });
  }

  private flush(i: number): void {
    this.timers[i] = null;
    const bucket = this.pending[i]!;
    const keys = [...bucket.values()];
    bucket.clear();
    for (const queryKey of keys) void this.client.invalidateQueries({ queryKey });
  }

  dispose(): void {
    this.timers.forEach((t) => t && clearTimeout(t));
    this.timers = this.delays.map(() => null);
    this.pending.forEach((b) => b.clear());
  }
}
