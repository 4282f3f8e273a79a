// The gateway's live feed (Server-Sent Events at /api/v1/live), kept connected.
//
// EventSource cannot send an Authorization header, so the access token travels as
// `?access_token=`. A browser's own reconnect would reuse that URL (and, after 15 minutes,
// a dead token), so on any error we close the source and reconnect ourselves: exponential
// backoff with jitter, a fresh token, and `?cursor=` set to the SSE id of the last event we
// received, so nothing published while we were away is lost. Every reconnect also asks the
// app to refetch what is on screen (a tab that has not received an event yet has no cursor).
import type { LiveEvent } from '../api/types';

export const LIVE_EVENT_TYPES = [
  'lot.created',
  'lot.status_changed',
  'serials.allocated',
  'serials.status_changed',
  'process.started',
  'process.completed',
  'labels.printed',
  'labels.failed',
  'firmware.released',
  'firmware.rolled_back',
  'printer.status_changed',
  'alert.raised',
  'alert.acknowledged',
  'alert.resolved',
] as const;

export type FeedStatus = 'connecting' | 'open' | 'reconnecting' | 'closed';

export interface EventSourceLike {
  onopen: ((this: unknown, ev: Event) => unknown) | null;
  onerror: ((this: unknown, ev: Event) => unknown) | null;
  addEventListener(type: string, listener: (ev: MessageEvent) => void): void;
  close(): void;
}

export type EventSourceFactory = (url: string) => EventSourceLike;

export interface LiveFeedOptions {
  /** a valid access token, or null when signed out (the feed then stops) */
  token: () => Promise<string | null>;
  onEvent: (event: LiveEvent) => void;
  onStatus?: (status: FeedStatus) => void;
  /** a connection opened after an earlier one was lost: events may have been missed (a tab
   * that has not received any event yet has no cursor to resume from), so refetch */
  onReconnect?: () => void;
  path?: string;
  factory?: EventSourceFactory;
  random?: () => number;
  baseDelayMs?: number;
  maxDelayMs?: number;
}

/** Delay before reconnect attempt `attempt` (1, 2, …): base·2^(n-1), capped, ±25 % jitter. */
export function backoffDelay(attempt: number, baseMs = 1000, maxMs = 30_000, random: () => number = Math.random): number {
  const exp = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
  const jitter = 0.75 + random() * 0.5;
  return Math.round(Math.min(maxMs, exp * jitter));
}

export function feedUrl(path: string, token: string, cursor: string | null): string {
  const params = new URLSearchParams({ access_token: token });
  if (cursor) params.set('cursor', cursor);
  return `${path}?${params.toString()}`;
}

export class LiveFeed {
  private source: EventSourceLike | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private attempt = 0;
  private stopped = true;
  private everOpened = false;
  /** SSE id of the last event received: the resume cursor */
  cursor: string | null = null;
  status: FeedStatus = 'closed';

  constructor(private readonly options: LiveFeedOptions) {}

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.setStatus('connecting');
    void this.connect();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.source?.close();
    this.source = null;
    this.setStatus('closed');
  }

  private setStatus(status: FeedStatus): void {
    if (this.status === status) return;
    this.status = status;
    this.options.onStatus?.(status);
  }

  private async connect(): Promise<void> {
    let token: string | null = null;
    try {
      token = await this.options.token();
    } catch {
      token = null;
      if (!this.stopped) {
        this.scheduleReconnect();
        return;
      }
    }
    if (this.stopped) return;
    if (!token) {
      this.stop();
      return;
    }
    const factory = this.options.factory ?? ((url: string) => new EventSource(url) as unknown as EventSourceLike);
    const source = factory(feedUrl(this.options.path ?? '/api/v1/live', token, this.cursor));
    this.source = source;
    source.onopen = () => {
      if (this.source !== source) return;
      this.attempt = 0;
      this.setStatus('open');
      if (this.everOpened) this.options.onReconnect?.();
      this.everOpened = true;
    };
    source.onerror = () => {
      if (this.source !== source) return;
      source.close();
      this.source = null;
      if (!this.stopped) this.scheduleReconnect();
    };
    for (const type of LIVE_EVENT_TYPES) {
      source.addEventListener(type, (message: MessageEvent) => {
        if (this.source !== source) return;
        if (message.lastEventId) this.cursor = message.lastEventId;
        const event = parseEvent(type, message.data);
        if (event) this.options.onEvent(event);
      });
    }
  }

  private scheduleReconnect(): void {
    this.attempt += 1;
    this.setStatus(this.attempt > 3 ? 'closed' : 'reconnecting');
    const delay = backoffDelay(
      this.attempt,
      this.options.baseDelayMs ?? 1000,
      this.options.maxDelayMs ?? 30_000,
      this.options.random,
    );
    this.timer = setTimeout(() => {
      this.timer = null;
      if (!this.stopped) void this.connect();
    }, delay);
  }
}

export function parseEvent(type: string, raw: unknown): LiveEvent | null {
  if (typeof raw !== 'string') return null;
  try {
    const body = JSON.parse(raw) as Partial<LiveEvent>;
    if (!body || typeof body.id !== 'string') return null;
    return {
      id: body.id,
      type: body.type ?? type,
      time: body.time ?? new Date().toISOString(),
      subject: body.subject ?? null,
      actor: body.actor ?? null,
      data: (body.data as Record<string, unknown>) ?? {},
    };
  } catch {
    return null;
  }
}
