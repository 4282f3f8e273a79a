// UI state (Zustand): language, the signed-in session, the live feed's status and events.
// Server data lives in TanStack Query, not here.
import { create } from 'zustand';
import type { LiveEvent, User } from './api/types';

export type Lang = 'ko' | 'en';
export type LiveStatus = 'connecting' | 'open' | 'reconnecting' | 'closed';

export interface Session {
  user: User;
  accessToken: string;
  refreshToken: string;
  /** epoch ms when the access token expires */
  expiresAt: number;
}

export interface LabelState {
  state: 'printed' | 'failed';
  printer: string | null;
  error: string | null;
  willRetry: boolean;
}

const SESSION_KEY = 'mes.session';
const LANG_KEY = 'mes.lang';
export const MAX_FEED = 100;

function storage(): Storage | null {
  try {
    return typeof window !== 'undefined' ? window.localStorage : null;
  } catch {
    return null;
  }
}

export function loadSession(): Session | null {
  const raw = storage()?.getItem(SESSION_KEY);
  if (!raw) return null;
  try {
    const s = JSON.parse(raw) as Session;
    return s && s.refreshToken && s.user ? s : null;
  } catch {
    return null;
  }
}

export function saveSession(session: Session | null): void {
  const st = storage();
  if (!st) return;
  if (session) st.setItem(SESSION_KEY, JSON.stringify(session));
  else st.removeItem(SESSION_KEY);
}

function initialLang(): Lang {
  const saved = storage()?.getItem(LANG_KEY);
  return saved === 'en' ? 'en' : 'ko';
}

interface UiState {
  lang: Lang;
  setLang: (lang: Lang) => void;
  session: Session | null;
  setSession: (session: Session | null) => void;
  sessionExpired: boolean;
  live: LiveStatus;
  setLive: (status: LiveStatus) => void;
  /** newest first */
  events: LiveEvent[];
  pushEvents: (events: LiveEvent[]) => void;
  /** LOT label outcome learnt from labels.printed / labels.failed, by LOT number */
  lotLabels: Record<string, LabelState>;
}

export const useUi = create<UiState>((set) => ({
  lang: initialLang(),
  setLang: (lang) => {
    storage()?.setItem(LANG_KEY, lang);
    if (typeof document !== 'undefined') document.documentElement.lang = lang;
    set({ lang });
  },
  session: loadSession(),
  setSession: (session) => {
    saveSession(session);
    set((s) => ({
      session,
      sessionExpired: session ? false : s.session !== null && s.sessionExpired,
      ...(session ? {} : { events: [], lotLabels: {} }),
    }));
  },
  sessionExpired: false,
  live: 'closed',
  setLive: (live) => set({ live }),
  events: [],
  pushEvents: (incoming) =>
    set((s) => {
      const seen = new Set(s.events.map((e) => e.id));
      const fresh = incoming.filter((e) => !seen.has(e.id));
      if (!fresh.length) return {};
      const lotLabels = { ...s.lotLabels };
      for (const e of fresh) {
        const label = labelOutcome(e);
        if (label) lotLabels[label.lot] = label.state;
      }
      const events = [...fresh.reverse(), ...s.events].slice(0, MAX_FEED);
      return { events, lotLabels };
    }),
  lotLabels: {},
}));

/** What a labels.printed / labels.failed event (a batch of one LOT's labels) says about
 * that LOT's LOT label, if the batch holds it. */
export function labelOutcome(e: LiveEvent): { lot: string; state: LabelState } | null {
  if (e.type !== 'labels.printed' && e.type !== 'labels.failed') return null;
  const d = e.data as Record<string, unknown>;
  if (typeof d.lot_number !== 'string' || !Array.isArray(d.labels)) return null;
  const label = (d.labels as Record<string, unknown>[]).find((l) => l.label_type === 'LOT');
  if (!label) return null;
  return {
    lot: d.lot_number,
    state: {
      state: e.type === 'labels.printed' ? 'printed' : 'failed',
      printer: typeof label.printer_id === 'string' ? label.printer_id : null,
      error: typeof label.error_code === 'string' ? label.error_code : null,
      willRetry: label.will_retry === true,
    },
  };
}

export function markSessionExpired(): void {
  saveSession(null);
  useUi.setState({ session: null, sessionExpired: true, events: [], lotLabels: {} });
}
