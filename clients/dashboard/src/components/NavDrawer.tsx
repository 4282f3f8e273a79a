import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Divider from '@mui/material/Divider';
import Drawer from '@mui/material/Drawer';
import List from '@mui/material/List';
import ListItemButton from '@mui/material/ListItemButton';
import ListItemText from '@mui/material/ListItemText';
import Typography from '@mui/material/Typography';
import { Link as RouterLink, useLocation } from 'react-router-dom';
import { logout } from '../api/client';
import { useT } from '../i18n';
import type { NavItem } from '../permissions';
import { useUi } from '../store';
import { activeTab, LanguageSwitch, navId } from './Layout';

/** Narrow screens (phones, small tablets): the tabs, the user, the language and sign-out
 * move into a drawer behind a menu button, so nothing runs off the screen. */
export default function NavDrawer({ items, open, onClose }: { items: NavItem[]; open: boolean; onClose: () => void }) {
  const t = useT();
  const user = useUi((s) => s.session?.user);
  const location = useLocation();
  const active = activeTab(location.pathname, items.map((i) => i.path));
  return (
    <Drawer anchor="left" open={open} onClose={onClose} data-testid="nav-drawer" slotProps={{ paper: { sx: { width: 260, maxWidth: '85vw' } } }}>
      {user && (
        <Box sx={{ px: 2, py: 1.5 }}>
          <Typography sx={{ fontWeight: 600 }} data-testid="current-user">
            {user.display_name}
          </Typography>
          <Typography variant="body2" color="text.secondary">
            {t(`role.${user.role}`)}
          </Typography>
        </Box>
      )}
      <Divider />
      <List component="nav">
        {items.map((item) => (
          <ListItemButton key={item.path} component={RouterLink} to={item.path} selected={active === item.path} onClick={onClose} data-testid={navId(item)}>
            <ListItemText primary={t(item.key)} />
          </ListItemButton>
        ))}
      </List>
      <Divider />
      <Box sx={{ display: 'flex', gap: 1, p: 1.5, color: 'primary.main' }}>
        <LanguageSwitch />
        <Button size="small" variant="outlined" onClick={() => void logout()} data-testid="logout">
          {t('auth.logout')}
        </Button>
      </Box>
    </Drawer>
  );
}

