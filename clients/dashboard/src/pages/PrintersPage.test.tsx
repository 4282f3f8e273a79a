import { screen, within } from '@testing-library/react';
import { beforeEach, describe, expect, it } from 'vitest';
import type { Printer } from '../api/types';
import { fakeGateway, renderPage, resetStore, signIn } from '../test/utils';
import PrintersPage from './PrintersPage';

const printer = (id: string, over: Partial<Printer> = {}): Printer => ({
  printer_id: id,
  name: null,
  model: 'ZD421',
  language: 'ZPL',
  transport: 'TCP',
  host: '10.0.0.5',
  port: 9100,
  serial_port: null,
  station_id: null,
  purpose: 'LOT',
  active: true,
  dpi: 203,
  label_width_mm: 60,
  label_height_mm: 40,
  ...over,
});

describe('PrintersPage', () => {
  beforeEach(() => {
    resetStore();
    signIn('viewer');
  });

  it("shows each printer's last polled state as a coloured chip (a fault red, ready green)", async () => {
    fakeGateway({
      '/api/v1/printers': [
        printer('PRINTER-01', { last_state: 'paper_out', last_state_at: '2026-12-04T01:00:00+00:00' }),
        printer('PRINTER-07', { last_state: 'ready', last_state_at: '2026-12-04T01:00:00+00:00' }),
        printer('PRINTER-09', { transport: 'SERIAL', last_state: null }),
      ],
      '/api/v1/label/reprints': { items: [], total: 0, limit: 100, offset: 0 },
    });
    renderPage(<PrintersPage />, { path: '/printers', route: '/printers' });
    const out = await screen.findByTestId('printer-last-state-PRINTER-01');
    expect(out.textContent).toContain('용지 없음');
    expect(out.getAttribute('data-state')).toBe('paper_out');
    expect(within(out).getByText('용지 없음').closest('[data-tone]')!.getAttribute('data-tone')).toBe('error');
    const ready = screen.getByTestId('printer-last-state-PRINTER-07');
    expect(within(ready).getByText('정상').closest('[data-tone]')!.getAttribute('data-tone')).toBe('success');
    expect(screen.queryByTestId('printer-last-state-PRINTER-09')).toBeNull(); // never polled
  });
});
