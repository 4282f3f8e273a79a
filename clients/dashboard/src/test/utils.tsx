// Render helpers: the app's providers, a signed-in session, and a fake gateway (fetch).
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { render } from '@testing-library/react';
import type { ReactElement } from 'react';
import { MemoryRouter, Route, Routes } from 'react-router-dom';
import { vi } from 'vitest';
import type { Role } from '../api/types';
import { useUi } from '../store';

export function signIn(role: Role, username: string = role): void {
  useUi.getState().setSession({
    user: { username, role, worker_id: role === 'worker' ? 'W001' : null, display_name: username },
    accessToken: `access-${username}`,
    refreshToken: `refresh-${username}`,
    expiresAt: Date.now() + 15 * 60_000,
  });
}

export function resetStore(): void {
  useUi.setState({ session: null, sessionExpired: false, events: [], lotLabels: {}, live: 'open', lang: 'ko' });
}

export function envelope(data: unknown, status = 200): Response {
  const body =
    status < 400
      ? { status: 'success', message: 'OK', data }
      : { status: 'error', message: 'error', error_code: (data as { code?: string })?.code ?? 'ERROR', data: null };
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
}

export type Handler = (url: URL, init: RequestInit) => Response | Promise<Response>;

/** A fake gateway: `routes` maps "METHOD /path" (or "/path" for GET) to a handler. */
export function fakeGateway(routes: Record<string, Handler | unknown>) {
  const calls: { method: string; url: URL; init: RequestInit }[] = [];
  const fetchMock = vi.fn(async (input: RequestInfo | URL, init: RequestInit = {}) => {
    const url = new URL(String(input), 'http://dashboard.test');
    const method = (init.method ?? 'GET').toUpperCase();
    calls.push({ method, url, init });
    const route = routes[`${method} ${url.pathname}`] ?? (method === 'GET' ? routes[url.pathname] : undefined);
    if (route === undefined) return envelope({ code: 'NOT_FOUND' }, 404);
    if (route instanceof Response) return route.clone();
    return typeof route === 'function' ? (route as Handler)(url, init) : envelope(route);
  });
  vi.stubGlobal('fetch', fetchMock);
  return { fetchMock, calls };
}

export function renderPage(ui: ReactElement, { path = '/', route = '/' }: { path?: string; route?: string } = {}) {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  return render(
    <QueryClientProvider client={client}>
      <MemoryRouter initialEntries={[route]}>
        <Routes>
          <Route path={path} element={ui} />
        </Routes>
      </MemoryRouter>
    </QueryClientProvider>,
  );
}
