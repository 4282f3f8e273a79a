import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_TIME_ZONE, factoryDate, factoryDayStart, factoryHour, factoryTimeZone, formatDateTime, isTimestamp, nextDate, setFactoryTimeZone } from './time';

describe('one time format', () => {
  afterEach(() => setFactoryTimeZone(DEFAULT_TIME_ZONE));

  it('shows every instant as YYYY-MM-DD HH:mm:ss on the factory clock (Asia/Seoul)', () => {
    expect(factoryTimeZone()).toBe('Asia/Seoul');
    // a UTC stamp, a KST stamp and a stamp with fractions all read the same way
    expect(formatDateTime('2025-11-10T00:10:00Z')).toBe('2025-11-10 09:10:00');
    expect(formatDateTime('2025-11-10T09:10:00+09:00')).toBe('2025-11-10 09:10:00');
    expect(formatDateTime('2026-12-03T11:37:02.400619+00:00')).toBe('2026-12-03 20:37:02');
    expect(formatDateTime(new Date(Date.UTC(2025, 0, 1, 15, 0, 0)))).toBe('2025-01-02 00:00:00');
  });

  it('uses 00–23 hours, never 24 or AM/PM, whatever the browser language', () => {
    expect(formatDateTime('2025-11-10T15:00:00Z')).toBe('2025-11-11 00:00:00');
    expect(formatDateTime('2025-11-10T14:59:59Z')).toBe('2025-11-10 23:59:59');
  });

  it('says nothing for nothing and keeps what it cannot read', () => {
    expect(formatDateTime(null)).toBe('–');
    expect(formatDateTime(undefined)).toBe('–');
    expect(formatDateTime('')).toBe('–');
    expect(formatDateTime('not a time')).toBe('not a time');
  });

  it('follows a configured factory zone', () => {
    setFactoryTimeZone('Europe/Berlin');
    expect(formatDateTime('2025-07-01T12:00:00Z')).toBe('2025-07-01 14:00:00');
    expect(formatDateTime('2025-01-01T12:00:00Z')).toBe('2025-01-01 13:00:00');
    expect(factoryDayStart('2025-07-01')).toBe('2025-07-01T00:00:00+02:00');
    expect(() => setFactoryTimeZone('Mars/Olympus')).toThrow(RangeError);
  });

  it('knows the factory date, hour and the start of a factory day', () => {
    expect(factoryDate('2025-11-10T15:30:00Z')).toBe('2025-11-11');
    expect(factoryHour('2025-11-10T15:30:00Z')).toBe(0);
    expect(factoryHour('2025-11-10T10:59:00Z')).toBe(19);
    expect(factoryDayStart('2025-11-10')).toBe('2025-11-10T00:00:00+09:00');
    expect(nextDate('2025-12-31')).toBe('2026-01-01');
  });

  it('recognises the timestamps the services write, not dates or ids', () => {
    expect(isTimestamp('2026-12-03T20:37:02.400619+09:00')).toBe(true);
    expect(isTimestamp('2026-12-03T11:36:53Z')).toBe(true);
    expect(isTimestamp('2026-12-03')).toBe(false);
    expect(isTimestamp('WF-KR-261203N-001')).toBe(false);
    expect(isTimestamp(42)).toBe(false);
  });
});
