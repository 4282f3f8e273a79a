import { screen, within } from '@testing-library/react';
import { beforeEach, describe, expect, it } from 'vitest';
import type { TraceNcr } from '../api/types';
import { OPEN_NCR } from '../test/fixtures/ncr';
import { renderPage, resetStore, signIn } from '../test/utils';
import { holdingNcr, NcrTrace } from './NcrTrace';

const released: TraceNcr = {
  ncr_number: 'NCR-261120-001',
  process_id: 'PROC-003',
  process_name: '센서 검사',
  work_order_id: 'WO-1',
  failed_checks: null,
  opened_at: '2026-11-20T01:00:00Z',
  opened_by: 'W001',
  held_at: '2026-11-20T01:00:01Z',
  disposition: 'USE_AS_IS',
  reason: '고객 승인',
  rework_from: null,
  scrap_count: null,
  scrap_serials: null,
  closed_at: '2026-11-20T02:00:00Z',
  closed_by: 'qm',
  released_at: '2026-11-20T02:00:01Z',
  release_cause: 'USE_AS_IS',
};
const holding: TraceNcr = { ...released, ncr_number: OPEN_NCR.ncr_number, failed_checks: OPEN_NCR.failed_checks, disposition: null, reason: null, closed_at: null, closed_by: null, released_at: null, release_cause: null };

describe('NcrTrace', () => {
  beforeEach(() => {
    resetStore();
    signIn('viewer');
  });

  it('is a table of NCRs in words, the one still holding the LOT marked, its failed checks apart', () => {
    renderPage(<NcrTrace ncrs={[released, holding]} />);
    const rows = within(screen.getByTestId('trace-ncrs')).getAllByRole('row');
    const done = rows.find((r) => r.dataset.ncr === released.ncr_number)!;
    expect(done.textContent).toContain('특채 (그대로 사용)');
    expect(done.textContent).toContain('고객 승인');
    expect(done.textContent).not.toContain('USE_AS_IS');
    const open = rows.find((r) => r.dataset.ncr === holding.ncr_number)!;
    expect(open.dataset.released).toBe('no');
    expect(open.textContent).toContain('보류 중');
    expect(screen.getByTestId('defect-table').textContent).toContain('62.4 °C');
    expect(holdingNcr([released, holding])?.ncr_number).toBe(holding.ncr_number);
    expect(holdingNcr([released])).toBeNull();
  });
});
