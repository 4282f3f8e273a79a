import Box from '@mui/material/Box';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableContainer from '@mui/material/TableContainer';
import TableHead from '@mui/material/TableHead';
import TablePagination from '@mui/material/TablePagination';
import TableRow from '@mui/material/TableRow';
import TableSortLabel from '@mui/material/TableSortLabel';
import Typography from '@mui/material/Typography';
import {
  flexRender,
  getCoreRowModel,
  getSortedRowModel,
  useReactTable,
  type ColumnDef,
  type SortingState,
} from '@tanstack/react-table';
import { useState } from 'react';
import { tableExport } from '../export/fromTable';
import { useT } from '../i18n';
import { ExportButtons } from './ExportButtons';

export interface ServerPaging {
  total: number;
  page: number;
  pageSize: number;
  onPage: (page: number) => void;
}

interface Props<T> {
  data: T[];
  columns: ColumnDef<T, any>[];
  empty?: string;
  paging?: ServerPaging;
  onRowClick?: (row: T) => void;
  rowKey?: (row: T) => string;
  testId?: string;
  dense?: boolean;
  /** keep cells on one line (default) */
  nowrap?: boolean;
  /** the export's file name (CSV/XLSX buttons above the table); `false` for none */
  exportName?: string | false;
}

/** A TanStack Table rendered with MUI: client-side sorting, optional server paging, CSV/XLSX
 * export of the rows shown (with server paging: the page shown). */
export function DataTable<T>({ data, columns, empty, paging, onRowClick, rowKey, testId, dense = true, nowrap = true, exportName }: Props<T>) {
  const t = useT();
  const [sorting, setSorting] = useState<SortingState>([]);
  const table = useReactTable({
    data,
    columns,
    state: { sorting },
    onSortingChange: setSorting,
    getCoreRowModel: getCoreRowModel(),
    getSortedRowModel: getSortedRowModel(),
    getRowId: rowKey ? (row) => rowKey(row) : undefined,
  });
  return (
    <Box data-testid={testId}>
      {exportName !== false && data.length > 0 && <ExportButtons table={() => tableExport(table, exportName ?? testId ?? 'table')} testId={testId} />}
      <TableContainer>
        <Table size={dense ? 'small' : 'medium'}>
          <TableHead>
            {table.getHeaderGroups().map((group) => (
              <TableRow key={group.id}>
                {group.headers.map((header) => (
                  <TableCell key={header.id} sx={{ fontWeight: 600, whiteSpace: 'nowrap' }}>
                    {header.isPlaceholder ? null : header.column.getCanSort() ? (
                      <TableSortLabel
                        active={!!header.column.getIsSorted()}
                        direction={header.column.getIsSorted() === 'desc' ? 'desc' : 'asc'}
                        onClick={header.column.getToggleSortingHandler()}
                      >
                        {flexRender(header.column.columnDef.header, header.getContext())}
                      </TableSortLabel>
                    ) : (
                      flexRender(header.column.columnDef.header, header.getContext())
                    )}
                  </TableCell>
                ))}
              </TableRow>
            ))}
          </TableHead>
          <TableBody>
            {table.getRowModel().rows.map((row) => (
              <TableRow
                key={row.id}
                hover={!!onRowClick}
                onClick={onRowClick ? () => onRowClick(row.original) : undefined}
                sx={onRowClick ? { cursor: 'pointer' } : undefined}
              >
                {row.getVisibleCells().map((cell) => (
                  <TableCell key={cell.id} sx={nowrap ? { whiteSpace: 'nowrap' } : undefined}>{flexRender(cell.column.columnDef.cell, cell.getContext())}</TableCell>
                ))}
              </TableRow>
            ))}
          </TableBody>
        </Table>
      </TableContainer>
      {data.length === 0 && (
        <Typography color="text.secondary" sx={{ p: 2 }}>
          {empty ?? t('common.none')}
        </Typography>
      )}
      {paging && (
        <TablePagination
          component="div"
          count={paging.total}
          page={paging.page}
          rowsPerPage={paging.pageSize}
          rowsPerPageOptions={[paging.pageSize]}
          onPageChange={(_, page) => paging.onPage(page)}
          labelDisplayedRows={({ from, to, count }) => t('common.page', { from, to, total: count })}
        />
      )}
    </Box>
  );
}
