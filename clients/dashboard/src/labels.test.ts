import { describe, expect, it } from 'vitest';
import { messages } from './i18n';
import { checkLabel, defectFinding, errorCodeLabel, fieldLabel, indexLabel, KNOWN_VALUES, specText, statusKey, statusLabel, statusTone, stepStatus, valueLabel, valueTone, type StatusKind } from './labels';

describe('status labels', () => {
  it('has words for every status the services send, in both languages', () => {
    for (const lang of ['ko', 'en'] as const) {
      for (const [kind, values] of Object.entries(KNOWN_VALUES) as [StatusKind, readonly string[]][]) {
        for (const value of values) {
          expect(statusKey(kind, value) in messages[lang], `${lang} ${kind} ${value}`).toBe(true);
          expect(statusLabel(lang, kind, value)).not.toMatch(/\b[A-Z]{2,}_[A-Z_]+\b|\b[a-z]+_[a-z_]+\b/);
        }
      }
    }
  });

  it('translates the codes the issue saw raw', () => {
    expect(statusLabel('ko', 'printer', 'not_connected')).toBe('연결 안 됨');
    expect(statusLabel('ko', 'job', 'queued')).toBe('대기');
    expect(statusLabel('ko', 'job', 'retrying')).toBe('재시도 중');
    expect(statusLabel('ko', 'process', 'IN_PROGRESS')).toBe('진행 중');
    expect(statusLabel('ko', 'serial', 'PASSED')).toBe('합격');
    expect(statusLabel('en', 'job', 'sent')).toBe('Printed');
    expect(statusLabel('ko', 'lot', null)).toBe('–');
    // a value nobody named yet is still words, not a code
    expect(statusLabel('en', 'printer', 'lid_ajar')).toBe('Lid ajar');
  });

  it('colours defects, holds and faults red', () => {
    expect(statusTone('result', 'FAIL')).toBe('error');
    expect(statusTone('result', 'HOLD')).toBe('error');
    expect(statusTone('serial', 'FAILED')).toBe('error');
    expect(statusTone('job', 'failed')).toBe('error');
    expect(statusTone('printer', 'not_connected')).toBe('error');
    expect(statusTone('printer', 'ready')).toBe('success');
    expect(statusTone('result', 'PASS')).toBe('success');
    expect(valueTone('FAIL')).toBe('error');
    expect(valueTone('W001')).toBeNull();
  });

  it('names a failed step by its verdict, a passed one by its state', () => {
    expect(stepStatus('COMPLETED', 'FAIL')).toEqual({ kind: 'result', value: 'FAIL' });
    expect(stepStatus('COMPLETED', 'PASS')).toEqual({ kind: 'process', value: 'COMPLETED' });
    expect(stepStatus('IN_PROGRESS', null)).toEqual({ kind: 'process', value: 'IN_PROGRESS' });
  });

  it('explains printer error codes', () => {
    expect(errorCodeLabel('ko', 'PRINTER_NOT_CONNECTED')).toBe('프린터가 연결되어 있지 않습니다');
    expect(errorCodeLabel('en', 'NO_PRINTER_ASSIGNED')).toBe('No printer serves this label');
    expect(errorCodeLabel('en', 'SOMETHING_NEW', 'Something new happened')).toBe('Something new happened');
  });
});

describe('check names and process-data fields', () => {
  it('derives a check label from the name’s structure', () => {
    expect(checkLabel('ko', 'test_results[T38_P170]')).toBe('성능검사 T38 / 170 kgf');
    expect(checkLabel('en', 'test_results[T50_P180]')).toBe('Performance test T50 / 180 kgf');
    expect(checkLabel('ko', 'temp_sensor')).toBe('온도 센서');
    expect(checkLabel('ko', 'temp_sensor.measured_temp')).toBe('온도 센서 · 측정 온도');
    expect(checkLabel('ko', 'process_data.tof_sensor.i2c_communication')).toBe('TOF 센서 · I2C 통신');
    expect(checkLabel('ko', 'test_results[0].spec.target_force')).toBe('성능검사 #1 · 규격 · 목표 하중');
    expect(checkLabel('en', 'overall_result')).toBe('Overall result');
    expect(checkLabel('en', 'marking_result')).toBe('Marking result');
  });

  it('names component LOTs and unknown fields in words', () => {
    expect(fieldLabel('ko', 'sma_spring_lot')).toBe('SMA 스프링 LOT');
    expect(fieldLabel('en', 'busbar_lot')).toBe('Busbar LOT');
    expect(fieldLabel('en', 'glue_lot')).toBe('Glue LOT');
    expect(fieldLabel('en', 'vibration_peak_hz')).toBe('Vibration peak hz');
    // an id as a key (the audit trail's serial statuses) stays as it is
    expect(fieldLabel('ko', 'WF-KR-251110D-001-0001')).toBe('WF-KR-251110D-001-0001');
    expect(indexLabel('en', 'TP_A')).toBe('TP / A');
  });

  it('shows values as words: verdicts, yes/no, factory times, shifts, roles', () => {
    expect(valueLabel('ko', 'SUCCESS')).toBe('성공');
    expect(valueLabel('ko', 'FAIL')).toBe('불합격');
    expect(valueLabel('ko', true)).toBe('예');
    expect(valueLabel('en', false)).toBe('No');
    expect(valueLabel('ko', '2026-12-03T11:37:02.400619+00:00')).toBe('2026-12-03 20:37:02');
    expect(valueLabel('ko', 'N', 'shift')).toBe('야간 (N)');
    expect(valueLabel('ko', 'production_manager', 'role')).toBe('생산 관리자');
    expect(valueLabel('ko', 'SERIAL', 'purpose')).toBe('시리얼 라벨');
    expect(valueLabel('ko', 'queued', 'state')).toBe('대기');
    expect(valueLabel('ko', 'PROC-007_START')).toBe('라벨 프린팅 착공');
    expect(valueLabel('ko', 'WF-KR-251110D-001')).toBe('WF-KR-251110D-001');
    expect(valueLabel('ko', 62.4)).toBe('62.4');
    expect(valueLabel('ko', 'test_results[T38_P170]', 'check')).toBe('성능검사 T38 / 170 kgf');
    expect(valueLabel('ko', 'sma_spring', 'component_type')).toBe('SMA 스프링');
  });
});

describe('defects', () => {
  const temp = { check_name: 'temp_sensor', measured: 62.4, target: 60, tolerance: 1, lower_limit: 59, upper_limit: 61, unit: '°C' };

  it('shows NCR and hold values in words (the audit trail of a disposition)', () => {
    expect(valueLabel('ko', 'USE_AS_IS', 'disposition')).toBe('특채 (그대로 사용)');
    expect(valueLabel('en', 'REWORK_PASSED', 'cause')).toBe('Rework passed');
    expect(valueLabel('ko', 'OPEN', 'status')).toBe('처분 대기');
    expect(statusLabel('ko', 'entity', 'ncr')).toBe('부적합 보고서');
    expect(statusTone('ncr', 'OPEN')).toBe('error');
    expect(statusTone('holdPhase', 'REWORK')).toBe('error');
  });

  it('gives the spec and the finding in the UI language', () => {
    expect(specText(temp)).toBe('59 ~ 61 °C');
    expect(specText({ target: 12.8, tolerance: 1, unit: 'kgf' })).toBe('12.8 ± 1 kgf');
    expect(specText({ check_name: 'marking_result', measured: 'FAIL' })).toBe('–');
    expect(defectFinding('ko', { ...temp, message: 'Temperature: 62.4 °C, spec 60.0 ± 1.0 °C' })).toBe('규격 이탈');
    expect(defectFinding('ko', { ...temp, message: 'Temperature: 62.4 °C outside spec 60.0 ± 1.0 °C although reported PASS' })).toBe(
      '규격 이탈 (검사기는 합격으로 보고)',
    );
    expect(defectFinding('ko', { ...temp, measured: 60.2 })).toBe('검사기 불합격 판정');
    expect(defectFinding('ko', { ...temp, measured: null })).toBe('측정값 없음');
    expect(defectFinding('ko', { check_name: 'marking_result', measured: 'FAIL' })).toBe('보고값: 불합격');
    expect(defectFinding('en', { check_name: 'tof_sensor', measured: false })).toBe('Reported: No');
  });
});
