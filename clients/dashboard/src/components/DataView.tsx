// Process data, audit values and defects as people read them: field names in words,
// verdicts coloured, times in the factory's format, lists of records as tables.
import Box from '@mui/material/Box';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableContainer from '@mui/material/TableContainer';
import TableHead from '@mui/material/TableHead';
import TableRow from '@mui/material/TableRow';
import Typography from '@mui/material/Typography';
import type { ReactNode } from 'react';
import { useLang, useT } from '../i18n';
import { UserText } from './bits';
import { checkLabel, defectFinding, fieldLabel, indexLabel, measuredText, specText, valueLabel, valueTone, type DefectLike } from '../labels';

type Obj = Record<string, unknown>;

function isRecord(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

// Fields people or machines write in prose (reasons, notes, error details): shown as they are.
const FREE_TEXT = new Set(['reason', 'release_notes', 'message', 'detail', 'last_error', 'replacement_reason', 'status_reason', 'name', 'display_name']);

/** A value in words; a FAIL in bold red, a PASS in green. */
export function Value({ value, field }: { value: unknown; field?: string }) {
  const lang = useLang();
  if (field && FREE_TEXT.has(field) && typeof value === 'string') return <UserText>{value}</UserText>;
  const tone = valueTone(value);
  const text = field === 'test_point_id' && typeof value === 'string' ? indexLabel(lang, value) : valueLabel(lang, value, field);
  if (!tone) return <span>{text}</span>;
  return (
    <Box component="span" data-tone={tone} sx={{ color: `${tone}.main`, fontWeight: tone === 'error' ? 700 : undefined }}>
      {text}
    </Box>
  );
}

/** One level of nesting flattened into columns: `spec.target_force`. */
function flatten(row: Obj, prefix = ''): [string, unknown][] {
  return Object.entries(row).flatMap(([k, v]) => (isRecord(v) && !prefix ? flatten(v, `${k}.`) : [[`${prefix}${k}`, v] as [string, unknown]]));
}

function RecordTable({ rows }: { rows: Obj[] }) {
  const lang = useLang();
  const flat = rows.map((r) => new Map(flatten(r)));
  const columns: string[] = [];
  for (const row of flat) for (const key of row.keys()) if (!columns.includes(key)) columns.push(key);
  // the row's name first (test_point_id), its verdict last
  columns.sort((a, b) => rank(a) - rank(b));
  return (
    <TableContainer sx={{ maxWidth: '100%' }}>
      <Table size="small" sx={{ width: 'auto', '& td, & th': { py: 0.25, px: 1, fontSize: '0.8rem' } }}>
        <TableHead>
          <TableRow>
            {columns.map((c) => (
              <TableCell key={c} data-field={c} sx={{ whiteSpace: 'nowrap', color: 'text.secondary' }}>
                {checkLabel(lang, c)}
              </TableCell>
            ))}
          </TableRow>
        </TableHead>
        <TableBody>
          {flat.map((row, i) => (
            <TableRow key={i}>
              {columns.map((c) => (
                <TableCell key={c} sx={{ whiteSpace: 'nowrap' }}>
                  <Value value={row.get(c)} field={c.split('.').at(-1)} />
                </TableCell>
              ))}
            </TableRow>
          ))}
        </TableBody>
      </Table>
    </TableContainer>
  );
}

function rank(column: string): number {
  if (column.endsWith('_id')) return 0;
  if (column === 'result') return 2;
  return 1;
}

/** Nested JSON (process_data, audit values) as labelled fields; the raw key stays in
 * `data-field` for tests and tools. */
export function DataView({ value, field }: { value: unknown; field?: string }) {
  const lang = useLang();
  if (value === null || value === undefined) return <span>–</span>;
  if (!isRecord(value) && !Array.isArray(value)) return <Value value={value} field={field} />;
  if (Array.isArray(value)) {
    if (value.length && value.every(isRecord)) return <RecordTable rows={value} />;
    return <span>{value.length ? value.map((v) => valueLabel(lang, v, field)).join(', ') : '–'}</span>;
  }
  const entries = Object.entries(value);
  if (!entries.length) return <span>–</span>;
  return (
    <Box component="dl" sx={{ m: 0, display: 'grid', gridTemplateColumns: 'max-content minmax(0, 1fr)', columnGap: 1.5, rowGap: 0.25 }}>
      {entries.map(([k, v]) => (
        <Box key={k} sx={{ display: 'contents' }}>
          <Box component="dt" data-field={k} sx={{ color: 'text.secondary', fontSize: '0.8rem' }}>
            {fieldLabel(lang, k)}
          </Box>
          <Box component="dd" sx={{ m: 0, fontSize: '0.85rem', overflowWrap: 'anywhere' }}>
            <DataView value={v} field={k} />
          </Box>
        </Box>
      ))}
    </Box>
  );
}

/** The defects of one completion: what was checked, measured against which spec, why. */
export function DefectTable({ defects, title }: { defects: DefectLike[]; title?: ReactNode }) {
  const t = useT();
  const lang = useLang();
  return (
    <Box data-testid="defect-table" sx={{ border: 1, borderColor: 'error.main', borderRadius: 1, bgcolor: '#fdecea', p: 1, minWidth: 0 }}>
      <Typography variant="body2" sx={{ color: 'error.main', fontWeight: 700, mb: 0.5 }} data-tone="error">
        {title ?? t('defect.title', { count: defects.length })}
      </Typography>
      <TableContainer>
        <Table size="small" sx={{ '& td, & th': { py: 0.25, px: 1, fontSize: '0.8rem' } }}>
          <TableHead>
            <TableRow>
              <TableCell>{t('defect.check')}</TableCell>
              <TableCell>{t('defect.measured')}</TableCell>
              <TableCell>{t('defect.spec')}</TableCell>
              <TableCell>{t('defect.finding')}</TableCell>
            </TableRow>
          </TableHead>
          <TableBody>
            {defects.map((d, i) => (
              <TableRow key={i} data-check={d.check_name ?? ''}>
                <TableCell sx={{ fontWeight: 600 }}>{checkLabel(lang, d.check_name)}</TableCell>
                <TableCell sx={{ whiteSpace: 'nowrap', color: 'error.main', fontWeight: 700 }}>{measuredText(lang, d)}</TableCell>
                <TableCell sx={{ whiteSpace: 'nowrap' }}>{specText(d)}</TableCell>
                <TableCell title={d.message ?? undefined}>{defectFinding(lang, d)}</TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      </TableContainer>
    </Box>
  );
}
