import { fireEvent, screen, waitFor } from '@testing-library/react';
import { act } from 'react';
import { beforeEach, describe, expect, it } from 'vitest';
import { MAX_TARGET_QUANTITY } from '../api/limits';
import type { Role } from '../api/types';
import { useUi } from '../store';
import { fakeGateway, renderPage, resetStore, signIn } from '../test/utils';
import { OPEN_NCR } from '../test/fixtures/ncr';
import LotsPage, { holdOf, labelStatus } from './LotsPage';

const LOT = {
  lot_number: 'WF-KR-251110D-001',
  product_model: 'WF',
  factory: 'KR',
  production_date: '2025-11-10',
  shift: 'D',
  sequence: 1,
  target_quantity: 100,
  status: 'CREATED',
  created_at: '2025-11-10T00:10:00Z',
  created_by: 'manager',
};

const HELD = {
  ...LOT,
  lot_number: OPEN_NCR.lot_number,
  sequence: 2,
  status: 'IN_PROGRESS',
  on_hold: true,
  hold: { ncr_number: OPEN_NCR.ncr_number, process_id: 'PROC-003', phase: 'OPEN', rework_from: null },
};
const REWORK = {
  ...LOT,
  lot_number: 'WF-KR-251110D-003',
  sequence: 3,
  status: 'IN_PROGRESS',
  on_hold: true,
  hold: { ncr_number: 'NCR-251110-002', process_id: 'PROC-003', phase: 'REWORK', rework_from: 'PROC-002' },
};

function gateway() {
  return fakeGateway({
    '/api/v1/lots': { items: [LOT, HELD, REWORK], total: 3, limit: 20, offset: 0 },
    '/api/v1/products': [{ code: 'WF', name: 'Withforce', factory: 'KR' }],
    '/api/v1/label/jobs': { items: [], total: 0 },
    'POST /api/v1/lots': { ...LOT, lot_number: 'WF-KR-251110D-002', target_quantity: 40, sequence: 2 },
  });
}

describe('LotsPage', () => {
  beforeEach(resetStore);

  it.each<[Role, boolean]>([
    ['production_manager', true],
    ['viewer', false],
  ])('%s sees the create button: %s', async (role, visible) => {
    signIn(role);
    gateway();
    renderPage(<LotsPage />);
    await screen.findByText(LOT.lot_number);
    expect(!!screen.queryByTestId('create-lot')).toBe(visible);
  });

  it('marks a held LOT 보류 with its NCR, in red, a LOT in rework 재작업, and no other LOT', async () => {
    signIn('viewer');
    gateway();
    renderPage(<LotsPage />);
    const chip = await screen.findByTestId('lot-hold');
    expect(chip.textContent).toBe(`보류 · ${OPEN_NCR.ncr_number}`);
    expect(chip.dataset.tone).toBe('error');
    expect(chip.closest('tr')!.textContent).toContain(HELD.lot_number);
    expect(screen.getAllByTestId('lot-hold')).toHaveLength(1);
    const rework = screen.getByTestId('lot-rework');
    expect(rework.textContent).toBe('재작업 · PROC-002부터');
    expect(rework.dataset.ncr).toBe('NCR-251110-002');
    expect(rework.closest('tr')!.textContent).toContain(REWORK.lot_number);
    expect(screen.getAllByTestId('lot-rework')).toHaveLength(1);
  });

  it('reads the hold from the LOT itself, not from NCRs', () => {
    expect(holdOf(LOT as never)).toBeNull();
    expect(holdOf({ ...HELD, on_hold: false } as never)).toBeNull();
    expect(holdOf(REWORK as never)?.phase).toBe('REWORK');
  });

  it('asks lot-service for held LOTs only with the hold filter', async () => {
    signIn('viewer');
    const { calls } = gateway();
    renderPage(<LotsPage />, { path: '/lots', route: '/lots?on_hold=true' });
    await screen.findByTestId('lot-hold');
    const listed = calls.filter((c) => c.url.pathname === '/api/v1/lots');
    expect(listed.length).toBeGreaterThan(0);
    expect(listed.every((c) => c.url.searchParams.get('on_hold') === 'true')).toBe(true);
  });

  it('creates a LOT with model, quantity and shift, and shows its number and label outcome', async () => {
    signIn('production_manager', 'manager');
    const { calls } = gateway();
    renderPage(<LotsPage />);
    fireEvent.click(await screen.findByTestId('create-lot'));
    fireEvent.change(screen.getByTestId('create-quantity'), { target: { value: '40' } });
    fireEvent.click(screen.getByTestId('create-shift-N'));
    fireEvent.click(screen.getByTestId('create-submit'));
    const number = await screen.findByTestId('created-lot-number');
    expect(number.textContent).toBe('WF-KR-251110D-002');
    const post = calls.find((c) => c.method === 'POST')!;
    expect(JSON.parse(String(post.init.body))).toEqual({ product_model: 'WF', target_quantity: 40, shift: 'N' });
    expect(screen.getByTestId('created-lot-label').dataset.labelState).toBe('pending');
    act(() => {
      useUi.getState().pushEvents([
        { id: 'l1', type: 'labels.printed', time: '2025-11-10T00:11:00Z', subject: 'WF-KR-251110D-002', data: { lot_number: 'WF-KR-251110D-002', labels: [{ label_type: 'LOT', printer_id: 'PRINTER-01' }] } },
      ]);
    });
    await waitFor(() => expect(screen.getByTestId('created-lot-label').dataset.labelState).toBe('printed'));
    expect(screen.getByTestId('created-lot-label').textContent).toContain('PRINTER-01');
    expect(screen.getByTestId('created-lot-label').dataset.severity).toBe('success');
  });

  it('marks a LOT with failed completions in red in the list', async () => {
    signIn('viewer');
    fakeGateway({
      '/api/v1/lots': { items: [LOT, { ...LOT, lot_number: 'WF-KR-251110D-003' }], total: 2, limit: 20, offset: 0 },
      '/api/v1/trace/defects': {
        items: [{ work_order_id: 'WO-9', idx: 0, lot_number: LOT.lot_number, process_id: 'PROC-006', check_name: 'test_results[T38_P170]' }],
        total: 1,
        by_cause: [],
      },
    });
    renderPage(<LotsPage />);
    const row = (await screen.findByText(LOT.lot_number)).closest('tr')!;
    await waitFor(() => expect(row.querySelector('[data-testid="lot-defects"]')?.textContent).toBe('불량 1'));
    expect((row.querySelector('[data-testid="lot-defects"]') as HTMLElement).dataset.tone).toBe('error');
    const clean = screen.getByText('WF-KR-251110D-003').closest('tr')!;
    expect(clean.querySelector('[data-testid="lot-defects"]')).toBeNull();
  });

  it('a LOT whose label fails is a success for the LOT and a separate error for the label', async () => {
    signIn('production_manager', 'manager');
    gateway();
    renderPage(<LotsPage />);
    fireEvent.click(await screen.findByTestId('create-lot'));
    fireEvent.click(screen.getByTestId('create-submit'));
    await screen.findByTestId('created-lot-number');
    act(() => {
      useUi.getState().pushEvents([
        {
          id: 'f1',
          type: 'labels.failed',
          time: '2025-11-10T00:11:00Z',
          subject: 'WF-KR-251110D-002',
          data: { lot_number: 'WF-KR-251110D-002', labels: [{ label_type: 'LOT', printer_id: 'PRINTER-01', error_code: 'PRINTER_NOT_CONNECTED', will_retry: true }] },
        },
      ]);
    });
    const label = screen.getByTestId('created-lot-label');
    await waitFor(() => expect(label.dataset.labelState).toBe('failed'));
    expect(label.dataset.severity).toBe('warning');
    const success = screen.getByTestId('created-lot');
    expect(success.contains(label)).toBe(false);
    expect(success.textContent).not.toMatch(/실패|PRINTER_NOT_CONNECTED/);
    expect(label.textContent).toContain('프린터가 연결되어 있지 않습니다');
    expect(label.querySelector('[data-ident]')!.textContent).toBe('PRINTER_NOT_CONNECTED');
    // the retries gave up: an error, with the way to the Printers page
    act(() => {
      useUi.getState().pushEvents([
        {
          id: 'f2',
          type: 'labels.failed',
          time: '2025-11-10T00:15:00Z',
          subject: 'WF-KR-251110D-002',
          data: { lot_number: 'WF-KR-251110D-002', labels: [{ label_type: 'LOT', printer_id: 'PRINTER-01', error_code: 'PRINTER_NOT_CONNECTED', will_retry: false }] },
        },
      ]);
    });
    await waitFor(() => expect(label.dataset.severity).toBe('error'));
    expect(label.className).toContain('Error');
    expect(screen.getByTestId('created-lot-printers').getAttribute('href')).toBe('/printers?q=WF-KR-251110D-002');
  });

  it('refuses a quantity outside 1..MAX_TARGET_QUANTITY (9999: serials have four digits)', async () => {
    signIn('admin');
    gateway();
    renderPage(<LotsPage />);
    fireEvent.click(await screen.findByTestId('create-lot'));
    const quantity = screen.getByTestId('create-quantity');
    fireEvent.change(quantity, { target: { value: String(MAX_TARGET_QUANTITY) } });
    expect((screen.getByTestId('create-submit') as HTMLButtonElement).disabled).toBe(false);
    fireEvent.change(quantity, { target: { value: String(MAX_TARGET_QUANTITY + 1) } });
    expect((screen.getByTestId('create-submit') as HTMLButtonElement).disabled).toBe(true);
  });

  it('label status: a final word beats a job, a job beats a retrying event', () => {
    const retrying = { state: 'failed' as const, printer: 'P', error: 'PRINTER_NOT_CONNECTED', willRetry: true };
    const sent = [{ job_id: '1', label_type: 'LOT' as const, state: 'sent', printer_id: 'P', reprint: false } as never];
    expect(labelStatus(retrying, sent)?.state).toBe('printed');
    expect(labelStatus(retrying, [])).toEqual(retrying);
    expect(labelStatus(undefined, [])).toBeNull();
  });
});
