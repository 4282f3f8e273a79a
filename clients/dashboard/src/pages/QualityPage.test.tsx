import { render, screen, within } from '@testing-library/react';
import { beforeEach, describe, expect, it } from 'vitest';
import type { CapabilityRow, SpcChart } from '../api/types';
import routing from '../test/fixtures/routing.json';
import { fakeGateway, renderPage, resetStore, signIn } from '../test/utils';
import QualityPage, { CapabilityTable, capabilityLevel, chartPoints, PointTooltip, yDomain } from './QualityPage';

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
