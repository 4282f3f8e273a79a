// Hands a file to the browser as a download (an object URL on a transient link).
import { toCsv } from './csv';
import { exportFileName, type ExportTable } from './table';
import { toXlsx, XLSX_MIME } from './xlsx';

export type ExportFormat = 'csv' | 'xlsx';

export function exportBlob(table: ExportTable, format: ExportFormat): Blob {
  return format === 'csv'
    ? new Blob([toCsv(table)], { type: 'text/csv;charset=utf-8' })
    : new Blob([toXlsx(table) as Uint8Array<ArrayBuffer>], { type: XLSX_MIME });
}

export function download(table: ExportTable, format: ExportFormat): void {
  const url = URL.createObjectURL(exportBlob(table, format));
  const link = document.createElement('a');
  link.href = url;
  link.download = exportFileName(table.name, format);
  document.body.appendChild(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 0);
}
