// @vitest-environment node
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { LiveEvent } from '../api/types';
import { backoffDelay, LiveFeed, type EventSourceLike, type FeedStatus } from './feed';

class FakeSource implements EventSourceLike {
  static made: FakeSource[] = [];
  onopen: ((ev: Event) => unknown) | null = null;
  onerror: ((ev: Event) => unknown) | null = null;
  listeners = new Map<string, (ev: MessageEvent) => void>();
  closed = false;
  constructor(readonly url: string) {
    FakeSource.made.push(this);
  }
  addEventListener(type: string, listener: (ev: MessageEvent) => void) {
    this.listeners.set(type, listener);
  }
  close() {
    this.closed = true;
  }
  open() {
    this.onopen?.(new Event('open'));
  }
  fail() {
    this.onerror?.(new Event('error'));
  }
  emit(type: string, body: object, id: string) {
    this.listeners.get(type)?.(new MessageEvent(type, { data: JSON.stringify(body), lastEventId: id }));
  }
}

const envelope = (id: string, lot: string) => ({
  id,
  type: 'process.started',
  time: '2025-11-10T00:00:00Z',
  subject: lot,
  actor: { user_id: 'w001', role: 'worker', worker_id: 'W001', system: null },
  data: { lot_number: lot, process_id: 'PROC-001' },
});

describe('backoffDelay', () => {
  it('doubles from the base, with at most ±25 % jitter, up to the cap', () => {
    const mid = () => 0.5;
    expect([1, 2, 3, 4, 5, 6, 7].map((n) => backoffDelay(n, 1000, 30_000, mid))).toEqual([1000, 2000, 4000, 8000, 16000, 30000, 30000]);
    expect(backoffDelay(3, 1000, 30_000, () => 0)).toBe(3000);
    expect(backoffDelay(3, 1000, 30_000, () => 1)).toBe(5000);
    expect(backoffDelay(20, 1000, 30_000, () => 1)).toBe(30000);
  });
});

describe('LiveFeed', () => {
  let events: LiveEvent[];
  let statuses: FeedStatus[];
  let tokens: string[];

  beforeEach(() => {
    vi.useFakeTimers();
    FakeSource.made = [];
    events = [];
    statuses = [];
    tokens = ['t1', 't2', 't3'];
  });
  afterEach(() => vi.useRealTimers());

  let reconnects: number;

  function feed() {
    reconnects = 0;
    return new LiveFeed({
      token: async () => tokens.shift() ?? 'tX',
      onEvent: (e) => events.push(e),
      onStatus: (s) => statuses.push(s),
      onReconnect: () => {
        reconnects += 1;
      },
      factory: (url) => new FakeSource(url),
      random: () => 0.5,
    });
  }

  it('connects with the token, delivers events and keeps the cursor', async () => {
    const f = feed();
    f.start();
    await vi.advanceTimersByTimeAsync(0);
    const [source] = FakeSource.made;
    expect(source!.url).toBe('/api/v1/live?access_token=t1');
    source!.open();
    source!.emit('process.started', envelope('e1', 'WF-KR-251110D-001'), 'cursor-1');
    expect(events.map((e) => [e.id, e.type, e.data.lot_number])).toEqual([['e1', 'process.started', 'WF-KR-251110D-001']]);
    expect(f.cursor).toBe('cursor-1');
    expect(statuses).toEqual(['connecting', 'open']);
    expect(reconnects).toBe(0);
    f.stop();
    expect(source!.closed).toBe(true);
  });

  it('on an error closes, backs off, and resumes from the cursor with a fresh token', async () => {
    const f = feed();
    f.start();
    await vi.advanceTimersByTimeAsync(0);
    const first = FakeSource.made[0]!;
    first.open();
    first.emit('lot.created', { ...envelope('e1', 'L1'), type: 'lot.created' }, 'c-1');
    first.fail();
    expect(first.closed).toBe(true);
    expect(statuses.at(-1)).toBe('reconnecting');
    await vi.advanceTimersByTimeAsync(999);
    expect(FakeSource.made).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    const second = FakeSource.made[1]!;
    expect(second.url).toBe('/api/v1/live?access_token=t2&cursor=c-1');
    // a second failure waits twice as long
    second.fail();
    await vi.advanceTimersByTimeAsync(1999);
    expect(FakeSource.made).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(FakeSource.made).toHaveLength(3);
    expect(reconnects).toBe(0);
    FakeSource.made[2]!.open();
    expect(statuses.at(-1)).toBe('open');
    // back after a loss: the app refetches what it shows (events may have been missed)
    expect(reconnects).toBe(1);
    // events from a replaced source are ignored
    first.emit('lot.created', { ...envelope('stale', 'L1'), type: 'lot.created' }, 'c-stale');
    expect(events.map((e) => e.id)).toEqual(['e1']);
    f.stop();
  });

  it('reports closed (polling fallback) after repeated failures and stops when signed out', async () => {
    const f = feed();
    f.start();
    for (let i = 0; i < 4; i++) {
      await vi.advanceTimersByTimeAsync(0);
      FakeSource.made.at(-1)!.fail();
      await vi.advanceTimersByTimeAsync(40_000);
    }
    expect(statuses).toContain('closed');
    f.stop();
    const g = new LiveFeed({ token: async () => null, onEvent: () => undefined, onStatus: (s) => statuses.push(s), factory: (u) => new FakeSource(u) });
    const before = FakeSource.made.length;
    g.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(FakeSource.made).toHaveLength(before);
    expect(g.status).toBe('closed');
  });
});
