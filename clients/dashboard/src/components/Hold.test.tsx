import { screen, within } from '@testing-library/react';
import { beforeEach, describe, expect, it } from 'vitest';
import { OPEN_NCR, HOLD } from '../test/fixtures/ncr';
import { fakeGateway, renderPage, resetStore, signIn } from '../test/utils';
import { HoldBanner, HoldChip } from './Hold';

describe('HoldChip', () => {
  beforeEach(() => {
    resetStore();
    signIn('viewer');
  });

  it('reads 보류 with the NCR number, in red, linking to the NCR', () => {
    renderPage(<HoldChip ncr="NCR-261123-001" />);
    const chip = screen.getByTestId('lot-hold');
    expect(chip.textContent).toBe('보류 · NCR-261123-001');
    expect(chip.className).toMatch(/colorError/);
    expect(chip.getAttribute('href')).toBe('/ncr/NCR-261123-001');
  });

  it('reads "On hold" in English, and is no link without an NCR number', async () => {
    const { useUi } = await import('../store');
    useUi.getState().setLang('en');
    renderPage(<HoldChip />);
    const chip = screen.getByTestId('lot-hold');
    expect(chip.textContent).toBe('On hold');
    expect(chip.getAttribute('href')).toBeNull();
    useUi.getState().setLang('ko');
  });
});

describe('HoldBanner', () => {
  beforeEach(() => {
    resetStore();
    signIn('viewer');
  });

  it('names the failed step, the phase and the NCR, and lists the failed checks measured against spec', async () => {
    fakeGateway({ [`/api/v1/ncr/${OPEN_NCR.ncr_number}`]: OPEN_NCR });
    renderPage(<HoldBanner hold={HOLD} />);
    const banner = screen.getByTestId('hold-banner');
    expect(banner.dataset.tone).toBe('error');
    expect(screen.getByTestId('hold-step').textContent).toBe('PROC-003 센서 검사');
    expect(screen.getByTestId('hold-phase').textContent).toBe('처분 대기');
    expect(screen.getByTestId('hold-phase').dataset.tone).toBe('error');
    expect(screen.getByTestId('hold-ncr').getAttribute('href')).toBe('/ncr/NCR-261123-001');
    const table = await screen.findByTestId('defect-table');
    const row = within(table).getAllByRole('row')[1]!;
    expect(row.textContent).toContain('62.4 °C');
    expect(row.textContent).toContain('59 ~ 61 °C');
    expect(row.textContent).toContain('규격 이탈');
  });

  it('in rework, says which steps are redone', () => {
    fakeGateway({ [`/api/v1/ncr/${OPEN_NCR.ncr_number}`]: { ...OPEN_NCR, status: 'CLOSED', disposition: 'REWORK', rework_from: 'PROC-002' } });
    renderPage(<HoldBanner hold={{ ...HOLD, phase: 'REWORK', rework_from: 'PROC-002' }} />);
    expect(screen.getByTestId('hold-phase').textContent).toBe('재작업 중');
    expect(screen.getByTestId('hold-banner').textContent).toContain('PROC-002 LMA 조립부터 PROC-003 센서 검사까지 다시 작업');
  });
});
