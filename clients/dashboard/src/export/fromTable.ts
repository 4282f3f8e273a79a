// A TanStack table's rows as an export: the columns' headers, and each cell's value as
// data (a column's `meta.exportValue`, else its accessor's value). Display-only columns
// without an exportValue (buttons, links) are left out.
import type { Column, Row, Table } from '@tanstack/react-table';
import { formatDateTime, isTimestamp } from '../time';
import type { Cell, ExportTable } from './table';

declare module '@tanstack/react-table' {
  // eslint-disable-next-line @typescript-eslint/no-unused-vars
  interface ColumnMeta<TData, TValue> {
    /** the cell as exported (CSV/XLSX) when the shown cell is markup */
    exportValue?: (row: TData) => Cell;
    /** the header as exported when the shown header is markup */
    exportHeader?: string;
  }
}

/** A value as a plain cell; instants in factory time ("2025-11-10 09:01:00", which
 * spreadsheets read as a date), not ISO with a zone (which they keep as text). */
export function cellValue(value: unknown): Cell {
  if (value == null) return '';
  if (isTimestamp(value)) return formatDateTime(value);
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  if (Array.isArray(value)) return value.map((v) => (typeof v === 'object' ? JSON.stringify(v) : String(v))).join(', ');
  return JSON.stringify(value);
}

function exported<T>(column: Column<T, unknown>): boolean {
  return !!column.columnDef.meta?.exportValue || !!column.accessorFn;
}

function header<T>(column: Column<T, unknown>): string {
  const def = column.columnDef;
  return def.meta?.exportHeader ?? (typeof def.header === 'string' ? def.header : column.id);
}

function value<T>(row: Row<T>, column: Column<T, unknown>): Cell {
  const fn = column.columnDef.meta?.exportValue;
  return fn ? fn(row.original) : cellValue(row.getValue(column.id));
}

export function tableExport<T>(table: Table<T>, name: string): ExportTable {
  const columns = table.getVisibleLeafColumns().filter(exported);
  return {
    name,
    headers: columns.map(header),
    rows: table.getRowModel().rows.map((row) => columns.map((c) => value(row, c))),
  };
}
