import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { beforeEach, describe, expect, it } from 'vitest';
import { alert, alertPage, HELD, PAPER_OUT } from '../test/fixtures/alerts';
import { envelope, fakeGateway, renderPage, resetStore, signIn } from '../test/utils';
import AlertsPage, { alertFilterFrom } from './AlertsPage';

const ACKED = alert('3', {
  status: 'resolved',
  acknowledged_by: 'manager',
  acknowledged_at: '2026-12-04T01:20:00+00:00',
  note: '용지 교체함',
  resolved_at: '2026-12-04T01:25:00+00:00',
});

describe('alertFilterFrom', () => {
  it('reads the state, rule, subject and page, and ignores a state it does not know', () => {
    expect(alertFilterFrom(new URLSearchParams('status=resolved&rule=lot.held&subject=X&page=2'))).toEqual({ status: 'resolved', rule: 'lot.held', subject: 'X', page: 2 });
    expect(alertFilterFrom(new URLSearchParams('status=bogus&page=-3'))).toEqual({ status: 'all', rule: '', subject: '', page: 0 });
  });
});

describe('AlertsPage', () => {
  beforeEach(() => resetStore());

  it('sends its filters from the URL and lists the history: raised, acknowledged by whom with the note, resolved', async () => {
    signIn('viewer');
    const { calls } = fakeGateway({ '/api/v1/alerts': { ...alertPage([ACKED], 51), offset: 50 } });
    renderPage(<AlertsPage />, { path: '/alerts', route: `/alerts?status=resolved&rule=lot.held&subject=${HELD}&page=1` });
    const table = await screen.findByTestId('alerts-table');
    const q = calls.find((c) => c.url.pathname === '/api/v1/alerts')!.url.searchParams;
    expect(Object.fromEntries(q)).toEqual({ status: 'resolved', rule: 'lot.held', subject: HELD, limit: '50', offset: '50' });
    const row = within(table).getAllByRole('row')[1]!;
    expect(row.textContent).toContain(`LOT ${HELD} 보류: NCR-20261204-001`);
    expect(row.textContent).toContain('해소됨');
    expect(row.textContent).toContain('경고');
    expect(within(row).getByTestId('alert-ack-info').textContent).toContain('manager');
    expect(within(row).getByTestId('alert-ack-info').textContent).toContain('용지 교체함');
    expect(within(row).getByRole('link', { name: HELD }).getAttribute('href')).toBe(`/lots/${HELD}`);
  });

  it('"all" sends no state filter; a viewer gets no acknowledge button', async () => {
    signIn('viewer');
    const { calls } = fakeGateway({ '/api/v1/alerts': alertPage([alert('1'), PAPER_OUT]) });
    renderPage(<AlertsPage />, { path: '/alerts', route: '/alerts' });
    await screen.findByTestId('alerts-table');
    expect(calls.find((c) => c.url.pathname === '/api/v1/alerts')!.url.searchParams.has('status')).toBe(false);
    expect(screen.queryByTestId('alert-ack-1')).toBeNull();
    expect(screen.queryByText('확인 처리')).toBeNull();
  });

  it('a worker acknowledges an open alert with a note', async () => {
    signIn('worker');
    const { calls } = fakeGateway({
      '/api/v1/alerts': alertPage([alert('1'), ACKED]),
      'POST /api/v1/alerts/1/ack': () => envelope(alert('1', { status: 'acknowledged', acknowledged_by: 'worker', acknowledged_at: '2026-12-04T02:00:00Z', note: '확인 중' })),
    });
    renderPage(<AlertsPage />, { path: '/alerts', route: '/alerts?status=open' });
    fireEvent.click(await screen.findByTestId('alert-ack-1'));
    expect(screen.queryByTestId('alert-ack-3')).toBeNull(); // already acknowledged
    fireEvent.change(screen.getByTestId('alert-ack-note'), { target: { value: ' 확인 중 ' } });
    fireEvent.click(screen.getByTestId('alert-ack-submit'));
    await waitFor(() => expect(calls.some((c) => c.method === 'POST')).toBe(true));
    const post = calls.find((c) => c.method === 'POST')!;
    expect(post.url.pathname).toBe('/api/v1/alerts/1/ack');
    expect(JSON.parse(String(post.init.body))).toEqual({ note: '확인 중' });
    await waitFor(() => expect(screen.queryByTestId('alert-ack-note')).toBeNull());
  });

  it('shows the refusal in words when the acknowledgement fails', async () => {
    signIn('worker');
    fakeGateway({
      '/api/v1/alerts': alertPage([alert('1')]),
      'POST /api/v1/alerts/1/ack': () => envelope({ code: 'NOT_FOUND' }, 404),
    });
    renderPage(<AlertsPage />, { path: '/alerts', route: '/alerts' });
    fireEvent.click(await screen.findByTestId('alert-ack-1'));
    fireEvent.click(screen.getByTestId('alert-ack-submit'));
    expect(await screen.findByRole('alert')).toBeTruthy();
    expect(screen.getByTestId('alert-ack-note')).toBeTruthy(); // the dialog stays open
  });
});
