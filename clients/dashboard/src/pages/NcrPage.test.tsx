import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { beforeEach, describe, expect, it } from 'vitest';
import type { Role } from '../api/types';
import routing from '../test/fixtures/routing.json';
import { HELD_LOT, ncrPage, OPEN_NCR } from '../test/fixtures/ncr';
import { fakeGateway, renderPage, resetStore, signIn } from '../test/utils';
import NcrPage, { dispositionBody, reworkSteps, type DispositionForm } from './NcrPage';

const DETAIL = `/api/v1/ncr/${OPEN_NCR.ncr_number}`;

function refusal(code: string, message: string): Response {
  return new Response(JSON.stringify({ status: 'error', message, error_code: code, data: { ncr_number: OPEN_NCR.ncr_number } }), {
    status: 409,
    headers: { 'Content-Type': 'application/json' },
  });
}

const FORM: DispositionForm = { disposition: 'REWORK', reason: '', reworkFrom: 'PROC-003', scrapBy: 'count', scrapCount: '', scrapSerials: '' };

describe('dispositionBody', () => {
  it('USE_AS_IS needs a reason', () => {
    expect(dispositionBody({ ...FORM, disposition: 'USE_AS_IS', reason: '  ' }).error).toBe('ncr.reason_required');
    expect(dispositionBody({ ...FORM, disposition: 'USE_AS_IS', reason: ' 고객 승인 ' }).body).toEqual({ disposition: 'USE_AS_IS', reason: '고객 승인' });
  });

  it('REWORK sends the chosen step', () => {
    expect(dispositionBody({ ...FORM, reworkFrom: 'PROC-002' }).body).toEqual({ disposition: 'REWORK', rework_from: 'PROC-002' });
  });

  it('SCRAP takes a count of 1 – 9999 or a list of serials', () => {
    const scrap = { ...FORM, disposition: 'SCRAP' as const };
    for (const bad of ['', '0', '1.5', '10000', 'abc']) expect(dispositionBody({ ...scrap, scrapCount: bad }).error, bad).toBe('ncr.scrap_invalid');
    expect(dispositionBody({ ...scrap, scrapCount: '3' }).body).toEqual({ disposition: 'SCRAP', scrap_count: 3 });
    expect(dispositionBody({ ...scrap, scrapBy: 'serials', scrapSerials: ' \n' }).error).toBe('ncr.scrap_invalid');
    expect(dispositionBody({ ...scrap, scrapBy: 'serials', scrapSerials: 'A1, A2\nA2 A3' }).body).toEqual({ disposition: 'SCRAP', scrap_serials: ['A1', 'A2', 'A3'] });
  });

  it('a rework starts at the failed step or an earlier one of the same model', () => {
    expect(reworkSteps(routing, OPEN_NCR).map((s) => s.process_id)).toEqual(['PROC-001', 'PROC-002', 'PROC-003']);
    expect(reworkSteps(routing, { ...OPEN_NCR, product_model: 'XX' })).toEqual([]);
  });
});

describe('NcrPage list', () => {
  beforeEach(() => {
    resetStore();
    signIn('viewer');
  });

  it('shows the open NCRs by default, each with its LOT, failed step and failed checks', async () => {
    const { calls } = fakeGateway({ '/api/v1/ncr': ncrPage([OPEN_NCR]), '/api/v1/process/routing': routing });
    renderPage(<NcrPage />, { path: '/ncr', route: '/ncr' });
    const table = await screen.findByTestId('ncr-table');
    const row = within(table).getAllByRole('row')[1]!;
    expect(row.textContent).toContain(OPEN_NCR.ncr_number);
    expect(row.textContent).toContain(HELD_LOT);
    expect(row.textContent).toContain('PROC-003 센서 검사');
    expect(row.textContent).toContain('처분 대기');
    expect(row.textContent).toContain('불량 1');
    const list = calls.find((c) => c.url.pathname === '/api/v1/ncr')!;
    expect(list.url.searchParams.get('status')).toBe('OPEN');
  });

  it('reads its filters from the URL', async () => {
    const { calls } = fakeGateway({ '/api/v1/ncr': ncrPage([]), '/api/v1/process/routing': routing });
    renderPage(<NcrPage />, { path: '/ncr', route: `/ncr?status=CLOSED&lot=${HELD_LOT}&process=PROC-003&from=2026-11-01&to=2026-11-30` });
    await screen.findByText('부적합 보고서가 없습니다');
    const q = calls.find((c) => c.url.pathname === '/api/v1/ncr')!.url.searchParams;
    expect(Object.fromEntries(q)).toMatchObject({ status: 'CLOSED', lot_number: HELD_LOT, process_id: 'PROC-003', date_from: '2026-11-01', date_to: '2026-11-30' });
  });

  it('status "all" sends no status filter', async () => {
    const { calls } = fakeGateway({ '/api/v1/ncr': ncrPage([]), '/api/v1/process/routing': routing });
    renderPage(<NcrPage />, { path: '/ncr', route: '/ncr?status=ALL' });
    await screen.findByText('부적합 보고서가 없습니다');
    expect(calls.find((c) => c.url.pathname === '/api/v1/ncr')!.url.searchParams.has('status')).toBe(false);
  });
});

describe('NcrPage detail and disposition', () => {
  beforeEach(resetStore);

  it('shows the failed checks measured against spec', async () => {
    signIn('viewer');
    fakeGateway({ [DETAIL]: OPEN_NCR, '/api/v1/process/routing': routing });
    renderPage(<NcrPage />, { path: '/ncr/:number', route: `/ncr/${OPEN_NCR.ncr_number}` });
    const table = await screen.findByTestId('defect-table');
    expect(table.textContent).toContain('62.4 °C');
    expect(table.textContent).toContain('59 ~ 61 °C');
  });

  it.each<[Role, boolean]>([
    ['admin', true],
    ['production_manager', true],
    ['quality_manager', true],
    ['worker', false],
    ['viewer', false],
  ])('%s may dispose: %s', async (role, allowed) => {
    signIn(role);
    fakeGateway({ [DETAIL]: OPEN_NCR, '/api/v1/process/routing': routing });
    renderPage(<NcrPage />, { path: '/ncr/:number', route: `/ncr/${OPEN_NCR.ncr_number}` });
    await screen.findByTestId('ncr-detail');
    expect(!!screen.queryByTestId('disposition-form')).toBe(allowed);
    expect(!!screen.queryByTestId('ncr-read-only')).toBe(!allowed);
  });

  it('a closed NCR shows its decision, no form', async () => {
    signIn('admin');
    fakeGateway({ [DETAIL]: { ...OPEN_NCR, status: 'CLOSED', disposition: 'USE_AS_IS', reason: '고객 승인', closed_at: '2026-11-23T02:00:00Z', closed_by: 'qm' } });
    renderPage(<NcrPage />, { path: '/ncr/:number', route: `/ncr/${OPEN_NCR.ncr_number}` });
    expect((await screen.findByTestId('ncr-disposition')).textContent).toBe('특채 (그대로 사용)');
    expect(screen.queryByTestId('disposition-form')).toBeNull();
    expect(screen.getByTestId('ncr-decision').textContent).toContain('고객 승인');
  });

  it('offers the failed step and the earlier ones for a rework', async () => {
    signIn('quality_manager');
    fakeGateway({ [DETAIL]: OPEN_NCR, '/api/v1/process/routing': routing });
    renderPage(<NcrPage />, { path: '/ncr/:number', route: `/ncr/${OPEN_NCR.ncr_number}` });
    const field = await screen.findByTestId('rework-from');
    await waitFor(() => expect(within(field).getByRole('combobox').textContent).toContain('PROC-003'));
    fireEvent.mouseDown(within(field).getByRole('combobox'));
    const options = within(await screen.findByRole('listbox')).getAllByRole('option').map((o) => o.textContent);
    expect(options.map((o) => o?.slice(0, 8))).toEqual(['PROC-001', 'PROC-002', 'PROC-003']);
  });

  it('refuses USE_AS_IS without a reason, then sends it with one', async () => {
    signIn('quality_manager');
    const { calls } = fakeGateway({
      [DETAIL]: OPEN_NCR,
      '/api/v1/process/routing': routing,
      [`POST ${DETAIL}/disposition`]: { ...OPEN_NCR, status: 'CLOSED', disposition: 'USE_AS_IS' },
    });
    renderPage(<NcrPage />, { path: '/ncr/:number', route: `/ncr/${OPEN_NCR.ncr_number}` });
    fireEvent.click(await screen.findByTestId('disposition-USE_AS_IS'));
    fireEvent.click(screen.getByTestId('disposition-submit'));
    expect(screen.getByTestId('disposition-invalid').textContent).toBe('사유를 입력하세요');
    expect(calls.some((c) => c.method === 'POST')).toBe(false);
    fireEvent.change(screen.getByTestId('disposition-reason'), { target: { value: '고객 승인 (편차 허용)' } });
    fireEvent.click(screen.getByTestId('disposition-submit'));
    await screen.findByTestId('disposed');
    const post = calls.find((c) => c.method === 'POST')!;
    expect(JSON.parse(String(post.init.body))).toEqual({ disposition: 'USE_AS_IS', reason: '고객 승인 (편차 허용)' });
  });

  it('shows the contract’s message when the disposition is refused', async () => {
    signIn('production_manager');
    fakeGateway({
      [DETAIL]: OPEN_NCR,
      '/api/v1/process/routing': routing,
      [`POST ${DETAIL}/disposition`]: () => refusal('REWORK_LIMIT_REACHED', '재작업 한도(1회)에 도달했습니다 (rework limit reached)'),
    });
    renderPage(<NcrPage />, { path: '/ncr/:number', route: `/ncr/${OPEN_NCR.ncr_number}` });
    await screen.findByTestId('disposition-form');
    fireEvent.click(screen.getByTestId('disposition-submit'));
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('재작업 한도(1회)에 도달했습니다');
    expect(alert.textContent).toContain('REWORK_LIMIT_REACHED');
    expect(screen.queryByTestId('disposed')).toBeNull();
  });

  it('scraps by count', async () => {
    signIn('admin');
    const { calls } = fakeGateway({ [DETAIL]: OPEN_NCR, '/api/v1/process/routing': routing, [`POST ${DETAIL}/disposition`]: OPEN_NCR });
    renderPage(<NcrPage />, { path: '/ncr/:number', route: `/ncr/${OPEN_NCR.ncr_number}` });
    fireEvent.click(await screen.findByTestId('disposition-SCRAP'));
    fireEvent.click(screen.getByTestId('disposition-submit'));
    expect(screen.getByTestId('disposition-invalid')).toBeTruthy();
    fireEvent.change(screen.getByTestId('scrap-count'), { target: { value: '2' } });
    fireEvent.click(screen.getByTestId('disposition-submit'));
    await screen.findByTestId('disposed');
    expect(JSON.parse(String(calls.find((c) => c.method === 'POST')!.init.body))).toEqual({ disposition: 'SCRAP', scrap_count: 2 });
  });
});
