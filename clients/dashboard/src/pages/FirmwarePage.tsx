import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Dialog from '@mui/material/Dialog';
import DialogActions from '@mui/material/DialogActions';
import DialogContent from '@mui/material/DialogContent';
import DialogTitle from '@mui/material/DialogTitle';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import { createColumnHelper, type ColumnDef } from '@tanstack/react-table';
import { useMemo, useState } from 'react';
import { useFirmware, useFirmwareReleases, useReleaseFirmware, useRollbackFirmware, useUploadFirmware } from '../api/queries';
import type { Firmware, FirmwareRelease } from '../api/types';
import { DataTable } from '../components/DataTable';
import { Code, ErrorBox, UserText, Loading, PageTitle, Section, StatusChip } from '../components/bits';
import { useLang, useT } from '../i18n';
import { statusLabel } from '../labels';
import { formatDateTime } from '../time';
import { can } from '../permissions';
import { useUi } from '../store';

const VERSION_RE = /^v[0-9]+\.[0-9]+\.[0-9]+$/;

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(2)} MiB`;
}

function UploadDialog({ onClose }: { onClose: () => void }) {
  const t = useT();
  const upload = useUploadFirmware();
  const [version, setVersion] = useState('');
  const [mcu, setMcu] = useState('STM32F103');
  const [notes, setNotes] = useState('');
  const [file, setFile] = useState<File | null>(null);
  const valid = VERSION_RE.test(version) && !!mcu.trim() && !!file;
  function submit() {
    if (!file) return;
    const form = new FormData();
    form.set('version', version);
    form.set('target_mcu', mcu.trim());
    if (notes.trim()) form.set('release_notes', notes.trim());
    form.set('file', file, file.name);
    upload.mutate(form, { onSuccess: onClose });
  }
  return (
    <Dialog open onClose={onClose} fullWidth maxWidth="sm">
      <DialogTitle>{t('firmware.upload')}</DialogTitle>
      <DialogContent sx={{ display: 'grid', gap: 2, pt: '8px !important' }}>
        <TextField label={t('firmware.version')} value={version} onChange={(e) => setVersion(e.target.value.trim())} placeholder="v1.2.3" error={!!version && !VERSION_RE.test(version)} helperText="vMAJOR.MINOR.PATCH" slotProps={{ htmlInput: { 'data-testid': 'fw-version' } }} />
        <TextField label={t('firmware.mcu')} value={mcu} onChange={(e) => setMcu(e.target.value)} />
        <TextField label={t('firmware.notes')} value={notes} onChange={(e) => setNotes(e.target.value)} multiline minRows={3} />
        <Box sx={{ display: 'flex', alignItems: 'center', gap: 1 }}>
          <Button variant="outlined" component="label">
            {t('firmware.choose_file')}
            <input hidden type="file" accept=".bin,.hex,application/octet-stream" data-testid="fw-file" onChange={(e) => setFile(e.target.files?.[0] ?? null)} />
          </Button>
          <Typography variant="body2">{file ? `${file.name} (${formatBytes(file.size)})` : t('firmware.file')}</Typography>
        </Box>
        {upload.isError && <ErrorBox error={upload.error} />}
      </DialogContent>
      <DialogActions>
        <Button onClick={onClose}>{t('common.cancel')}</Button>
        <Button variant="contained" disabled={!valid || upload.isPending} onClick={submit} data-testid="fw-upload-submit">
          {t('firmware.upload')}
        </Button>
      </DialogActions>
    </Dialog>
  );
}

type Pending = { action: 'release' | 'rollback'; version: string };

function ConfirmDialog({ pending, onClose }: { pending: Pending; onClose: () => void }) {
  const t = useT();
  const release = useReleaseFirmware();
  const rollback = useRollbackFirmware();
  const mutation = pending.action === 'release' ? release : rollback;
  const [reason, setReason] = useState('');
  return (
    <Dialog open onClose={onClose} fullWidth maxWidth="xs">
      <DialogTitle>{t(pending.action === 'release' ? 'firmware.release_confirm' : 'firmware.rollback_confirm', { version: pending.version })}</DialogTitle>
      <DialogContent>
        <TextField label={t('common.reason')} value={reason} onChange={(e) => setReason(e.target.value)} fullWidth multiline minRows={2} sx={{ mt: 1 }} />
        {mutation.isError && <ErrorBox error={mutation.error} />}
      </DialogContent>
      <DialogActions>
        <Button onClick={onClose}>{t('common.cancel')}</Button>
        <Button
          variant="contained"
          color={pending.action === 'release' ? 'primary' : 'warning'}
          disabled={mutation.isPending || (pending.action === 'rollback' && !reason.trim())}
          onClick={() => mutation.mutate({ version: pending.version, reason: reason.trim() }, { onSuccess: onClose })}
          data-testid="fw-confirm"
        >
          {t(pending.action === 'release' ? 'firmware.release' : 'firmware.rollback')}
        </Button>
      </DialogActions>
    </Dialog>
  );
}

const fcol = createColumnHelper<Firmware>();
const hcol = createColumnHelper<FirmwareRelease>();

export default function FirmwarePage() {
  const t = useT();
  const lang = useLang();
  const role = useUi((s) => s.session?.user.role);
  const admin = can(role, 'firmware.write');
  const list = useFirmware();
  const history = useFirmwareReleases();
  const [uploading, setUploading] = useState(false);
  const [pending, setPending] = useState<Pending | null>(null);

  const columns = useMemo(() => {
    const cols: ColumnDef<Firmware, any>[] = [
      fcol.accessor('version', { header: t('firmware.version'), cell: (c) => <b>{c.getValue()}</b> }),
      fcol.accessor('state', { header: t('firmware.state'), cell: (c) => <StatusChip kind="firmware" value={c.getValue()} /> }),
      fcol.accessor('target_mcu', { header: t('firmware.mcu') }),
      fcol.accessor('file_size', { header: t('firmware.size'), cell: (c) => formatBytes(c.getValue()) }),
      fcol.accessor('md5_hash', { header: 'MD5', cell: (c) => <Code>{c.getValue()}</Code> }),
      fcol.accessor('uploaded_at', { header: t('firmware.uploaded'), cell: (c) => `${formatDateTime(c.getValue())} · ${c.row.original.uploaded_by ?? ''}` }),
      fcol.accessor('released_at', { header: t('firmware.released'), cell: (c) => (c.getValue() ? `${formatDateTime(c.getValue())} · ${c.row.original.released_by ?? ''}` : '–') }),
      fcol.accessor('release_notes', { header: t('firmware.notes'), cell: (c) => <Typography variant="body2" sx={{ maxWidth: 240, whiteSpace: 'pre-wrap' }}><UserText>{c.getValue() ?? ''}</UserText></Typography> }),
    ];
    if (admin) {
      cols.push(
        fcol.display({
          id: 'actions',
          header: '',
          cell: (c) => {
            const fw = c.row.original;
            if (fw.state === 'RELEASED')
              return (
                <Button size="small" color="warning" onClick={() => setPending({ action: 'rollback', version: fw.version })} data-testid={`fw-rollback-${fw.version}`}>
                  {t('firmware.rollback')}
                </Button>
              );
            if (fw.state === 'WITHDRAWN') return null;
            return (
              <Button size="small" onClick={() => setPending({ action: 'release', version: fw.version })} data-testid={`fw-release-${fw.version}`}>
                {t('firmware.release')}
              </Button>
            );
          },
        }),
      );
    }
    return cols;
  }, [t, lang, admin]);

  const hcolumns = useMemo(
    () => [
      hcol.accessor('at', { header: t('common.time'), cell: (c) => formatDateTime(c.getValue()) }),
      hcol.accessor('action', { header: t('firmware.action'), cell: (c) => statusLabel(lang, 'firmwareAction', c.getValue()) }),
      hcol.accessor('version', { header: t('firmware.version') }),
      hcol.accessor('previous_version', { header: t('firmware.previous'), cell: (c) => c.getValue() ?? '–' }),
      hcol.accessor('actor_user_id', { header: t('common.user') }),
      hcol.accessor('reason', { header: t('common.reason'), cell: (c) => <UserText>{c.getValue() ?? ''}</UserText> }),
    ],
    [t, lang],
  );

  const released = list.data?.items.find((f) => f.state === 'RELEASED');
  return (
    <Box>
      <PageTitle
        actions={
          admin && (
            <Button variant="contained" onClick={() => setUploading(true)} data-testid="fw-upload">
              {t('firmware.upload')}
            </Button>
          )
        }
      >
        {t('firmware.title')}
      </PageTitle>
      {released && (
        <Alert severity="success" sx={{ mb: 2 }} data-testid="fw-released">
          {t('firmware.state.RELEASED')}: <b>{released.version}</b> ({released.target_mcu}, {released.filename})
        </Alert>
      )}
      <Section title={t('firmware.title')}>
        {list.isPending ? <Loading /> : list.isError ? <ErrorBox error={list.error} /> : <DataTable data={list.data.items} columns={columns} rowKey={(f) => f.version} testId="fw-table" />}
      </Section>
      <Section title={t('firmware.history')}>
        {history.isPending ? <Loading /> : history.isError ? <ErrorBox error={history.error} /> : <DataTable data={history.data.items} columns={hcolumns} rowKey={(h) => String(h.id)} exportName="firmware-history" />}
      </Section>
      {uploading && <UploadDialog onClose={() => setUploading(false)} />}
      {pending && <ConfirmDialog pending={pending} onClose={() => setPending(null)} />}
    </Box>
  );
}
