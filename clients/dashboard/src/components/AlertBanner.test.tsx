import { act, screen, waitFor, within } from '@testing-library/react';
import { beforeEach, describe, expect, it } from 'vitest';
import type { AlertItem } from '../api/types';
import type { EventSourceLike } from '../live/feed';
import { useLiveFeed } from '../live/useLiveFeed';
import { alert, alertEvent, alertPage, HELD, PAPER_OUT } from '../test/fixtures/alerts';
import { fakeGateway, renderPage, resetStore, signIn } from '../test/utils';
import { AlertBadge, AlertBanner, BANNER_MAX } from './AlertBanner';

class FakeSource implements EventSourceLike {
  static last: FakeSource | null = null;
  onopen: ((ev: Event) => unknown) | null = null;
  onerror: ((ev: Event) => unknown) | null = null;
  listeners = new Map<string, (ev: MessageEvent) => void>();
  constructor() {
    FakeSource.last = this;
  }
  addEventListener(type: string, listener: (ev: MessageEvent) => void) {
    this.listeners.set(type, listener);
  }
  close() {}
  emit(e: ReturnType<typeof alertEvent>) {
    this.listeners.get(e.type)?.(new MessageEvent(e.type, { data: JSON.stringify(e), lastEventId: e.id }));
  }
}
const factory = () => new FakeSource();

function Shell() {
  useLiveFeed(true, factory);
  return (
    <>
      <AlertBadge />
      <AlertBanner />
    </>
  );
}

/** The gateway's answer to GET /api/v1/alerts?status=open|acknowledged. */
function alertsByStatus(all: AlertItem[]) {
  return (url: URL) => {
    const status = url.searchParams.get('status');
    return new Response(JSON.stringify({ status: 'success', message: 'OK', data: alertPage(all.filter((a) => a.status === status)) }), {
      headers: { 'Content-Type': 'application/json' },
    });
  };
}

const badgeCount = () => screen.getByTestId('alert-badge').getAttribute('data-count');

describe('the alert badge and banner', () => {
  beforeEach(() => {
    resetStore();
    signIn('worker');
    FakeSource.last = null;
  });

  it('fetch the unresolved alerts: the badge counts open and acknowledged, the banner lists the open ones, most severe first', async () => {
    const acked = alert('3', { status: 'acknowledged', subject_id: 'WF-KR-261204D-002', acknowledged_at: '2026-12-04T01:10:00Z' });
    const { calls } = fakeGateway({ '/api/v1/alerts': alertsByStatus([alert('1'), PAPER_OUT, acked]) });
    renderPage(<Shell />);
    const banner = await screen.findByTestId('alert-banner');
    expect(badgeCount()).toBe('3');
    const items = within(banner).getAllByTestId('alert-banner-item');
    expect(items.map((i) => i.getAttribute('data-alert-id'))).toEqual(['7', '1']);
    expect(items[0]!.textContent).toContain('프린터 PRINTER-01: 용지 없음');
    expect(items[0]!.textContent).toContain('긴급');
    expect(items[1]!.textContent).toContain(`LOT ${HELD} 보류`);
    expect(banner.getAttribute('data-alert-ids')).toBe('7,1');
    expect(banner.className).toContain('Error'); // coloured by the most severe
    expect(within(banner).getByTestId('alert-banner-link').getAttribute('href')).toBe('/alerts?status=open');
    expect(calls.map((c) => c.url.searchParams.get('status')).sort()).toEqual(['acknowledged', 'open']);
  });

  it('names a few and says how many more', async () => {
    const many = Array.from({ length: BANNER_MAX + 2 }, (_, i) => alert(String(i + 1), { raised_at: `2026-12-04T01:0${i}:00+00:00` }));
    fakeGateway({ '/api/v1/alerts': alertsByStatus(many) });
    renderPage(<Shell />);
    const banner = await screen.findByTestId('alert-banner');
    expect(within(banner).getAllByTestId('alert-banner-item').map((i) => i.getAttribute('data-alert-id'))).toEqual(['5', '4', '3']);
    expect(within(banner).getByTestId('alert-banner-more').textContent).toBe('외 2건');
  });

  it('follow the feed: raised → appears, acknowledged → leaves the banner, resolved → leaves the count', async () => {
    fakeGateway({ '/api/v1/alerts': alertsByStatus([]) });
    renderPage(<Shell />);
    await waitFor(() => expect(FakeSource.last).not.toBeNull());
    await waitFor(() => expect(badgeCount()).toBe('0'));
    expect(screen.queryByTestId('alert-banner')).toBeNull();
    // (the refetch after each event answers what the fake gateway has: nothing; the events
    // are applied at once, well before it)
    act(() => FakeSource.last!.emit(alertEvent('alert.raised', alert('1'))));
    const banner = await screen.findByTestId('alert-banner');
    expect(banner.textContent).toContain(`LOT ${HELD} 보류`);
    expect(badgeCount()).toBe('1');
    act(() => FakeSource.last!.emit(alertEvent('alert.acknowledged', alert('1'), { acknowledged_by: 'worker', acknowledged_at: '2026-12-04T02:00:00Z' })));
    await waitFor(() => expect(screen.queryByTestId('alert-banner')).toBeNull());
    expect(badgeCount()).toBe('1');
    act(() => FakeSource.last!.emit(alertEvent('alert.resolved', alert('1'), { resolved_at: '2026-12-04T02:05:00Z' })));
    await waitFor(() => expect(badgeCount()).toBe('0'));
  });
});
