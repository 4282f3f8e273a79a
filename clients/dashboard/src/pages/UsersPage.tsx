import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Chip from '@mui/material/Chip';
import Dialog from '@mui/material/Dialog';
import DialogActions from '@mui/material/DialogActions';
import DialogContent from '@mui/material/DialogContent';
import DialogTitle from '@mui/material/DialogTitle';
import FormControlLabel from '@mui/material/FormControlLabel';
import MenuItem from '@mui/material/MenuItem';
import Switch from '@mui/material/Switch';
import TextField from '@mui/material/TextField';
import { createColumnHelper } from '@tanstack/react-table';
import { useMemo, useState } from 'react';
import { useDeactivateUser, useSaveUser, useUsers, type UserBody } from '../api/queries';
import { ROLES, type Role, type User } from '../api/types';
import { DataTable } from '../components/DataTable';
import { ErrorBox, Loading, PageTitle, Section } from '../components/bits';
import { useT } from '../i18n';
import { formatDateTime } from '../time';
import { useUi } from '../store';

const USERNAME_RE = /^[a-z0-9][a-z0-9._-]{1,63}$/;

function UserDialog({ user, onClose }: { user: User | null; onClose: () => void }) {
  const t = useT();
  const save = useSaveUser();
  const creating = user === null;
  const [username, setUsername] = useState(user?.username ?? '');
  const [displayName, setDisplayName] = useState(user?.display_name ?? '');
  const [role, setRole] = useState<Role>(user?.role ?? 'viewer');
  const [workerId, setWorkerId] = useState(user?.worker_id ?? '');
  const [password, setPassword] = useState('');
  const [active, setActive] = useState(user?.active ?? true);
  const valid =
    (!creating || USERNAME_RE.test(username)) &&
    !!displayName.trim() &&
    (creating ? password.length >= 10 : password.length === 0 || password.length >= 10) &&
    (role !== 'worker' || !!workerId.trim());
  function submit() {
    const body: UserBody = { display_name: displayName.trim(), role, worker_id: workerId.trim() || null };
    if (password) body.password = password;
    if (!creating) body.active = active;
    save.mutate({ username, create: creating, body }, { onSuccess: onClose });
  }
  return (
    <Dialog open onClose={onClose} fullWidth maxWidth="xs">
      <DialogTitle>{creating ? t('users.create') : `${t('users.edit')} · ${user.username}`}</DialogTitle>
      <DialogContent sx={{ display: 'grid', gap: 2, pt: '8px !important' }}>
        {creating && <TextField label={t('auth.username')} value={username} onChange={(e) => setUsername(e.target.value.toLowerCase())} error={!!username && !USERNAME_RE.test(username)} />}
        <TextField label={t('users.display_name')} value={displayName} onChange={(e) => setDisplayName(e.target.value)} />
        <TextField select label={t('users.role')} value={role} onChange={(e) => setRole(e.target.value as Role)}>
          {ROLES.map((r) => (
            <MenuItem key={r} value={r}>
              {t(`role.${r}`)}
            </MenuItem>
          ))}
        </TextField>
        <TextField label={t('users.worker_id')} value={workerId} onChange={(e) => setWorkerId(e.target.value)} placeholder="W003" required={role === 'worker'} />
        <TextField
          label={creating ? t('auth.password') : t('users.new_password')}
          type="password"
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          helperText="≥ 10"
          autoComplete="new-password"
        />
        {!creating && <FormControlLabel control={<Switch checked={active} onChange={(e) => setActive(e.target.checked)} />} label={t('users.active')} />}
        {save.isError && <ErrorBox error={save.error} />}
      </DialogContent>
      <DialogActions>
        <Button onClick={onClose}>{t('common.cancel')}</Button>
        <Button variant="contained" disabled={!valid || save.isPending} onClick={submit} data-testid="user-save">
          {t('common.save')}
        </Button>
      </DialogActions>
    </Dialog>
  );
}

const col = createColumnHelper<User>();

export default function UsersPage() {
  const t = useT();
  const me = useUi((s) => s.session?.user.username);
  const users = useUsers();
  const deactivate = useDeactivateUser();
  const [editing, setEditing] = useState<User | null | undefined>(undefined);
  const columns = useMemo(
    () => [
      col.accessor('username', { header: t('auth.username'), cell: (c) => <b>{c.getValue()}</b> }),
      col.accessor('display_name', { header: t('users.display_name') }),
      col.accessor('role', { header: t('users.role'), cell: (c) => t(`role.${c.getValue()}`) }),
      col.accessor('worker_id', { header: t('users.worker_id'), cell: (c) => c.getValue() ?? '' }),
      col.accessor('active', {
        header: t('common.status'),
        cell: (c) => <Chip size="small" variant="outlined" color={c.getValue() ? 'success' : 'default'} label={c.getValue() ? t('users.active') : t('users.inactive')} />,
      }),
      col.accessor('updated_at', { header: t('users.updated'), cell: (c) => formatDateTime(c.getValue()) }),
      col.display({
        id: 'actions',
        header: '',
        cell: (c) => {
          const u = c.row.original;
          return (
            <Box sx={{ display: 'flex', gap: 1 }}>
              <Button size="small" onClick={() => setEditing(u)}>
                {t('users.edit')}
              </Button>
              {u.active && u.username !== me && (
                <Button size="small" color="warning" onClick={() => deactivate.mutate(u.username)} disabled={deactivate.isPending}>
                  {t('users.deactivate')}
                </Button>
              )}
            </Box>
          );
        },
      }),
    ],
    [t, me, deactivate],
  );
  return (
    <Box>
      <PageTitle
        actions={
          <Button variant="contained" onClick={() => setEditing(null)} data-testid="user-create">
            {t('users.create')}
          </Button>
        }
      >
        {t('users.title')}
      </PageTitle>
      {deactivate.isError && <ErrorBox error={deactivate.error} />}
      <Section title={users.data ? t('common.total', { count: users.data.total }) : t('users.title')}>
        {users.isPending ? <Loading /> : users.isError ? <ErrorBox error={users.error} /> : <DataTable data={users.data.items} columns={columns} rowKey={(u) => u.username} testId="users-table" />}
      </Section>
      {editing !== undefined && <UserDialog user={editing} onClose={() => setEditing(undefined)} />}
    </Box>
  );
}
