// @vitest-environment node
import { describe, expect, it } from 'vitest';
import { alert, alertEvent, HELD, PAPER_OUT } from '../test/fixtures/alerts';
import { activeCount, applyAlertEvent, bannerAlerts, mergeActive, withAlert } from './active';
import { alertText, ruleLabel } from './text';

const ids = (xs: { alert_id: string }[]) => xs.map((a) => a.alert_id);

describe('the unresolved alerts, kept from the feed', () => {
  it('a raised alert appears in the banner and the count', () => {
    const after = applyAlertEvent([], alertEvent('alert.raised', alert('1')));
    expect(ids(bannerAlerts(after))).toEqual(['1']);
    expect(activeCount(after)).toBe(1);
    expect(after[0]).toMatchObject({ status: 'open', subject_id: HELD, code: 'ALERT_LOT_HELD' });
  });

  it('an acknowledged alert leaves the banner but is still counted until resolved', () => {
    let active = applyAlertEvent([], alertEvent('alert.raised', alert('1')));
    active = applyAlertEvent(active, alertEvent('alert.acknowledged', alert('1'), { acknowledged_by: 'worker', acknowledged_at: '2026-12-04T02:00:00Z', note: '확인' }));
    expect(bannerAlerts(active)).toEqual([]);
    expect(activeCount(active)).toBe(1);
    expect(active[0]).toMatchObject({ status: 'acknowledged', acknowledged_by: 'worker', note: '확인', raised_at: '2026-12-04T01:00:00+00:00' });
    active = applyAlertEvent(active, alertEvent('alert.resolved', alert('1'), { resolved_at: '2026-12-04T02:05:00Z' }));
    expect(activeCount(active)).toBe(0);
  });

  it('a resolved alert disappears from the banner', () => {
    const active = applyAlertEvent([alert('1'), alert('2')], alertEvent('alert.resolved', alert('1'), { resolved_at: '2026-12-04T02:05:00Z' }));
    expect(ids(bannerAlerts(active))).toEqual(['2']);
  });

  it('a replayed raise (a resumed feed) neither reopens an acknowledged alert nor doubles it', () => {
    const acked = alert('1', { status: 'acknowledged', acknowledged_at: '2026-12-04T01:30:00Z', acknowledged_by: 'admin' });
    const active = applyAlertEvent([acked], alertEvent('alert.raised', alert('1')));
    expect(active).toEqual([acked]);
    expect(bannerAlerts(active)).toEqual([]);
  });

  it('the resolution of an alert it never had changes nothing; other events are ignored', () => {
    const active = [alert('1')];
    expect(applyAlertEvent(active, alertEvent('alert.resolved', alert('9')))).toBe(active);
    expect(applyAlertEvent(active, { id: 'x', type: 'lot.created', time: '', subject: null, data: {} })).toBe(active);
    expect(applyAlertEvent(active, { id: 'y', type: 'alert.raised', time: '', subject: null, data: {} })).toBe(active);
  });

  it('the banner lists the most severe first, then the newest', () => {
    const older = alert('1', { raised_at: '2026-12-04T00:00:00+00:00' });
    const newer = alert('2', { raised_at: '2026-12-04T01:50:00+00:00' });
    const info = alert('3', { severity: 'info', raised_at: '2026-12-04T01:59:00+00:00' });
    expect(ids(bannerAlerts([older, info, PAPER_OUT, newer]))).toEqual(['7', '2', '1', '3']);
  });

  it('merges the fetched open and acknowledged lists, an acknowledgement answered replaces its alert', () => {
    const acked = alert('2', { status: 'acknowledged', acknowledged_at: '2026-12-04T01:30:00Z' });
    const active = mergeActive([alert('1'), PAPER_OUT], [acked, alert('1')]);
    expect(ids(active)).toEqual(['7', '2', '1']);
    expect(ids(bannerAlerts(active))).toEqual(['7', '1']);
    const after = withAlert(active, { ...PAPER_OUT, status: 'acknowledged', acknowledged_at: '2026-12-04T02:00:00Z' });
    expect(ids(bannerAlerts(after))).toEqual(['1']);
    expect(activeCount(withAlert(after, { ...PAPER_OUT, status: 'resolved', resolved_at: '2026-12-04T02:01:00Z' }))).toBe(2);
  });
});

describe('alert texts', () => {
  it('translates the codes with their params, the English message for an unknown code', () => {
    expect(alertText('ko', alert('1'))).toBe(`LOT ${HELD} 보류: NCR-20261204-001`);
    expect(alertText('en', PAPER_OUT)).toBe('Printer PRINTER-01: Out of paper');
    expect(alertText('ko', PAPER_OUT)).toBe('프린터 PRINTER-01: 용지 없음');
    const dlq = alert('3', { code: 'ALERT_DEAD_LETTERS', subject_type: 'stream', subject_id: 'process.completed', params: { stream: 'process.completed', count: 4 } });
    expect(alertText('en', dlq)).not.toMatch(/_/);
    const rate = alert('4', { code: 'ALERT_DEFECT_RATE', params: { process_id: 'PROC-003', rate: 0.125, threshold: 0.05 } });
    expect(alertText('en', rate)).toBe('PROC-003 Sensor inspection: 12.5% defective today (over 5%)');
    expect(alertText('en', alert('5', { code: 'ALERT_SOMETHING_NEW', message: 'Something new' }))).toBe('Something new');
    expect(ruleLabel('ko', 'printer.head_open')).toBe('프린터: 헤드 열림');
    expect(ruleLabel('en', 'lot.held')).toBe('LOT on hold');
  });

  it('names a stalled LOT with its step, idle minutes and takt', () => {
    const stalled = alert('6', {
      rule: 'lot.stalled',
      code: 'ALERT_LOT_STALLED',
      params: { process_id: 'PROC-003', process_name: '센서 검사', idle_minutes: 95, takt_seconds: 1800, multiple: 3 },
    });
    expect(alertText('en', stalled)).toBe(`LOT ${HELD} stalled at PROC-003 Sensor inspection: no activity for 95 min (over 3 × the 30-min takt)`);
    expect(alertText('ko', stalled)).toBe(`LOT ${HELD}: PROC-003 센서 검사에서 95분째 진행 없음 (택트 30분의 3배 초과)`);
    expect(ruleLabel('ko', 'lot.stalled')).toBe('LOT 정체');
  });

  it('names an SPC violation with its check, rule and LOT', () => {
    const spc = alert('7', {
      rule: 'spc.violation',
      code: 'ALERT_SPC_VIOLATION',
      subject_type: 'process',
      subject_id: 'PROC-003',
      params: { check: 'test_results[T38_P170]', process_id: 'PROC-006', rule: '1', description: 'one point beyond 3 sigma', lot_number: HELD, limits_version: 1 },
    });
    expect(alertText('ko', spc)).toBe(`성능검사 T38 / 170 kgf: SPC 규칙 1 위반 (1점이 3σ 밖), LOT ${HELD}`);
    expect(alertText('en', spc)).toBe(`Performance test T38 / 170 kgf: SPC rule 1 (one point beyond 3σ), LOT ${HELD}`);
    expect(ruleLabel('en', 'spc.violation')).toBe('SPC out of control');
  });
});
