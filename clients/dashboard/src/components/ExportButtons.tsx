import Button from '@mui/material/Button';
import Stack from '@mui/material/Stack';
import { download, type ExportFormat } from '../export/download';
import type { ExportTable } from '../export/table';
import { useT } from '../i18n';

/** CSV and XLSX downloads of a table; `table()` is called on click (the rows as sorted). */
export function ExportButtons({ table, testId }: { table: () => ExportTable; testId?: string }) {
  const t = useT();
  const save = (format: ExportFormat) => download(table(), format);
  return (
    <Stack direction="row" spacing={1} sx={{ justifyContent: 'flex-end' }} data-testid={testId ? `${testId}-export` : 'table-export'}>
      <Button size="small" variant="text" onClick={() => save('csv')} data-testid="export-csv" title={t('export.csv_hint')}>
        CSV
      </Button>
      <Button size="small" variant="text" onClick={() => save('xlsx')} data-testid="export-xlsx" title={t('export.xlsx_hint')}>
        XLSX
      </Button>
    </Stack>
  );
}
