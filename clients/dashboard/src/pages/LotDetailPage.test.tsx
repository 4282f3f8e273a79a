import { fireEvent, screen, waitFor } from '@testing-library/react';
import { beforeEach, describe, expect, it } from 'vitest';
import type { Role } from '../api/types';
import { HELD_LOT, OPEN_NCR } from '../test/fixtures/ncr';
import { fakeGateway, renderPage, resetStore, signIn } from '../test/utils';
import { CloseDialog } from './LotDetailPage';

const CLOSE = `POST /api/v1/lots/${HELD_LOT}/close`;

function refused(code: string, data: Record<string, unknown>): Response {
  const message = code === 'LOT_HAS_OPEN_NCR' ? '처분되지 않은 부적합 보고서가 있어 LOT를 마감할 수 없습니다' : '진행 중인 공정이 있어 LOT를 마감할 수 없습니다';
  return new Response(JSON.stringify({ status: 'error', message, error_code: code, data: { lot_number: HELD_LOT, ...data } }), {
    status: 409,
    headers: { 'Content-Type': 'application/json' },
  });
}

const closed = { lot_number: HELD_LOT, status: 'CLOSED', accepted_at: '2026-11-23T03:00:00Z', closed_by: 'manager', reason: 'x', forced: true, open_steps: [] };

describe('CloseDialog', () => {
  beforeEach(resetStore);

  it('names the open NCRs of a refused close and forces it with the reason', async () => {
    signIn('production_manager');
    const { calls } = fakeGateway({
      [CLOSE]: (_url: URL, init: RequestInit) =>
        JSON.parse(String(init.body)).force
          ? new Response(JSON.stringify({ status: 'success', message: 'OK', data: closed }), { status: 200, headers: { 'Content-Type': 'application/json' } })
          : refused('LOT_HAS_OPEN_NCR', { open_ncrs: [OPEN_NCR.ncr_number] }),
    });
    let done = false;
    renderPage(<CloseDialog lot={HELD_LOT} onClose={() => (done = true)} />);
    expect(screen.queryByTestId('close-force')).toBeNull();
    fireEvent.change(screen.getByTestId('close-reason'), { target: { value: '라인 변경' } });
    fireEvent.click(screen.getByTestId('close-submit'));
    const refusal = await screen.findByTestId('close-refusal');
    expect(refusal.dataset.code).toBe('LOT_HAS_OPEN_NCR');
    expect(refusal.textContent).toContain('처분되지 않은 부적합 보고서가 있어');
    expect(screen.getByTestId('close-open-ncrs').querySelector('a')!.getAttribute('href')).toBe(`/ncr/${OPEN_NCR.ncr_number}`);
    fireEvent.change(screen.getByTestId('close-reason'), { target: { value: ' ' } });
    expect((screen.getByTestId('close-force') as HTMLButtonElement).disabled).toBe(true);
    fireEvent.change(screen.getByTestId('close-reason'), { target: { value: '라인 변경' } });
    fireEvent.click(screen.getByTestId('close-force'));
    await waitFor(() => expect(done).toBe(true));
    const bodies = calls.filter((c) => c.method === 'POST').map((c) => JSON.parse(String(c.init.body)));
    expect(bodies).toEqual([
      { reason: '라인 변경', force: false },
      { reason: '라인 변경', force: true },
    ]);
  });

  it('names the open steps', async () => {
    signIn('admin');
    fakeGateway({ [CLOSE]: () => refused('LOT_HAS_OPEN_STEPS', { open_steps: ['PROC-004'] }) });
    renderPage(<CloseDialog lot={HELD_LOT} onClose={() => undefined} />);
    fireEvent.change(screen.getByTestId('close-reason'), { target: { value: '중단' } });
    fireEvent.click(screen.getByTestId('close-submit'));
    expect((await screen.findByTestId('close-open-steps')).textContent).toContain('PROC-004 펌웨어 업로드');
    expect(screen.getByTestId('close-force')).toBeTruthy();
  });

  it.each<Role>(['quality_manager', 'viewer'])('%s is offered no forced close', async (role) => {
    signIn(role);
    fakeGateway({ [CLOSE]: () => refused('LOT_HAS_OPEN_STEPS', { open_steps: ['PROC-004'] }) });
    renderPage(<CloseDialog lot={HELD_LOT} onClose={() => undefined} />);
    fireEvent.change(screen.getByTestId('close-reason'), { target: { value: '중단' } });
    fireEvent.click(screen.getByTestId('close-submit'));
    await screen.findByTestId('close-refusal');
    expect(screen.queryByTestId('close-force')).toBeNull();
  });
});
