import { fireEvent, screen } from '@testing-library/react';
import { beforeEach, describe, expect, it } from 'vitest';
import trace from '../test/fixtures/trace-serial.json';
import { fakeGateway, renderPage, resetStore, signIn } from '../test/utils';
import TracePage, { detectKind } from './TracePage';

const SERIAL = trace.serial_number;

describe('TracePage', () => {
  beforeEach(() => {
    resetStore();
    signIn('quality_manager', 'quality');
  });

  it('tells serials, LOTs and component LOTs apart', () => {
    expect(detectKind('WF-KR-251110D-001-0001')).toBe('serial');
    expect(detectKind('wf-kr-251110d-001')).toBe('lot');
    expect(detectKind('SPRING-2025-1101')).toBe('component');
  });

  it('shows a serial’s genealogy: LOT, all 8 processes with their data, component LOTs', async () => {
    const { calls } = fakeGateway({ [`/api/v1/trace/serials/${SERIAL}`]: trace });
    renderPage(<TracePage />, { path: '/trace', route: '/trace' });
    fireEvent.change(screen.getByTestId('trace-query'), { target: { value: SERIAL.toLowerCase() } });
    fireEvent.click(screen.getByTestId('trace-search'));
    const tree = await screen.findByTestId('genealogy');
    expect(calls.at(-1)!.url.pathname).toBe(`/api/v1/trace/serials/${SERIAL}`);
    const processes = [...tree.querySelectorAll('[data-testid="trace-process"] [data-process]')].map((n) => n.getAttribute('data-process'));
    expect(processes).toEqual(['PROC-001', 'PROC-002', 'PROC-003', 'PROC-004', 'PROC-005', 'PROC-006', 'PROC-007', 'PROC-008']);
    const text = tree.textContent ?? '';
    expect(text).toContain(trace.lot_number);
    // process data in words, the raw field kept for tools
    expect(tree.querySelector('[data-field="lot_number_engraved"]')!.textContent).toBe('각인 LOT 번호');
    expect(tree.querySelector('[data-field="firmware_version"]')!.textContent).toBe('펌웨어 버전');
    expect(text).toContain('성능검사 T38 / 170 kgf');
    expect(text).not.toMatch(/lot_number_engraved|firmware_version|IN_PROGRESS|PASSED/);
    expect(text).toContain(trace.lot.component_lots[0]!.component_lot);
    // a branch can be folded away
    const firstProcess = tree.querySelector('[data-testid="trace-process"]') as HTMLElement;
    fireEvent.click(firstProcess.querySelector('[aria-label="collapse"]')!);
    expect(firstProcess.querySelector('[data-field="lot_number_engraved"]')).toBeNull();
  });

  it('shows a recall list for a component LOT and says when nothing used it', async () => {
    fakeGateway({
      '/api/v1/trace/components/SPRING-1': {
        component_lot: 'SPRING-1',
        lot_count: 1,
        serial_count: 2,
        usages: [
          {
            lot_number: 'WF-KR-251110D-001',
            lot_status: 'COMPLETED',
            component_type: 'sma_spring',
            process_id: 'PROC-002',
            work_order_id: 'WO-1',
            worker_id: 'W001',
            used_at: '2025-11-10T01:00:00Z',
            serials: [
              { serial_number: 'WF-KR-251110D-001-0001', status: 'PASSED' },
              { serial_number: 'WF-KR-251110D-001-0002', status: 'PASSED' },
            ],
          },
        ],
      },
    });
    renderPage(<TracePage />, { path: '/trace', route: '/trace?q=SPRING-1' });
    const recall = await screen.findByTestId('recall');
    expect(recall.textContent).toContain('LOT 1개, 시리얼 2개');
    expect(recall.textContent).toContain('WF-KR-251110D-001');
    expect((screen.getByTestId('recall-csv') as HTMLButtonElement).disabled).toBe(false);
  });
});
