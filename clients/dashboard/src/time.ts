// The one way the dashboard shows a time: the factory's wall clock, `YYYY-MM-DD HH:mm:ss`,
// whatever the browser's own time zone or language. The factory's zone is MES_FACTORY_TIMEZONE
// at build time (the services read the same variable), Asia/Seoul by default.

export const DEFAULT_TIME_ZONE = 'Asia/Seoul';

function configuredZone(): string {
  const env = (import.meta.env as Record<string, string | undefined>).MES_FACTORY_TIMEZONE;
  return env && isTimeZone(env) ? env : DEFAULT_TIME_ZONE;
}

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

let factoryZone = configuredZone();

export function factoryTimeZone(): string {
  return factoryZone;
}

/** For tests (and a future runtime setting): another factory zone. */
export function setFactoryTimeZone(zone: string): void {
  if (!isTimeZone(zone)) throw new RangeError(`unknown time zone ${zone}`);
  factoryZone = zone;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function partsIn(zone: string, d: Date): Record<'year' | 'month' | 'day' | 'hour' | 'minute' | 'second', string> {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
    });
    formatters.set(zone, f);
  }
  const out: Record<string, string> = {};
  for (const p of f.formatToParts(d)) out[p.type] = p.value;
  return out as ReturnType<typeof partsIn>;
}

function toDate(value: string | number | Date): Date {
  return value instanceof Date ? value : new Date(value);
}

/** `YYYY-MM-DD HH:mm:ss` in the factory's zone; '–' for nothing, the input if unparseable. */
export function formatDateTime(value: string | number | Date | null | undefined, zone = factoryZone): string {
  if (value === null || value === undefined || value === '') return '–';
  const d = toDate(value);
  if (Number.isNaN(d.getTime())) return String(value);
  const p = partsIn(zone, d);
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}:${p.second}`;
}

/** The factory's calendar date (`YYYY-MM-DD`) at an instant. */
export function factoryDate(at: string | number | Date = new Date(), zone = factoryZone): string {
  const p = partsIn(zone, toDate(at));
  return `${p.year}-${p.month}-${p.day}`;
}

/** The factory's hour (0–23) at an instant. */
export function factoryHour(at: string | number | Date = new Date(), zone = factoryZone): number {
  return Number(partsIn(zone, toDate(at)).hour);
}

/** Minutes the zone is ahead of UTC at an instant (e.g. +540 for Asia/Seoul). */
export function zoneOffsetMinutes(at: Date, zone = factoryZone): number {
  const p = partsIn(zone, at);
  const wall = Date.UTC(+p.year, +p.month - 1, +p.day, +p.hour, +p.minute, +p.second);
  return Math.round((wall - Math.floor(at.getTime() / 1000) * 1000) / 60_000);
}

/** Midnight of a factory date as ISO 8601 with the zone's offset, e.g.
 * `2025-11-10T00:00:00+09:00` (the API's `since`/`until` take aware timestamps). */
export function factoryDayStart(date: string, zone = factoryZone): string {
  // the zone's offset on that day (taken at noon UTC; off only on a daylight-saving change-over)
  const offset = zoneOffsetMinutes(new Date(`${date}T12:00:00Z`), zone);
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.abs(offset);
  const hh = String(Math.floor(abs / 60)).padStart(2, '0');
  const mm = String(abs % 60).padStart(2, '0');
  return `${date}T00:00:00${sign}${hh}:${mm}`;
}

/** The calendar day after `YYYY-MM-DD`. */
export function nextDate(date: string): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
}

const TIMESTAMP_RE = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/;

/** An ISO 8601 instant with a zone (as the services write them), worth formatting. */
export function isTimestamp(value: unknown): value is string {
  return typeof value === 'string' && TIMESTAMP_RE.test(value) && !Number.isNaN(new Date(value).getTime());
}
