import { renderHook } from '@testing-library/react';
import { createColumnHelper, getCoreRowModel, useReactTable } from '@tanstack/react-table';
import { describe, expect, it } from 'vitest';
import { BOM, csvField, toCsv } from './csv';
import { cellValue, tableExport } from './fromTable';
import { formatDateTime } from '../time';
import { exportFileName, type ExportTable } from './table';
import { columnName, sheetName, sheetXml, toXlsx, xmlText } from './xlsx';
import { crc32, zipStore } from './zip';

const TABLE: ExportTable = {
  name: '불량 목록',
  headers: ['시각', 'LOT 번호', '원인', '측정값'],
  rows: [
    ['2025-11-10 09:01', 'WF-KR-251110D-001', '센서 온도, "범위 밖"', 62.4],
    ['2025-11-10 09:02', 'WF-KR-251110D-002', '줄\n바꿈', -0.5],
    ['2025-11-10 09:03', '=HYPERLINK("x")', null, undefined],
  ],
};

/** Reads a stored-only ZIP back (local headers), checking each entry's CRC-32. */
function unzip(bytes: Uint8Array): Map<string, string> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const files = new Map<string, string>();
  const dec = new TextDecoder();
  let at = 0;
  while (view.getUint32(at, true) === 0x04034b50) {
    expect(view.getUint16(at + 8, true)).toBe(0); // stored
    const crc = view.getUint32(at + 14, true);
    const size = view.getUint32(at + 18, true);
    const nameLen = view.getUint16(at + 26, true);
    const extra = view.getUint16(at + 28, true);
    const name = dec.decode(bytes.subarray(at + 30, at + 30 + nameLen));
    const data = bytes.subarray(at + 30 + nameLen + extra, at + 30 + nameLen + extra + size);
    expect(crc32(data)).toBe(crc);
    files.set(name, dec.decode(data));
    at += 30 + nameLen + extra + size;
  }
  // the central directory follows, then the end record naming as many entries
  expect(view.getUint32(at, true)).toBe(0x02014b50);
  const end = bytes.length - 22;
  expect(view.getUint32(end, true)).toBe(0x06054b50);
  expect(view.getUint16(end + 10, true)).toBe(files.size);
  expect(view.getUint32(end + 16, true)).toBe(at);
  return files;
}

describe('CSV', () => {
  it('starts with a UTF-8 BOM, ends rows with CRLF and keeps Korean text', () => {
    const csv = toCsv(TABLE);
    expect(csv.startsWith(BOM)).toBe(true);
    const lines = csv.slice(1).split('\r\n');
    expect(lines[0]).toBe('시각,LOT 번호,원인,측정값');
    expect(lines[1]).toBe('2025-11-10 09:01,WF-KR-251110D-001,"센서 온도, ""범위 밖""",62.4');
    expect(csv.slice(1)).toContain('"줄\n바꿈",-0.5\r\n');
    expect(csv.endsWith('\r\n')).toBe(true);
    // the bytes are UTF-8: EF BB BF, then 시 (EC 8B 9C)
    const bytes = new TextEncoder().encode(csv);
    expect([...bytes.slice(0, 6)]).toEqual([0xef, 0xbb, 0xbf, 0xec, 0x8b, 0x9c]);
  });

  it('writes numbers as numbers and defuses text that would be a formula', () => {
    expect(csvField(-0.5)).toBe('-0.5');
    expect(csvField(Number.NaN)).toBe('');
    expect(csvField(null)).toBe('');
    expect(csvField('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvField('-3')).toBe("'-3");
    expect(csvField('@sum')).toBe("'@sum");
    expect(csvField(true)).toBe('true');
  });
});

describe('ZIP', () => {
  it('computes the standard CRC-32 (check value of "123456789")', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
    expect(crc32(new Uint8Array())).toBe(0);
  });

  it('stores entries with UTF-8 names that read back intact', () => {
    const enc = new TextEncoder();
    const zip = zipStore([
      { name: 'a.txt', data: enc.encode('hello') },
      { name: '한글/이름.txt', data: enc.encode('세계') },
    ]);
    expect(Object.fromEntries(unzip(zip))).toEqual({ 'a.txt': 'hello', '한글/이름.txt': '세계' });
  });
});

describe('XLSX', () => {
  it('names columns A1-style', () => {
    expect([0, 25, 26, 27, 51, 52, 701, 702].map(columnName)).toEqual(['A', 'Z', 'AA', 'AB', 'AZ', 'BA', 'ZZ', 'AAA']);
  });

  it('escapes XML and drops characters XML forbids', () => {
    expect(xmlText('a<b & "c">\u0001')).toBe('a&lt;b &amp; &quot;c&quot;&gt;');
    expect(sheetName('불량 [PROC-003]: a/b*?')).toBe('불량  PROC-003   a b');
    expect(sheetName('x'.repeat(40))).toHaveLength(31);
    expect(sheetName('')).toBe('Sheet1');
  });

  it('is a workbook with one sheet: header in bold, text inline, numbers as numbers', () => {
    const files = unzip(toXlsx(TABLE));
    expect([...files.keys()].sort()).toEqual(
      ['[Content_Types].xml', '_rels/.rels', 'xl/_rels/workbook.xml.rels', 'xl/styles.xml', 'xl/workbook.xml', 'xl/worksheets/sheet1.xml'].sort(),
    );
    expect(files.get('xl/workbook.xml')).toContain('<sheet name="불량 목록" sheetId="1" r:id="rId1"/>');
    const sheet = files.get('xl/worksheets/sheet1.xml') ?? '';
    expect(sheet).toBe(sheetXml(TABLE));
    expect(sheet).toContain('<c r="A1" s="1" t="inlineStr"><is><t xml:space="preserve">시각</t></is></c>');
    expect(sheet).toContain('<c r="C2" t="inlineStr"><is><t xml:space="preserve">센서 온도, &quot;범위 밖&quot;</t></is></c>');
    expect(sheet).toContain('<c r="D2"><v>62.4</v></c>');
    expect(sheet).toContain('<c r="D3"><v>-0.5</v></c>');
    // a formula-looking text stays text (inline string, never <f>)
    expect(sheet).toContain('<c r="B4" t="inlineStr"><is><t xml:space="preserve">=HYPERLINK(&quot;x&quot;)</t></is></c>');
    expect(sheet).not.toContain('<f>');
    expect(sheet).not.toMatch(/r="[CD]4"/); // empty cells are left out
    expect(new DOMParser().parseFromString(sheet, 'application/xml').getElementsByTagName('row')).toHaveLength(4);
  });
});

describe('tableExport', () => {
  interface Row {
    lot: string;
    value: number;
    spec: { lower: number; upper: number };
  }
  const col = createColumnHelper<Row>();
  const columns = [
    col.accessor('lot', { header: 'LOT 번호' }),
    col.accessor('value', { header: () => 'markup', meta: { exportHeader: '측정값' } }),
    col.accessor('spec', { header: '규격' }),
    col.display({ id: 'limits', header: '한계', meta: { exportValue: (r) => `${r.spec.lower} ~ ${r.spec.upper}` } }),
    col.display({ id: 'actions', header: '작업', cell: () => 'button' }),
  ];

  it('exports accessor values and exportValue columns, leaves display-only columns out', () => {
    const data: Row[] = [{ lot: 'WF-KR-251110D-001', value: 60.1, spec: { lower: 59, upper: 61 } }];
    const { result } = renderHook(() => useReactTable({ data, columns, getCoreRowModel: getCoreRowModel() }));
    expect(tableExport(result.current, 'lots')).toEqual({
      name: 'lots',
      headers: ['LOT 번호', '측정값', '규격', '한계'],
      rows: [['WF-KR-251110D-001', 60.1, '{"lower":59,"upper":61}', '59 ~ 61']],
    });
  });

  it('turns values into plain cells', () => {
    expect(cellValue(undefined)).toBe('');
    expect(cellValue(['a', 1])).toBe('a, 1');
    expect(cellValue(false)).toBe(false);
    // an instant in factory time (Asia/Seoul), as spreadsheets read a date
    expect(cellValue('2025-11-10T00:01:00+00:00')).toBe(formatDateTime('2025-11-10T00:01:00+00:00'));
    expect(cellValue('2025-11-10T00:01:00+00:00')).toMatch(/^2025-11-10 09:01/);
    expect(cellValue('2025-11-10')).toBe('2025-11-10'); // a day stays as it is
  });
});

describe('exportFileName', () => {
  it('keeps Korean, drops characters a file system refuses, and stamps the time', () => {
    expect(exportFileName('불량/목록: PROC-003', 'csv', new Date(2025, 10, 10, 9, 5))).toBe('불량_목록_ PROC-003-20251110-0905.csv');
    expect(exportFileName('', 'xlsx', new Date(2025, 0, 2, 3, 4))).toBe('export-20250102-0304.xlsx');
  });
});
