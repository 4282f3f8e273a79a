import { beforeEach, describe, expect, it } from 'vitest';
import type { LiveEvent } from './api/types';
import { MAX_FEED, useUi } from './store';
import { resetStore } from './test/utils';

const ev = (id: string, type = 'process.started', data: Record<string, unknown> = {}): LiveEvent => ({
  id,
  type,
  time: '2025-11-10T00:00:00Z',
  subject: 'WF-KR-251110D-001',
  data,
});

describe('UI store', () => {
  beforeEach(resetStore);

  it('keeps events newest first, without duplicates, capped', () => {
    useUi.getState().pushEvents([ev('a'), ev('b')]);
    useUi.getState().pushEvents([ev('b'), ev('c')]);
    expect(useUi.getState().events.map((e) => e.id)).toEqual(['c', 'b', 'a']);
    useUi.getState().pushEvents(Array.from({ length: MAX_FEED + 10 }, (_, i) => ev(`x${i}`)));
    expect(useUi.getState().events).toHaveLength(MAX_FEED);
    expect(useUi.getState().events[0]!.id).toBe(`x${MAX_FEED + 9}`);
  });

  it('learns each LOT label outcome from label batch events', () => {
    useUi.getState().pushEvents([
      ev('f1', 'labels.failed', { lot_number: 'L1', labels: [{ label_type: 'LOT', printer_id: 'P1', error_code: 'PRINTER_NOT_CONNECTED', will_retry: true }] }),
      ev('p2', 'labels.printed', { lot_number: 'L2', labels: [{ label_type: 'LOT', printer_id: 'P1' }] }),
      ev('s3', 'labels.printed', { lot_number: 'L3', labels: [{ label_type: 'SERIAL', serial_number: 'L3-0001' }, { label_type: 'SERIAL', serial_number: 'L3-0002' }] }),
    ]);
    const labels = useUi.getState().lotLabels;
    expect(labels.L1).toEqual({ state: 'failed', printer: 'P1', error: 'PRINTER_NOT_CONNECTED', willRetry: true });
    expect(labels.L2?.state).toBe('printed');
    expect(labels.L3).toBeUndefined();
  });

  it('signing out forgets the session and the feed', () => {
    useUi.getState().setSession({
      user: { username: 'manager', role: 'production_manager', worker_id: null, display_name: 'M' },
      accessToken: 'a',
      refreshToken: 'r',
      expiresAt: Date.now() + 60_000,
    });
    expect(JSON.parse(window.localStorage.getItem('mes.session')!).refreshToken).toBe('r');
    useUi.getState().pushEvents([ev('a')]);
    useUi.getState().setSession(null);
    expect(window.localStorage.getItem('mes.session')).toBeNull();
    expect(useUi.getState().events).toEqual([]);
  });
});
