// CSV per RFC 4180 (CRLF, fields quoted when needed), with a UTF-8 byte-order mark so
// Excel reads Korean text as UTF-8 rather than the system code page.
import type { Cell, ExportTable } from './table';

export const BOM = '\uFEFF';

// A text cell starting with one of these is read as a formula by spreadsheets (CSV
// injection); a leading apostrophe keeps it text. Numbers are written as numbers.
const FORMULA_START = /^[=+\-@\t\r]/;

export function csvField(value: Cell): string {
  if (value == null) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  let text = String(value);
  if (typeof value === 'string' && FORMULA_START.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function toCsv(table: ExportTable): string {
  const lines = [table.headers, ...table.rows].map((row) => row.map(csvField).join(','));
  return BOM + lines.join('\r\n') + '\r\n';
}
