import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import MenuItem from '@mui/material/MenuItem';
import TextField from '@mui/material/TextField';
import { createColumnHelper } from '@tanstack/react-table';
import { useMemo, useState } from 'react';
import { useAudit, useAuditVerify, type AuditFilter } from '../api/queries';
import type { AuditEntry } from '../api/types';
import { DataTable } from '../components/DataTable';
import { Code, ErrorBox, Loading, PageTitle, Section } from '../components/bits';
import { DataView } from '../components/DataView';
import { translateLoose, useLang, useT } from '../i18n';
import { fieldLabel, statusLabel } from '../labels';
import { formatDateTime } from '../time';

const PAGE = 50;
const col = createColumnHelper<AuditEntry>();

export interface Change {
  field: string;
  before?: unknown;
  after: unknown;
}

/** old → new, only the fields that changed (all of new for a create). */
export function changes(entry: Pick<AuditEntry, 'old_values' | 'new_values'>): Change[] {
  const before = entry.old_values ?? {};
  const after = entry.new_values ?? {};
  const out: Change[] = [];
  for (const field of new Set([...Object.keys(before), ...Object.keys(after)])) {
    const a = before[field];
    const b = after[field];
    if (JSON.stringify(a) === JSON.stringify(b)) continue;
    out.push(field in before ? { field, before: a, after: b } : { field, after: b });
  }
  return out;
}

function Changes({ entry }: { entry: AuditEntry }) {
  const lang = useLang();
  const list = changes(entry);
  if (!list.length) return <span>–</span>;
  return (
    <Box component="dl" sx={{ m: 0, display: 'grid', gridTemplateColumns: 'max-content minmax(0, 1fr)', columnGap: 1.5, rowGap: 0.25 }}>
      {list.map((c) => (
        <Box key={c.field} sx={{ display: 'contents' }}>
          <Box component="dt" data-field={c.field} sx={{ color: 'text.secondary', fontSize: '0.8rem' }}>
            {fieldLabel(lang, c.field)}
          </Box>
          <Box component="dd" sx={{ m: 0, fontSize: '0.85rem', display: 'flex', gap: 0.5, flexWrap: 'wrap', alignItems: 'baseline' }}>
            {'before' in c && (
              <>
                <DataView value={c.before} field={c.field} /> →
              </>
            )}
            <DataView value={c.after} field={c.field} />
          </Box>
        </Box>
      ))}
    </Box>
  );
}

export default function AuditPage() {
  const t = useT();
  const lang = useLang();
  const [draft, setDraft] = useState({ entity_type: '', entity_id: '', user_id: '', action: '' });
  const [filter, setFilter] = useState<AuditFilter>({ limit: PAGE, offset: 0 });
  const audit = useAudit(filter);
  const verify = useAuditVerify();
  const columns = useMemo(
    () => [
      col.accessor('seq', { header: '#' }),
      col.accessor('occurred_at', { header: t('common.time'), cell: (c) => <Box sx={{ whiteSpace: 'nowrap' }}>{formatDateTime(c.getValue())}</Box> }),
      col.accessor('service', { header: t('audit.service') }),
      col.accessor('event_type', {
        header: t('audit.event'),
        cell: (c) => {
          const text = translateLoose(lang, `event.${c.getValue()}`, '');
          return text || <Code>{c.getValue()}</Code>;
        },
      }),
      col.accessor((e) => `${statusLabel(lang, 'entity', e.entity_type)} ${e.entity_id}`, { id: 'entity', header: t('audit.entity_id') }),
      col.accessor('action', { header: t('audit.action'), cell: (c) => statusLabel(lang, 'auditAction', c.getValue()) }),
      col.accessor((e) => [e.user_id, e.role && translateLoose(lang, `role.${e.role}`, e.role), e.worker_id].filter(Boolean).join(' · '), {
        id: 'who',
        header: t('common.user'),
      }),
      col.accessor('source_ip', { header: 'IP', cell: (c) => c.getValue() ?? '' }),
      col.display({ id: 'changes', header: t('audit.changes'), meta: { exportValue: (e) => JSON.stringify({ old: e.old_values, new: e.new_values }) }, cell: (c) => (
          <Box sx={{ minWidth: 380, maxWidth: 560, wordBreak: 'break-all' }}>
            <Changes entry={c.row.original} />
          </Box>
        ),
      }),
    ],
    [t, lang],
  );
  const page = Math.floor(filter.offset / PAGE);
  return (
    <Box>
      <PageTitle
        actions={
          <Button variant="outlined" onClick={() => verify.mutate()} disabled={verify.isPending} data-testid="audit-verify">
            {t('audit.verify')}
          </Button>
        }
      >
        {t('audit.title')}
      </PageTitle>
      {verify.data && (
        <Alert severity={verify.data.valid ? 'success' : 'error'} sx={{ mb: 2 }} data-testid="audit-verify-result">
          {verify.data.valid ? t('audit.valid', { rows: verify.data.rows_checked }) : t('audit.broken', { seq: verify.data.first_broken_seq ?? '?' })}
        </Alert>
      )}
      {verify.isError && <ErrorBox error={verify.error} />}
      <Section title={t('common.search')}>
        <Box
          component="form"
          sx={{ display: 'flex', gap: 2, flexWrap: 'wrap' }}
          onSubmit={(e) => {
            e.preventDefault();
            setFilter({ ...draft, limit: PAGE, offset: 0 });
          }}
        >
          <TextField size="small" label={t('audit.entity_type')} value={draft.entity_type} onChange={(e) => setDraft({ ...draft, entity_type: e.target.value })} placeholder="lot, serial, user…" />
          <TextField size="small" label={t('audit.entity_id')} value={draft.entity_id} onChange={(e) => setDraft({ ...draft, entity_id: e.target.value })} />
          <TextField size="small" label={t('common.user')} value={draft.user_id} onChange={(e) => setDraft({ ...draft, user_id: e.target.value })} />
          <TextField select size="small" label={t('audit.action')} value={draft.action} onChange={(e) => setDraft({ ...draft, action: e.target.value })} sx={{ minWidth: 130 }}>
            <MenuItem value="">{t('common.all')}</MenuItem>
            {(['create', 'update', 'delete'] as const).map((a) => (
              <MenuItem key={a} value={a}>
                {statusLabel(lang, 'auditAction', a)}
              </MenuItem>
            ))}
          </TextField>
          <Button type="submit" variant="contained">
            {t('common.search')}
          </Button>
        </Box>
      </Section>
      <Section title={audit.data ? t('common.total', { count: audit.data.total }) : t('audit.title')}>
        {audit.isPending ? (
          <Loading />
        ) : audit.isError ? (
          <ErrorBox error={audit.error} />
        ) : (
          <DataTable
            data={audit.data.items}
            columns={columns}
            rowKey={(e) => String(e.seq)}
            testId="audit-table"
            nowrap={false}
            paging={{ total: audit.data.total, page, pageSize: PAGE, onPage: (p) => setFilter({ ...filter, offset: p * PAGE }) }}
          />
        )}
      </Section>
    </Box>
  );
}
