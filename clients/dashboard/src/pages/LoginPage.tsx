import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Paper from '@mui/material/Paper';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import { useState, type FormEvent } from 'react';
import { useLocation, useNavigate } from 'react-router-dom';
import { login } from '../api/client';
import { errorText } from '../components/bits';
import { LanguageSwitch } from '../components/Layout';
import { useT } from '../i18n';
import { useUi } from '../store';

export default function LoginPage() {
  const t = useT();
  const navigate = useNavigate();
  const location = useLocation();
  const expired = useUi((s) => s.sessionExpired);
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await login(username.trim(), password);
      const from = (location.state as { from?: string } | null)?.from;
      navigate(from && from !== '/login' ? from : '/', { replace: true });
    } catch (err) {
      setError(t('auth.failed', { message: errorText(err, t) }));
    } finally {
      setBusy(false);
    }
  }

  return (
    <Box sx={{ minHeight: '100vh', display: 'grid', placeItems: 'center', bgcolor: 'primary.dark' }}>
      <Paper component="form" onSubmit={submit} sx={{ p: 4, width: 360, maxWidth: '92vw' }} elevation={6}>
        <Box sx={{ display: 'flex', alignItems: 'center', mb: 2 }}>
          <Box sx={{ flexGrow: 1 }}>
            <Typography variant="h5" component="h1" sx={{ fontWeight: 700 }}>
              {t('app.title')}
            </Typography>
            <Typography variant="body2" color="text.secondary">
              {t('app.subtitle')}
            </Typography>
          </Box>
          <Box sx={{ color: 'primary.main' }}>
            <LanguageSwitch />
          </Box>
        </Box>
        {expired && !error && (
          <Alert severity="info" sx={{ mb: 2 }}>
            {t('auth.expired')}
          </Alert>
        )}
        {error && (
          <Alert severity="error" sx={{ mb: 2 }} data-testid="login-error">
            {error}
          </Alert>
        )}
        <TextField
          label={t('auth.username')}
          value={username}
          onChange={(e) => setUsername(e.target.value)}
          fullWidth
          margin="dense"
          autoComplete="username"
          autoFocus
          slotProps={{ htmlInput: { 'data-testid': 'login-username' } }}
        />
        <TextField
          label={t('auth.password')}
          type="password"
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          fullWidth
          margin="dense"
          autoComplete="current-password"
          slotProps={{ htmlInput: { 'data-testid': 'login-password' } }}
        />
        <Button type="submit" variant="contained" fullWidth sx={{ mt: 2 }} disabled={busy || !username || !password} data-testid="login-submit">
          {t('auth.login')}
        </Button>
      </Paper>
    </Box>
  );
}
