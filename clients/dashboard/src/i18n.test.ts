import { describe, expect, it } from 'vitest';
import { messages, processName, translate } from './i18n';
import { useUi } from './store';

describe('i18n', () => {
  it('defaults to Korean', () => {
    expect(useUi.getState().lang).toBe('ko');
  });

  it('has every key in both languages, none empty', () => {
    const ko = Object.keys(messages.ko).sort();
    const en = Object.keys(messages.en).sort();
    expect(en).toEqual(ko);
    for (const lang of ['ko', 'en'] as const) {
      for (const [key, text] of Object.entries(messages[lang])) expect(text.trim(), `${lang}:${key}`).not.toBe('');
    }
  });

  it('names every event type of the catalogue (mes_contracts.events)', () => {
    const types = [
      'lot.created', 'lot.status_changed', 'serials.allocated', 'serials.status_changed', 'process.started', 'process.completed',
      'routing.updated', 'labels.printed', 'labels.failed', 'firmware.uploaded', 'firmware.released', 'firmware.rolled_back',
      'firmware.downloaded', 'user.created', 'user.updated', 'user.deactivated', 'printer.registered', 'printer.updated',
      'serial.status_changed', 'label.printed', 'label.failed', 'lot.close_accepted', 'lot.held', 'lot.released',
      'ncr.opened', 'ncr.closed', 'printer.status_changed', 'alert.raised', 'alert.acknowledged', 'alert.resolved',
    ];
    for (const lang of ['ko', 'en'] as const) for (const type of types) expect(`event.${type}` in messages[lang], `${lang} ${type}`).toBe(true);
  });

  it('fills placeholders and keeps unknown ones', () => {
    expect(translate('ko', 'overview.title', { date: '2025-11-10' })).toBe('금일 생산 현황 (2025-11-10)');
    expect(translate('en', 'common.page', { from: 1, to: 20 })).toBe('1–20 of {total}');
  });

  it('names processes from routing data, else the built-in routing', () => {
    expect(processName('ko', 'PROC-004')).toBe('펌웨어 업로드');
    expect(processName('en', 'PROC-004')).toBe('Firmware upload');
    expect(processName('en', 'PROC-009', { name_ko: '신규', name_en: 'New step' })).toBe('New step');
    expect(processName('en', 'PROC-009', { name_ko: '신규', name_en: null })).toBe('신규');
  });

  it('switching the language is remembered', () => {
    useUi.getState().setLang('en');
    expect(window.localStorage.getItem('mes.lang')).toBe('en');
    expect(document.documentElement.lang).toBe('en');
    useUi.getState().setLang('ko');
  });
});
