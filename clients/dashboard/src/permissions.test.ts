// @vitest-environment node
import { describe, expect, it } from 'vitest';
import type { Role } from './api/types';
import { can, navFor, type Action } from './permissions';

// docs/rbac.md (and the services' role sets) as a table: who may do what.
const MATRIX: Record<Action, Role[]> = {
  'lot.create': ['admin', 'production_manager'],
  'lot.close': ['admin', 'production_manager'],
  'lot.force_close': ['admin', 'production_manager'],
  'ncr.dispose': ['admin', 'production_manager', 'quality_manager'],
  'label.print': ['admin', 'production_manager', 'worker'],
  'firmware.write': ['admin'],
  'audit.read': ['admin'],
  'users.manage': ['admin'],
  'alert.ack': ['admin', 'production_manager', 'quality_manager', 'worker'],
};
const ROLES: Role[] = ['admin', 'production_manager', 'quality_manager', 'worker', 'viewer'];

describe('permissions', () => {
  for (const [action, allowed] of Object.entries(MATRIX) as [Action, Role[]][]) {
    it(`${action}: only ${allowed.join(', ')}`, () => {
      for (const role of ROLES) expect(can(role, action), role).toBe(allowed.includes(role));
    });
  }

  it('nobody signed in may do anything', () => {
    expect(can(null, 'lot.create')).toBe(false);
  });

  it('only admins see the audit log and users tabs', () => {
    const tabs = (role: Role) => navFor(role).map((n) => n.path);
    expect(tabs('admin')).toEqual(['/', '/lots', '/ncr', '/trace', '/quality', '/firmware', '/printers', '/alerts', '/audit', '/users']);
    for (const role of ROLES.filter((r) => r !== 'admin')) {
      expect(tabs(role)).not.toContain('/audit');
      expect(tabs(role)).not.toContain('/users');
      expect(tabs(role)).toContain('/trace');
      expect(tabs(role)).toContain('/ncr');
      expect(tabs(role)).toContain('/alerts');
    }
  });
});
