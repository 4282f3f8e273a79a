#!/usr/bin/env node
// The quality page in Debian's Chromium (playwright-core), against a real gateway serving the
// built dashboard, after tests/e2e/test_quality_ui.py planted an out-of-control run on a check
// over the public API (a baseline in spec, its limits reset, then a run of 9 above the centre
// line and a point beyond 3σ).
//
//   node e2e/quality.e2e.mjs <gateway-url> --check temp_sensor --run-lot <LOT ending rule 2>
//        --outlier-lot <LOT of rule 1> --downloads <dir> [--screenshots <dir>]
//
// It opens the Quality page with its filters in the URL (check, days), checks both LOTs are
// red points on the control chart, reloads and finds the same filters and chart, finds the
// spc.violation alerts in the banner and on the Alerts page, and downloads the Alerts table
// as CSV and XLSX and the capability table as CSV into --downloads (the Python side reads
// them). Results are `RESULT key=value` lines; a failed check prints `FAIL …` and exits 1.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DESKTOP, KOREAN, launch, login } from './lib/chromium.mjs';

const argv = process.argv.slice(2);
const baseUrl = (argv.find((a) => /^https?:/.test(a)) ?? '').replace(/\/$/, '');
const opt = (name) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : undefined;
};
const check = opt('check') ?? 'temp_sensor';
// The process whose alerts the banner and the Alerts page show (the check's step).
const subject = opt('subject') ?? 'PROC-003';
const runLot = opt('run-lot');
const outlierLot = opt('outlier-lot');
const downloads = opt('downloads');
const shotsDir = opt('screenshots');
if (!baseUrl || !runLot || !outlierLot || !downloads) {
  console.error('usage: quality.e2e.mjs <gateway-url> --run-lot <lot> --outlier-lot <lot> --downloads <dir>');
  process.exit(2);
}

class CheckFailed extends Error {}
function expect(condition, message) {
  if (!condition) throw new CheckFailed(message);
}
function result(key, value) {
  console.log(`RESULT ${key}=${value}`);
}

/** A day in the factory's zone (Asia/Seoul), `offset` days from today, as YYYY-MM-DD. */
function factoryDay(offset = 0) {
  const day = new Date(Date.now() + offset * 86_400_000);
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Seoul' }).format(day);
}

async function save(page, container, format, name) {
  const [download] = await Promise.all([
    page.waitForEvent('download', { timeout: 10_000 }),
    page.locator(`[data-testid="${container}-export"] [data-testid="export-${format}"]`).click(),
  ]);
  const path = join(downloads, name);
  await download.saveAs(path);
  result(`download_${name.replace('.', '_')}`, download.suggestedFilename());
  return path;
}

async function flaggedLots(page) {
  return page.evaluate(() => [...document.querySelectorAll('[data-testid="control-chart"] [data-testid="spc-violation"]')].map((c) => c.getAttribute('data-lot')));
}

let browser = null;
for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => {
    console.log(`FAIL stopped by ${signal}`);
    (browser ? browser.close() : Promise.resolve()).finally(() => process.exit(1));
  });
}

async function main() {
  mkdirSync(downloads, { recursive: true });
  browser = await launch();
  const pageErrors = [];
  try {
    const ctx = await browser.newContext({ viewport: DESKTOP, ...KOREAN, acceptDownloads: true });
    const page = await ctx.newPage();
    page.on('pageerror', (err) => pageErrors.push(String(err)));
    await login(page, baseUrl, 'quality', 'demo-quality-1234');

    // the control chart of the check, for yesterday and today, from the URL
    const since = factoryDay(-1);
    const until = factoryDay(0);
    const query = `check=${encodeURIComponent(check)}&since=${since}&until=${until}`;
    await page.goto(`${baseUrl}/quality?${query}`);
    const chart = page.getByTestId('control-chart');
    const bothFlagged = async () => {
      await chart.waitFor({ timeout: 15_000 });
      await page.waitForFunction(
        (lots) => {
          const red = [...document.querySelectorAll('[data-testid="control-chart"] [data-testid="spc-violation"]')].map((c) => c.getAttribute('data-lot'));
          return lots.every((l) => red.includes(l));
        },
        [runLot, outlierLot],
        { timeout: 15_000 },
      );
    };
    await bothFlagged();
    const flagged = await flaggedLots(page);
    result('flagged', [runLot, outlierLot].map((l) => (flagged.includes(l) ? 'yes' : 'no')).join(','));
    result('chart_summary', (await page.getByTestId('control-chart-summary').innerText()).replace(/\s+/g, ' '));

    // the filters survive a reload: same URL, same inputs, same chart
    await page.reload();
    await bothFlagged();
    const sinceValue = await page.locator('[data-testid="filter-since"] input').inputValue();
    const untilValue = await page.locator('[data-testid="filter-until"] input').inputValue();
    const url = new URL(page.url());
    const kept = [url.searchParams.get('check') === check ? 'check' : '', sinceValue === since ? 'since' : '', untilValue === until ? 'until' : ''];
    result('filters_after_reload', kept.filter(Boolean).join(','));
    expect(kept.every(Boolean), `filters lost on reload: ${page.url()} since=${sinceValue} until=${untilValue}`);

    // the alert is in the banner on every page
    await page.getByTestId('alert-banner').waitFor({ timeout: 15_000 });
    const subjects = (await page.getByTestId('alert-banner').getAttribute('data-subjects')) ?? '';
    result('banner_subjects_has_subject', subjects.split(',').includes(subject) ? 1 : 0);
    if (shotsDir) {
      mkdirSync(shotsDir, { recursive: true });
      await page.getByTestId('spc-chart').scrollIntoViewIfNeeded();
      await page.waitForTimeout(400); // let the chart and fonts settle
      await page.screenshot({ path: join(shotsDir, '19-control-chart.png') });
    }
    const capabilityCsv = await save(page, 'capability-table', 'csv', 'capability.csv');

    // the Alerts page lists the rule violations in words; its table downloads as CSV and XLSX
    await page.goto(`${baseUrl}/alerts?status=open&rule=spc.violation`);
    await page.getByTestId('alerts-table').waitFor({ timeout: 15_000 });
    const rows = page.locator(`[data-testid="alerts-table"] [data-alert-subject="${subject}"]`);
    await rows.first().waitFor({ timeout: 15_000 });
    result('alerts_listed', await rows.count());
    result('alert_texts', (await rows.allInnerTexts()).map((x) => x.replace(/\s+/g, ' ')).join(' | '));
    const alertsCsv = await save(page, 'alerts-table', 'csv', 'alerts.csv');
    const alertsXlsx = await save(page, 'alerts-table', 'xlsx', 'alerts.xlsx');
    result('files', [capabilityCsv, alertsCsv, alertsXlsx].join(','));

    expect(!pageErrors.length, `errors in the page: ${pageErrors.join(' | ')}`);
    console.log('E2E OK');
    return 0;
  } finally {
    await browser.close();
  }
}

let code = 1;
try {
  code = await main();
} catch (err) {
  console.log(`FAIL ${err instanceof CheckFailed ? err.message : (err?.stack ?? err)}`);
}
process.exit(code);
