// A table as exported: a header row and rows of plain cells (what a spreadsheet holds).
export type Cell = string | number | boolean | null | undefined;

export interface ExportTable {
  /** the file's base name (no extension) and the XLSX sheet's name */
  name: string;
  headers: string[];
  rows: Cell[][];
}

/** A safe file name: no path separators or characters Windows refuses; the date appended. */
export function exportFileName(name: string, ext: 'csv' | 'xlsx', now: Date = new Date()): string {
  const base = name.replace(/[\\/:*?"<>|\u0000-\u001f]+/g, '_').trim() || 'export';
  const pad = (n: number) => String(n).padStart(2, '0');
  const stamp = `${now.getFullYear()}${pad(now.getMonth() + 1)}${pad(now.getDate())}-${pad(now.getHours())}${pad(now.getMinutes())}`;
  return `${base}-${stamp}.${ext}`;
}
