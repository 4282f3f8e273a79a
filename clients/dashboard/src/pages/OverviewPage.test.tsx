import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { act } from 'react';
import { beforeEach, describe, expect, it } from 'vitest';
import type { Summary } from '../api/types';
import { useUi } from '../store';
import routing from '../test/fixtures/routing.json';
import summary from '../test/fixtures/summary.json';
import { fakeGateway, renderPage, resetStore, signIn } from '../test/utils';
import { ncrPage, OPEN_NCR } from '../test/fixtures/ncr';
import { KPIS, PARETO } from '../test/fixtures/kpis';
import { ageText, percent } from '../api/kpis';
import OverviewPage, { ofPlan, processRows } from './OverviewPage';

const data = summary as unknown as Summary;

describe('OverviewPage', () => {
  beforeEach(() => {
    resetStore();
    signIn('viewer');
  });

  it('shows every process with its WIP, and each open LOT’s progress', async () => {
    fakeGateway({ '/api/v1/dashboard/summary': data, '/api/v1/process/routing': routing });
    renderPage(<OverviewPage />);
    await waitFor(() => expect(screen.getByTestId('by-process').querySelectorAll('tbody tr')).toHaveLength(8));
    const firmwareRow = screen.getByTestId('by-process').querySelector('[data-process="PROC-004"]') as HTMLElement;
    expect(within(firmwareRow).getByText('펌웨어 업로드')).toBeTruthy();
    const lot = data.open_lots[0]!;
    const row = screen.getByTestId('open-lots').querySelector(`[data-lot="${lot.lot_number}"]`) as HTMLElement;
    expect(row.querySelector('.lot-progress')!.textContent).toBe(`${lot.progress_percent}%`);
  });

  it('counts the LOTs on hold and lists each with its NCR and failed step, in red', async () => {
    const second = { ...OPEN_NCR, ncr_number: 'NCR-261123-002', opened_at: '2026-11-23T01:30:00Z' };
    fakeGateway({ '/api/v1/dashboard/summary': data, '/api/v1/process/routing': routing, '/api/v1/ncr': ncrPage([second, OPEN_NCR]) });
    renderPage(<OverviewPage />);
    await waitFor(() => expect(screen.getByTestId('kpi-on-hold').textContent).toContain('1'));
    const held = screen.getByTestId('held-lots');
    const row = held.querySelector(`[data-lot="${OPEN_NCR.lot_number}"]`) as HTMLElement;
    expect(within(row).getByTestId('lot-hold').textContent).toBe(`보류 · ${OPEN_NCR.ncr_number}`);
    expect(row.textContent).toContain('PROC-003 센서 검사');
    expect(held.querySelectorAll('[data-lot]')).toHaveLength(1);
    const open = screen.getByTestId('open-lots').querySelector(`[data-lot="${OPEN_NCR.lot_number}"]`) as HTMLElement;
    expect(within(open).getByTestId('lot-hold').dataset.tone).toBe('error');
  });

  it('says when no LOT is on hold', async () => {
    fakeGateway({ '/api/v1/dashboard/summary': data, '/api/v1/process/routing': routing, '/api/v1/ncr': ncrPage([]) });
    renderPage(<OverviewPage />);
    expect(await screen.findByText('보류 중인 LOT가 없습니다')).toBeTruthy();
  });

  it('lists live events as they arrive, newest first, a LOT\'s serial change as one row', async () => {
    fakeGateway({ '/api/v1/dashboard/summary': data, '/api/v1/process/routing': routing });
    renderPage(<OverviewPage />);
    await screen.findByTestId('event-feed');
    act(() => {
      useUi.getState().pushEvents([
        {
          id: 'live-1',
          type: 'process.completed',
          time: new Date().toISOString(),
          subject: 'WF-KR-251110D-009',
          data: { lot_number: 'WF-KR-251110D-009', process_id: 'PROC-003', process_name: '센서 검사', worker_id: 'W001', result: 'FAIL' },
        },
        {
          id: 'live-2',
          type: 'serials.status_changed',
          time: new Date().toISOString(),
          subject: 'WF-KR-251110D-009',
          data: {
            lot_number: 'WF-KR-251110D-009',
            process_id: 'PROC-008',
            serials: [
              { serial_number: 'WF-KR-251110D-009-0001', from_status: 'IN_PROGRESS', to_status: 'PASSED' },
              { serial_number: 'WF-KR-251110D-009-0002', from_status: 'IN_PROGRESS', to_status: 'PASSED' },
            ],
          },
        },
      ]);
    });
    const [first, second] = Array.from(screen.getByTestId('event-feed').querySelectorAll('li')) as HTMLElement[];
    // one row per LOT's serial status change (ADR 0012), not one per unit
    expect(second!.dataset.eventType).toBe('process.completed');
    expect(first!.dataset.eventType).toBe('serials.status_changed');
    expect(first!.textContent).toContain('2 → 합격 PROC-008');
    expect(second!.textContent).toContain('WF-KR-251110D-009');
    expect(second!.textContent).toContain('PROC-003 센서 검사');
    const verdict = second!.querySelector('[data-status="FAIL"]') as HTMLElement;
    expect(verdict.textContent).toBe('불합격');
    expect(verdict.dataset.tone).toBe('error');
  });

  it('marks a LOT whose step failed in red: the verdict, not "(완료)", and its defect count', async () => {
    const lot = { ...data.open_lots[0]!, current_process: 'PROC-003', current_process_state: 'COMPLETED', current_process_result: 'FAIL' };
    const other = { ...data.open_lots[0]!, lot_number: 'WF-KR-251110D-077', current_process_result: 'PASS', current_process_state: 'COMPLETED' };
    const defect = { lot_number: lot.lot_number, process_id: 'PROC-003', check_name: 'temp_sensor', measured: 62.4, occurred_at: '2025-11-10T01:00:00Z' };
    const { calls } = fakeGateway({
      '/api/v1/dashboard/summary': { ...data, open_lots: [lot, other] },
      '/api/v1/process/routing': routing,
      '/api/v1/trace/defects': { items: [{ ...defect, work_order_id: 'WO-1', idx: 0 }, { ...defect, work_order_id: 'WO-1', idx: 1 }], total: 2, by_cause: [] },
    });
    renderPage(<OverviewPage />);
    const row = (await screen.findByTestId('open-lots')).querySelector(`[data-lot="${lot.lot_number}"]`) as HTMLElement;
    const verdict = row.querySelector('[data-status="FAIL"]') as HTMLElement;
    expect(verdict.textContent).toBe('불합격');
    expect(verdict.dataset.tone).toBe('error');
    expect(row.textContent).not.toContain('(완료)');
    // one failed completion (two failed checks of the same work order)
    await waitFor(() => expect(row.querySelector('[data-testid="lot-defects"]')?.textContent).toBe('불량 1'));
    const clean = screen.getByTestId('open-lots').querySelector('[data-lot="WF-KR-251110D-077"]') as HTMLElement;
    expect(clean.querySelector('[data-tone="error"]')).toBeNull();
    expect(clean.querySelector('[data-status="COMPLETED"]')!.textContent).toBe('완료');
    const since = calls.find((c) => c.url.pathname === '/api/v1/trace/defects')!.url.searchParams.get('since')!;
    expect(new Date(since).getTime()).toBeLessThan(new Date(lot.created_at).getTime());
  });

  it('heads the page with units and LOTs of the production day, each labelled with what it counts', async () => {
    fakeGateway({ '/api/v1/dashboard/summary': data, '/api/v1/process/routing': routing, '/api/v1/dashboard/kpis': KPIS, '/api/v1/quality/pareto': PARETO });
    renderPage(<OverviewPage />);
    const planned = await screen.findByTestId('kpi-units-planned');
    expect(planned.dataset.counts).toBe('units');
    expect(planned.querySelector('.tile-label')!.textContent).toBe('계획 수량 (개)');
    expect(planned.querySelector('.kpi-value')!.textContent).toBe('400');
    const completed = screen.getByTestId('kpi-units-completed');
    expect(completed.querySelector('.kpi-value')!.textContent).toBe('200');
    expect(completed.querySelector('.tile-caption')!.textContent).toBe('계획 대비 50.0 %');
    expect(screen.getByTestId('kpi-units-scrapped').querySelector('.kpi-value')!.textContent).toBe('2');
    const open = screen.getByTestId('kpi-lots-in_progress');
    expect(open.dataset.counts).toBe('lots');
    expect(open.querySelector('.tile-label')!.textContent).toContain('LOT');
    expect(screen.getByTestId('unit-tiles').querySelectorAll('[data-counts="units"]')).toHaveLength(5);
    expect(screen.getByTestId('lot-tiles').querySelectorAll('[data-counts="lots"]')).toHaveLength(5);
    expect(screen.getByRole('heading', { level: 1 }).textContent).toContain('2026-12-03');
  });

  it('shows yields per step with the rolled throughput yield, hourly output and the Pareto', async () => {
    fakeGateway({ '/api/v1/dashboard/summary': data, '/api/v1/process/routing': routing, '/api/v1/dashboard/kpis': KPIS, '/api/v1/quality/pareto': PARETO });
    renderPage(<OverviewPage />);
    expect((await screen.findByTestId('kpi-rty')).textContent).toBe('50.0 %');
    const steps = screen.getAllByTestId('yield-step');
    expect(steps.map((s) => s.dataset.process)).toEqual(['PROC-001', 'PROC-003']); // an unjudged step is left out
    expect(steps[1]!.querySelector('.fpy')!.textContent).toBe('초도 합격률 50.0 %');
    expect(steps[1]!.querySelector('.rework')!.textContent).toContain('재작업률 50.0 %');
    const hourly = screen.getByTestId('hourly-output');
    expect(hourly.dataset.total).toBe('200');
    expect(hourly.dataset.hours).toBe('24');
    await waitFor(() => expect(screen.getByTestId('pareto').dataset.items).toBe('2'));
  });

  it('lists WIP per process with each LOT’s age, a stalled LOT in red', async () => {
    fakeGateway({ '/api/v1/dashboard/summary': data, '/api/v1/process/routing': routing, '/api/v1/dashboard/kpis': KPIS });
    renderPage(<OverviewPage />);
    const wip = await screen.findByTestId('wip');
    expect(wip.querySelectorAll('[data-process]')).toHaveLength(1); // steps without WIP are left out
    const stalled = wip.querySelector('[data-lot="WF-KR-261203D-001"]') as HTMLElement;
    expect(stalled.dataset.stalled).toBe('true');
    expect(stalled.className).toContain('colorError');
    expect(stalled.textContent).toBe('WF-KR-261203D-001 · 대기 · 3 h 5 min · 정체');
    const working = wip.querySelector('[data-lot="WF-KR-261203D-002"]') as HTMLElement;
    expect(working.dataset.stalled).toBe('false');
    expect(working.textContent).toBe('WF-KR-261203D-002 · 작업 중 · 12 min');
  });

  it('keeps the production day and shift in the URL and asks for them', async () => {
    const { calls } = fakeGateway({ '/api/v1/dashboard/summary': data, '/api/v1/process/routing': routing, '/api/v1/dashboard/kpis': KPIS });
    renderPage(<OverviewPage />, { route: '/?day=2026-12-01&shift=N' });
    await screen.findByTestId('kpi-units-planned');
    const asked = () => calls.filter((c) => c.url.pathname === '/api/v1/dashboard/kpis').map((c) => c.url.searchParams.toString());
    expect(asked()).toContain('day=2026-12-01&shift=N');
    expect((screen.getByTestId('filter-day') as HTMLInputElement).value).toBe('2026-12-01');
    expect(screen.getByTestId('filter-shift-N').className).toContain('contained');
    fireEvent.click(screen.getByTestId('filter-shift-D'));
    await waitFor(() => expect(asked()).toContain('day=2026-12-01&shift=D'));
    fireEvent.click(screen.getByTestId('filter-today'));
    await waitFor(() => expect(asked()).toContain('shift=D'));
  });

  it('formats shares and ages', () => {
    expect(percent(0.953)).toBe('95.3 %');
    expect(percent(null)).toBe('–');
    expect(ageText(59.9)).toBe('59 min');
    expect(ageText(60 * 26 + 5)).toBe('1 d 2 h');
    expect(ofPlan({ ...KPIS, units: { ...KPIS.units, planned: { ...KPIS.units.planned, value: 0 } } })).toBeNull();
  });

  it('fills steps without activity with zeros, in routing order', () => {
    const rows = processRows({ ...data, by_process: [{ process_id: 'PROC-003', name_ko: null, name_en: null, started: 2, completed: 1, defects: 1, wip: 1 }] }, routing as never);
    expect(rows.map((r) => r.process_id)).toEqual(['PROC-001', 'PROC-002', 'PROC-003', 'PROC-004', 'PROC-005', 'PROC-006', 'PROC-007', 'PROC-008']);
    expect(rows[2]).toMatchObject({ started: 2, defects: 1, wip: 1, name_ko: '센서 검사' });
    expect(rows[0]).toMatchObject({ started: 0, completed: 0, wip: 0 });
  });
});
