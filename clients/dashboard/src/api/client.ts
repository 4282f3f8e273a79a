// The gateway's HTTP API: the response envelope, the access token and its rotation.
//
// Access tokens live 15 minutes; the refresh token rotates on every use and reusing an old
// one revokes the whole family. Tabs share the session through localStorage, so a refresh
// runs under a Web Lock and re-reads the stored session first: a second tab that wanted to
// refresh at the same moment simply takes the tokens the first one got.
import { loadSession, markSessionExpired, useUi, type Session } from '../store';
import type { LoginData } from './types';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly data: unknown = null,
    /** seconds, from Retry-After (429) */
    readonly retryAfter: number | null = null,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

const REFRESH_MARGIN_MS = 30_000;

type Query = Record<string, string | number | boolean | null | undefined>;

export interface RequestOptions {
  method?: string;
  query?: Query;
  json?: unknown;
  form?: FormData;
  signal?: AbortSignal;
}

export function buildUrl(path: string, query?: Query): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query ?? {})) {
    if (v !== undefined && v !== null && v !== '') params.set(k, String(v));
  }
  const qs = params.toString();
  return qs ? `${path}?${qs}` : path;
}

async function readEnvelope<T>(response: Response): Promise<T> {
  let body: unknown = null;
  const text = await response.text();
  if (text) {
    try {
      body = JSON.parse(text);
    } catch {
      body = null;
    }
  }
  const envelope = body as { status?: string; message?: string; error_code?: string; data?: unknown; detail?: unknown } | null;
  if (!response.ok || envelope?.status === 'error') {
    throw new ApiError(
      response.status,
      envelope?.error_code ?? `HTTP_${response.status}`,
      envelope?.message ?? (typeof envelope?.detail === 'string' ? envelope.detail : response.statusText || 'request failed'),
      envelope?.data ?? null,
      Number(response.headers.get('Retry-After')) || null,
    );
  }
  return (envelope && 'data' in envelope ? envelope.data : body) as T;
}

function sessionFrom(data: LoginData): Session {
  return {
    user: data.user,
    accessToken: data.access_token,
    refreshToken: data.refresh_token,
    expiresAt: Date.now() + data.expires_in * 1000,
  };
}

export async function login(username: string, password: string): Promise<Session> {
  const response = await fetch('/api/v1/auth/login', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  const session = sessionFrom(await readEnvelope<LoginData>(response));
  useUi.getState().setSession(session);
  return session;
}

export async function logout(): Promise<void> {
  const session = useUi.getState().session;
  useUi.getState().setSession(null);
  if (!session) return;
  try {
    await fetch('/api/v1/auth/logout', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${session.accessToken}` },
      body: JSON.stringify({ refresh_token: session.refreshToken }),
    });
  } catch {
    // signed out locally either way
  }
}

let refreshing: Promise<Session | null> | null = null;

async function withLock<T>(fn: () => Promise<T>): Promise<T> {
  const locks = typeof navigator !== 'undefined' ? (navigator as Navigator & { locks?: LockManager }).locks : undefined;
  if (locks?.request) return locks.request('mes-token-refresh', fn) as Promise<T>;
  return fn();
}

async function doRefresh(stale: Session): Promise<Session | null> {
  return withLock(async () => {
    // Another tab may have rotated the tokens while we waited for the lock.
    const stored = loadSession();
    if (stored && stored.refreshToken !== stale.refreshToken && stored.expiresAt - REFRESH_MARGIN_MS > Date.now()) {
      useUi.getState().setSession(stored);
      return stored;
    }
    const current = stored ?? stale;
    const response = await fetch('/api/v1/auth/refresh', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ refresh_token: current.refreshToken }),
    });
    if (response.status === 401 || response.status === 403) {
      markSessionExpired();
      return null;
    }
    const session = sessionFrom(await readEnvelope<LoginData>(response));
    useUi.getState().setSession(session);
    return session;
  });
}

/** Refresh now (once at a time in this tab). */
export function refreshSession(): Promise<Session | null> {
  const session = useUi.getState().session;
  if (!session) return Promise.resolve(null);
  refreshing ??= doRefresh(session).finally(() => {
    refreshing = null;
  });
  return refreshing;
}

/** A valid access token, refreshed when it is about to expire. */
export async function accessToken(): Promise<string | null> {
  const session = useUi.getState().session;
  if (!session) return null;
  if (session.expiresAt - REFRESH_MARGIN_MS > Date.now()) return session.accessToken;
  const fresh = await refreshSession();
  return fresh?.accessToken ?? null;
}

async function send(path: string, options: RequestOptions, token: string | null): Promise<Response> {
  const headers: Record<string, string> = {};
  if (token) headers.Authorization = `Bearer ${token}`;
  let body: BodyInit | undefined;
  if (options.form) body = options.form;
  else if (options.json !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(options.json);
  }
  return fetch(buildUrl(path, options.query), {
    method: options.method ?? (body ? 'POST' : 'GET'),
    headers,
    body,
    signal: options.signal,
  });
}

async function authorized(path: string, options: RequestOptions): Promise<Response> {
  let response = await send(path, options, await accessToken());
  if (response.status === 401 && useUi.getState().session) {
    const fresh = await refreshSession();
    if (!fresh) return response;
    response = await send(path, options, fresh.accessToken);
  }
  return response;
}

/** Call the API and return the envelope's `data` (throws ApiError on an error body). */
export async function api<T>(path: string, options: RequestOptions = {}): Promise<T> {
  return readEnvelope<T>(await authorized(path, options));
}

/** Fetch a binary (PNG preview, CSV) with the token; returns an object URL. */
export async function blobUrl(path: string, query?: Query): Promise<string> {
  const response = await authorized(path, { query });
  if (!response.ok) await readEnvelope(response);
  return URL.createObjectURL(await response.blob());
}

/** Download a file that needs the token (an <a href> cannot carry it). */
export async function download(path: string, query: Query, filename: string): Promise<void> {
  const url = await blobUrl(path, query);
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
