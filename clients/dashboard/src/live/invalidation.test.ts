// @vitest-environment node
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { LiveEvent } from '../api/types';
import { INVALIDATION_DELAYS, Invalidator, keysForEvent } from './invalidation';

const ev = (type: string, data: Record<string, unknown> = {}, subject: string | null = 'WF-KR-251110D-001'): LiveEvent => ({
  id: Math.random().toString(36),
  type,
  time: '2025-11-10T00:00:00Z',
  subject,
  data,
});

describe('keysForEvent', () => {
  it('a completion refreshes the overview, the LOT, trace and quality', () => {
    expect(keysForEvent(ev('process.completed', { lot_number: 'WF-KR-251110D-001' }))).toEqual([
      ['summary'],
      ['lot', 'WF-KR-251110D-001'],
      ['trace'],
      ['quality'],
    ]);
  });
  it.each(['lot.held', 'lot.released', 'ncr.opened', 'ncr.closed'])('%s refreshes the views that show holds and NCRs', (type) => {
    expect(keysForEvent(ev(type, { lot_number: 'WF-KR-251110D-003' }))).toEqual([
      ['summary'],
      ['lots'],
      ['lot', 'WF-KR-251110D-003'],
      ['trace'],
      ['ncr'],
    ]);
  });
  it.each(['alert.raised', 'alert.acknowledged', 'alert.resolved'])('%s refreshes the alerts (badge, banner, Alerts page)', (type) => {
    expect(keysForEvent(ev(type, { alert_id: '1' }))).toEqual([['alerts']]);
  });
  it("a printer's polled state refreshes the printer list", () => {
    expect(keysForEvent(ev('printer.status_changed', { printer_id: 'PRINTER-01', state: 'paper_out' }))).toContainEqual(['labels', 'printers']);
  });
  it('a new LOT refreshes the overview and the LOT list', () => {
    expect(keysForEvent(ev('lot.created'))).toEqual([['summary'], ['lots']]);
  });
  it('serial events name the LOT from their data', () => {
    expect(keysForEvent(ev('serials.status_changed', { lot_number: 'WF-KR-251110D-002' }))).toContainEqual([
      'lot',
      'WF-KR-251110D-002',
    ]);
  });
  it('labels and firmware refresh their pages; unknown events nothing', () => {
    expect(keysForEvent(ev('labels.failed'))).toEqual([['labels']]);
    expect(keysForEvent(ev('labels.printed'))).toEqual([['labels']]);
    expect(keysForEvent(ev('firmware.rolled_back'))).toEqual([['firmware']]);
    expect(keysForEvent(ev('something.else'))).toEqual([]);
  });
});

describe('Invalidator', () => {
  afterEach(() => vi.useRealTimers());

  it('coalesces a burst and invalidates each key once per delay step', () => {
    vi.useFakeTimers();
    const invalidateQueries = vi.fn(async (_filters: unknown) => undefined);
    const inv = new Invalidator({ invalidateQueries });
    for (let i = 0; i < 50; i++) inv.add([['summary'], ['lot', 'A']]);
    expect(invalidateQueries).not.toHaveBeenCalled();
    vi.advanceTimersByTime(INVALIDATION_DELAYS[0]!);
    expect(invalidateQueries.mock.calls.map((c) => c[0])).toEqual([{ queryKey: ['summary'] }, { queryKey: ['lot', 'A'] }]);
    vi.advanceTimersByTime(INVALIDATION_DELAYS.at(-1)!);
    expect(invalidateQueries).toHaveBeenCalledTimes(2 * INVALIDATION_DELAYS.length);
    // the first refetch comes within the 1 s budget
    expect(INVALIDATION_DELAYS[0]).toBeLessThan(1000);
    inv.dispose();
  });
});
