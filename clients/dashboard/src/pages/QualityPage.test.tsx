import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { MemoryRouter, Route, Routes, useLocation } from 'react-router-dom';
import { beforeEach, describe, expect, it } from 'vitest';
import type { CapabilityRow, SpcChart } from '../api/types';
import routing from '../test/fixtures/routing.json';
import { fakeGateway, renderPage, resetStore, signIn } from '../test/utils';
import QualityPage, { CapabilityTable, capabilityExport, capabilityLevel, chartPoints, filterPeriod, PointTooltip, readFilters, writeFilter, yDomain } from './QualityPage';

const POINT = {
  work_order_id: 'WO-20251110-001',
  idx: 0,
  serial_number: null,
  worker_id: 'W001',
  moving_range: null,
};

const CHART: SpcChart = {
  check: 'temp_sensor',
  process_id: 'PROC-003',
  since: '2025-10-11T00:00:00+00:00',
  until: '2025-11-10T00:05:00+00:00',
  truncated: false,
  spec: { target: 60, lower: 59, upper: 61, unit: '°C' },
  limits: {
    check: 'temp_sensor',
    version: 2,
    chart: 'I-MR',
    state: 'active',
    points: 6,
    center: 60,
    ucl: 60.64,
    lcl: 59.36,
    sigma: 0.2127,
    reason: 'recalibrated',
    set_by: 'quality',
    set_at: '2025-11-10T00:00:00+00:00',
  },
  points: [
    { ...POINT, lot_number: 'WF-KR-251110D-001', measured_at: '2025-11-10T00:01:00+00:00', value: 60.1, violations: [] },
    { ...POINT, lot_number: 'WF-KR-251110D-002', measured_at: '2025-11-10T00:02:00+00:00', value: 60.15, violations: ['2'] },
    { ...POINT, lot_number: 'WF-KR-251110D-003', measured_at: '2025-11-10T00:03:00+00:00', value: 60.9, violations: ['1', '2'], worker_id: 'W007' },
  ],
  violations: [
    { rule: '2', description: '9 points in a row on one side of the centre line', lot_number: 'WF-KR-251110D-002', worker_id: 'W001', value: 60.15, measured_at: '2025-11-10T00:02:00+00:00', points: [] },
    { rule: '1', description: '1 point beyond 3σ', lot_number: 'WF-KR-251110D-003', worker_id: 'W007', value: 60.9, measured_at: '2025-11-10T00:03:00+00:00', points: [] },
  ],
};

const CAPABILITY: CapabilityRow[] = [
  { check: 'temp_sensor', process_id: 'PROC-003', unit: '°C', lower: 59, upper: 61, n: 120, mean: 60, cp: 1.5, cpk: 1.2, pp: 1.1, ppk: 0.8, cpk_ci95: [1.03, 1.37] },
];

describe('capabilityLevel', () => {
  it('colours by the thresholds ≥ 1.33 / 1.0 – 1.33 / < 1.0', () => {
    expect(capabilityLevel(1.33)).toBe('capable');
    expect(capabilityLevel(2)).toBe('capable');
    expect(capabilityLevel(1.329)).toBe('marginal');
    expect(capabilityLevel(1.0)).toBe('marginal');
    expect(capabilityLevel(0.999)).toBe('poor');
    expect(capabilityLevel(null)).toBe('none');
  });
});

describe('control chart data', () => {
  it('numbers the points and marks those completing a rule', () => {
    const points = chartPoints(CHART);
    expect(points.map((p) => [p.n, p.bad])).toEqual([
      [1, false],
      [2, true],
      [3, true],
    ]);
  });

  it('the y range holds every point and every limit line', () => {
    const [lo, hi] = yDomain(CHART);
    expect(lo).toBeLessThan(59);
    expect(hi).toBeGreaterThan(61);
  });

  it('the tooltip says LOT, time, worker and the rules', () => {
    resetStore();
    const [, , outlier] = chartPoints(CHART);
    render(<PointTooltip active payload={[{ payload: outlier }]} />);
    const tip = screen.getByTestId('spc-tooltip');
    expect(tip.textContent).toContain('WF-KR-251110D-003');
    expect(tip.textContent).toContain('W007');
    expect(tip.textContent).toContain('60.9');
    expect(tip.textContent).toContain('규칙 1, 2');
  });
});

describe('CapabilityTable', () => {
  beforeEach(resetStore);

  it('colours Cp, Cpk, Pp, Ppk and shows n and the Cpk interval', () => {
    render(<CapabilityTable rows={CAPABILITY} />);
    const row = within(screen.getByTestId('capability-table')).getAllByRole('row')[1]!;
    const levels = [...row.querySelectorAll('td[data-level]')].map((td) => [td.textContent, td.getAttribute('data-level')]);
    expect(levels).toEqual([
      ['1.50', 'capable'],
      ['1.20', 'marginal'],
      ['1.10', 'marginal'],
      ['0.80', 'poor'],
    ]);
    expect(row.textContent).toContain('120');
    expect(row.textContent).toContain('1.03 – 1.37');
  });
});

describe('QualityPage', () => {
  beforeEach(() => {
    resetStore();
    signIn('viewer');
  });

  it('reads the SPC chart and capability of the selected check', async () => {
    const { calls } = fakeGateway({
      '/api/v1/process/routing': routing,
      '/api/v1/trace/defects': { items: [], total: 0, by_cause: [] },
      '/api/v1/trace/measurements': { checks: [{ check: 'temp_sensor', process_id: 'PROC-003', count: 3 }] },
      '/api/v1/quality/spc/temp_sensor': CHART,
      '/api/v1/quality/capability': { since: CHART.since, until: CHART.until, items: CAPABILITY },
    });
    renderPage(<QualityPage />, { path: '/quality', route: '/quality' });
    const summary = await screen.findByTestId('control-chart-summary');
    expect(summary.textContent).toContain('관리한계 v2');
    expect(summary.textContent).toContain('관리 이탈 2점');
    await screen.findByTestId('capability-table');
    expect(calls.some((c) => c.url.pathname === '/api/v1/quality/spc/temp_sensor')).toBe(true);
  });
});

describe('filters in the URL', () => {
  it('reads check, days and process from the query, ignoring malformed dates', () => {
    const f = readFilters(new URLSearchParams('check=test_results%5BTP01%5D&since=2025-11-01&until=2025-13-99&process=PROC-006'));
    expect(f).toEqual({ check: 'test_results[TP01]', since: '2025-11-01', until: '', process: 'PROC-006' });
    expect(readFilters(new URLSearchParams('since=yesterday'))).toEqual({ check: '', since: '', until: '', process: '' });
  });

  it('writes one filter, drops an empty one, keeps the others', () => {
    const p = new URLSearchParams('since=2025-11-01&other=1');
    expect(writeFilter(p, 'until', '2025-11-10').toString()).toBe('since=2025-11-01&other=1&until=2025-11-10');
    expect(writeFilter(p, 'since', '').toString()).toBe('other=1');
    expect(p.toString()).toBe('since=2025-11-01&other=1'); // not changed in place
  });

  it('turns the days into the factory-time period, the last day inclusive', () => {
    expect(filterPeriod({ check: '', since: '2025-11-01', until: '2025-11-10', process: '' })).toEqual({
      since: '2025-11-01T00:00:00+09:00',
      until: '2025-11-11T00:00:00+09:00',
    });
    expect(filterPeriod({ check: '', since: '', until: '', process: '' })).toEqual({ since: undefined, until: undefined });
  });
});

function Where() {
  const location = useLocation();
  return <output data-testid="where">{location.search}</output>;
}

function renderAt(route: string) {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  return render(
    <QueryClientProvider client={client}>
      <MemoryRouter initialEntries={[route]}>
        <Routes>
          <Route
            path="/quality"
            element={
              <>
                <QualityPage />
                <Where />
              </>
            }
          />
        </Routes>
      </MemoryRouter>
    </QueryClientProvider>,
  );
}

describe('QualityPage filters', () => {
  beforeEach(() => {
    resetStore();
    signIn('viewer');
  });

  const routes = () =>
    fakeGateway({
      '/api/v1/process/routing': routing,
      '/api/v1/trace/defects': { items: [], total: 0, by_cause: [] },
      '/api/v1/trace/measurements': {
        checks: [
          { check: 'temp_sensor', process_id: 'PROC-003', count: 3 },
          { check: 'test_results[TP01]', process_id: 'PROC-006', count: 3 },
        ],
      },
      '/api/v1/quality/spc/temp_sensor': CHART,
      '/api/v1/quality/spc/test_results%5BTP01%5D': { ...CHART, check: 'test_results[TP01]', process_id: 'PROC-006' },
      '/api/v1/quality/capability': { since: CHART.since, until: CHART.until, items: CAPABILITY },
    });

  it('a reload of a filtered URL shows the same view: the check, the days and the process asked for', async () => {
    const { calls } = routes();
    renderAt('/quality?check=test_results%5BTP01%5D&since=2025-11-01&until=2025-11-10&process=PROC-006');
    await screen.findByTestId('control-chart-summary');
    const spc = calls.find((c) => c.url.pathname.startsWith('/api/v1/quality/spc/'))!;
    expect(decodeURIComponent(spc.url.pathname)).toBe('/api/v1/quality/spc/test_results[TP01]');
    expect(spc.url.searchParams.get('since')).toBe('2025-11-01T00:00:00+09:00');
    expect(spc.url.searchParams.get('until')).toBe('2025-11-11T00:00:00+09:00');
    await waitFor(() => expect(calls.some((c) => c.url.pathname === '/api/v1/quality/capability')).toBe(true));
    const cap = calls.find((c) => c.url.pathname === '/api/v1/quality/capability')!;
    expect(cap.url.searchParams.get('since')).toBe('2025-11-01T00:00:00+09:00');
    const defects = calls.find((c) => c.url.pathname === '/api/v1/trace/defects')!;
    expect(defects.url.searchParams.get('process_id')).toBe('PROC-006');
    expect(defects.url.searchParams.get('until')).toBe('2025-11-11T00:00:00+09:00');
    expect((screen.getByTestId('filter-since').querySelector('input') as HTMLInputElement).value).toBe('2025-11-01');
    expect((screen.getByTestId('filter-until').querySelector('input') as HTMLInputElement).value).toBe('2025-11-10');
  });

  it('changing a filter writes it to the URL (and clearing it removes it)', async () => {
    routes();
    renderAt('/quality');
    await screen.findByTestId('control-chart-summary');
    const since = screen.getByTestId('filter-since').querySelector('input')!;
    fireEvent.change(since, { target: { value: '2025-11-03' } });
    await waitFor(() => expect(screen.getByTestId('where').textContent).toBe('?since=2025-11-03'));
    fireEvent.change(since, { target: { value: '' } });
    await waitFor(() => expect(screen.getByTestId('where').textContent).toBe(''));
  });
});

describe('capabilityExport', () => {
  it('exports the capability table with the indices as numbers', () => {
    const t = (k: string) => ({ 'quality.check': '검사 항목', 'measure.limits': '규격', 'spc.cpk_ci': 'Cpk 95% CI', 'spc.capability': '공정 능력' })[k] ?? k;
    const out = capabilityExport('ko', t, CAPABILITY);
    expect(out.headers).toEqual(['검사 항목', 'n', '규격', 'Cp', 'Cpk', 'Cpk 95% CI', 'Pp', 'Ppk']);
    expect(out.rows[0]).toEqual([expect.stringContaining('PROC-003 · '), 120, '59 ~ 61 °C', 1.5, 1.2, '1.03 – 1.37', 1.1, 0.8]);
  });
});
