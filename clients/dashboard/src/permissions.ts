// What each role may do, mirrored from docs/rbac.md and the services' role checks
// (mes_contracts.roles: READERS = everyone, FLOOR_WRITERS = admin + production_manager +
// worker, MANAGERS = admin + production_manager, ADMINS = admin). The UI only hides what a
// role may not do; every service checks again.
import type { Role } from './api/types';

export type Action =
  | 'lot.create'
  | 'lot.close'
  | 'lot.force_close'
  | 'ncr.dispose'
  | 'label.print'
  | 'firmware.write'
  | 'audit.read'
  | 'users.manage'
  | 'alert.ack';

const ALLOWED: Record<Action, readonly Role[]> = {
  'lot.create': ['admin', 'production_manager'],
  'lot.close': ['admin', 'production_manager'],
  'lot.force_close': ['admin', 'production_manager'],
  'ncr.dispose': ['admin', 'production_manager', 'quality_manager'],
  'label.print': ['admin', 'production_manager', 'worker'],
  'firmware.write': ['admin'],
  'audit.read': ['admin'],
  'users.manage': ['admin'],
  // trace-service's ACKERS: every role but the viewer
  'alert.ack': ['admin', 'production_manager', 'quality_manager', 'worker'],
};

export function can(role: Role | null | undefined, action: Action): boolean {
  return !!role && ALLOWED[action].includes(role);
}

export interface NavItem {
  path: string;
  key:
    | 'nav.overview'
    | 'nav.lots'
    | 'nav.trace'
    | 'nav.ncr'
    | 'nav.quality'
    | 'nav.firmware'
    | 'nav.printers'
    | 'nav.audit'
    | 'nav.users'
    | 'nav.alerts';
  needs?: Action;
}

export const NAV: NavItem[] = [
  { path: '/', key: 'nav.overview' },
  { path: '/lots', key: 'nav.lots' },
  { path: '/ncr', key: 'nav.ncr' },
  { path: '/trace', key: 'nav.trace' },
  { path: '/quality', key: 'nav.quality' },
  { path: '/firmware', key: 'nav.firmware' },
  { path: '/printers', key: 'nav.printers' },
  { path: '/alerts', key: 'nav.alerts' },
  { path: '/audit', key: 'nav.audit', needs: 'audit.read' },
  { path: '/users', key: 'nav.users', needs: 'users.manage' },
];

export function navFor(role: Role | null | undefined): NavItem[] {
  return NAV.filter((item) => !item.needs || can(role, item.needs));
}
