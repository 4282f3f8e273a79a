import { beforeEach, describe, expect, it } from 'vitest';
import { useUi } from '../store';
import { envelope, fakeGateway, resetStore, signIn } from '../test/utils';
import { api, ApiError, login } from './client';

const loginData = (n: number) => ({
  access_token: `access-${n}`,
  refresh_token: `refresh-${n}`,
  expires_in: 900,
  user: { username: 'manager', role: 'production_manager', worker_id: null, display_name: 'Manager' },
});

describe('api client', () => {
  beforeEach(resetStore);

  it('signs in and keeps the session', async () => {
    const { calls } = fakeGateway({ 'POST /api/v1/auth/login': loginData(1) });
    const session = await login('manager', 'demo-manager-1234');
    expect(session.accessToken).toBe('access-1');
    expect(JSON.parse(String(calls[0]!.init.body))).toEqual({ username: 'manager', password: 'demo-manager-1234' });
    expect(useUi.getState().session?.user.role).toBe('production_manager');
  });

  it('unwraps the envelope and sends the bearer token and the query', async () => {
    signIn('viewer');
    const { calls } = fakeGateway({ '/api/v1/lots': { items: [], total: 0 } });
    const data = await api<{ total: number }>('/api/v1/lots', { query: { status: 'CREATED', shift: '', limit: 20 } });
    expect(data.total).toBe(0);
    expect(calls[0]!.url.search).toBe('?status=CREATED&limit=20');
    expect((calls[0]!.init.headers as Record<string, string>).Authorization).toBe('Bearer access-viewer');
  });

  it('turns an error body into an ApiError with its code', async () => {
    signIn('viewer');
    fakeGateway({});
    const error = await api('/api/v1/lots/WF-KR-251110D-999').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).status).toBe(404);
    expect((error as ApiError).code).toBe('NOT_FOUND');
  });

  it('refreshes an expired access token once and retries with the new one', async () => {
    signIn('production_manager', 'manager');
    let refreshes = 0;
    const { calls } = fakeGateway({
      '/api/v1/auth/me': (_url: URL, init: RequestInit) =>
        (init.headers as Record<string, string>).Authorization === 'Bearer access-2' ? envelope({ username: 'manager' }) : envelope({ code: 'TOKEN_EXPIRED' }, 401),
      'POST /api/v1/auth/refresh': (_url: URL, init: RequestInit) => {
        refreshes += 1;
        expect(JSON.parse(String(init.body))).toEqual({ refresh_token: 'refresh-manager' });
        return envelope(loginData(2));
      },
    });
    const [a, b] = await Promise.all([api<{ username: string }>('/api/v1/auth/me'), api<{ username: string }>('/api/v1/auth/me')]);
    expect(a.username).toBe('manager');
    expect(b.username).toBe('manager');
    expect(refreshes).toBe(1);
    expect(useUi.getState().session?.refreshToken).toBe('refresh-2');
    expect(calls.filter((c) => c.url.pathname === '/api/v1/auth/me')).toHaveLength(4);
  });

  it('a refused refresh ends the session', async () => {
    signIn('viewer');
    fakeGateway({
      '/api/v1/auth/me': envelope({ code: 'TOKEN_EXPIRED' }, 401),
      'POST /api/v1/auth/refresh': envelope({ code: 'TOKEN_REVOKED' }, 401),
    });
    await expect(api('/api/v1/auth/me')).rejects.toBeInstanceOf(ApiError);
    expect(useUi.getState().session).toBeNull();
    expect(useUi.getState().sessionExpired).toBe(true);
  });
});
