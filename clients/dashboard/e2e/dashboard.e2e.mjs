#!/usr/bin/env node
// End-to-end test of the dashboard in Debian's Chromium (playwright-core), against a real
// gateway serving the built dashboard.
//
//   node e2e/dashboard.e2e.mjs <gateway-url> --serial <serial of a LOT through all 8 steps>
//        [--failed-lot <LOT whose PROC-003 failed>] [--component <component LOT>]
//        [--outage] [--label-failure] [--screenshots <dir>] [--chromium /usr/bin/chromium]
//
// Driven by tests/e2e/test_dashboard.py over stdin/stdout: after creating a LOT in the UI
// the script prints `READY <lot>` and waits for a line `DRIVEN` on stdin (the Python side
// started and completed processes through the API meanwhile); then it checks the overview
// changed without a reload. With --outage it then prints `OUTAGE <lot>`: the driver stops
// this gateway, drives the next process through another one, restarts this one and answers
// `DRIVEN <n>`; the page must catch up by itself (reconnect + resume from the SSE cursor).
// With --label-failure it prints `PRINTER_DOWN` (the driver points the LOT printer at a
// dead port and answers `DOWN`), creates a LOT whose label cannot print, checks the LOT's
// success and the label's failure are shown apart, then prints `PRINTER_UP` (answer `UP`).
// It also walks every page as the admin in Korean failing on any raw code on screen, checks
// a failed step is red, the LOT it put on hold is shown so until its NCR is disposed of in
// the UI, the alerts centre (a live raise reaches the banner; the hold's alert in the banner
// and badge, listed on the Alerts page, acknowledged there and gone from the banner), and the
// layout at phone width (390×844).
// Results are printed as `RESULT key=value` lines; any failed
// check prints `FAIL …` and exits 1. The browser is always closed.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { background, isGreen, isRed, layoutFits, rawCodesOnScreen, tableScrollsInside } from './lib/checks.mjs';
import { DESKTOP, KOREAN, launch, login as signIn, PHONE } from './lib/chromium.mjs';
import { measureOverview } from './lib/measure.mjs';

const argv = process.argv.slice(2);
const baseUrl = (argv.find((a) => !a.startsWith('--') && /^https?:/.test(a)) ?? '').replace(/\/$/, '');
const opt = (name) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : undefined;
};
const serial = opt('serial');
const failedLot = opt('failed-lot');
const componentLot = opt('component');
const resumeCheck = argv.includes('--outage');
const labelFailure = argv.includes('--label-failure');
const shotsDir = opt('screenshots');
const executablePath = opt('chromium') ?? process.env.CHROMIUM_PATH;
const UPDATE_BUDGET_MS = 5000;

if (!baseUrl) {
  console.error('usage: dashboard.e2e.mjs <gateway-url> --serial <serial> [--screenshots dir]');
  process.exit(2);
}

const results = {};
function result(key, value) {
  results[key] = value;
  console.log(`RESULT ${key}=${value}`);
}
function step(message) {
  console.log(`STEP ${message}`);
}
class CheckFailed extends Error {}
function check(condition, message) {
  if (!condition) throw new CheckFailed(message);
}

const stdinLines = createInterface({ input: process.stdin });
const waiting = [];
const buffered = [];
stdinLines.on('line', (line) => {
  const next = waiting.shift();
  if (next) next(line.trim());
  else buffered.push(line.trim());
});
function readLine(timeoutMs) {
  if (buffered.length) return Promise.resolve(buffered.shift());
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new CheckFailed('no answer on stdin in time')), timeoutMs);
    waiting.push((line) => {
      clearTimeout(timer);
      resolve(line);
    });
  });
}

async function shot(page, name) {
  if (!shotsDir) return;
  mkdirSync(shotsDir, { recursive: true });
  await page.waitForTimeout(400); // let charts and fonts settle
  await page.screenshot({ path: join(shotsDir, `${name}.png`), fullPage: false });
  step(`screenshot ${name}.png`);
}

/** Until no part of the page says it is loading (the live feed keeps the network busy, so
 * "network idle" never comes). */
async function settled(page) {
  await page.waitForFunction(() => !document.querySelector('[role="status"]'), null, { timeout: 15_000 }).catch(() => undefined);
}

function login(page, username, password) {
  return signIn(page, baseUrl, username, password);
}

async function liveOpen(page) {
  await page.locator('[data-testid="live-status"][data-live="open"]').waitFor({ timeout: 10_000 });
}

/** The subjects / ids of the alerts the banner covers (all of them, not only those it names). */
async function bannerList(page, attr) {
  const value = await page.evaluate((a) => document.querySelector('[data-testid="alert-banner"]')?.getAttribute(a) ?? '', attr);
  return value ? value.split(',') : [];
}

// Process steps started today: the sum of the per-process table (the headline tiles count
// units and LOTs, ADR 0027).
const STEP_STARTS = () =>
  [...document.querySelectorAll('[data-testid="by-process"] [data-col="started"]')].reduce((n, td) => n + Number(td.textContent?.replace(/[^0-9]/g, '') || 0), 0);

async function stepStarts(page) {
  return page.evaluate(STEP_STARTS);
}

const pageErrors = [];
let lastPage = null;
function watch(page, who) {
  lastPage = page;
  page.on('pageerror', (err) => pageErrors.push(`${who}: ${err.message}`));
}

/** On a failure: what the page showed (e2e/out/failure.png) and its errors. */
async function postMortem() {
  if (pageErrors.length) console.log(`PAGE ERRORS ${pageErrors.join(' | ')}`);
  if (!lastPage || lastPage.isClosed()) return;
  try {
    const dir = new URL('./out/', import.meta.url).pathname;
    mkdirSync(dir, { recursive: true });
    await lastPage.screenshot({ path: join(dir, 'failure.png'), timeout: 5000 });
    console.log(`FAILURE PAGE ${lastPage.url()} (screenshot e2e/out/failure.png)`);
  } catch {
    // nothing more to show
  }
}

let browser = null;
for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => {
    console.log(`FAIL stopped by ${signal}`);
    const closing = browser ? browser.close() : Promise.resolve();
    closing.finally(() => process.exit(1));
  });
}

async function main() {
  browser = await launch(executablePath);
  try {
    const viewport = DESKTOP;
    const managerCtx = await browser.newContext({ viewport, ...KOREAN });
    const page = await managerCtx.newPage();
    watch(page, 'manager');

    // -- login ------------------------------------------------------------------------
    await page.goto(`${baseUrl}/`);
    await page.getByTestId('login-submit').waitFor();
    check(page.url().endsWith('/login'), `not sent to /login: ${page.url()}`);
    await shot(page, '01-login');
    await login(page, 'manager', 'demo-manager-1234');
    await page.getByTestId('by-process').waitFor();
    check((await page.getByTestId('nav-audit').count()) === 0, 'a production manager sees the audit log tab');
    step('signed in as manager');

    // -- initial load of the overview: a cold browser context (no HTTP cache) that only
    // carries the signed-in session, as when a manager opens the dashboard in the morning
    // (e2e/perf.mjs measures the same way, more runs, for docs/quality.md).
    const loads = await measureOverview(browser, `${baseUrl}/`, {
      storageState: await managerCtx.storageState(),
      viewport,
      runs: 2,
      onPage: (p) => watch(p, 'cold'),
    });
    result('lcp_ms_runs', loads.map((l) => l.lcp).join(','));
    result('lcp_ms', Math.min(...loads.map((l) => l.lcp)));
    result('kpis_ms', Math.min(...loads.map((l) => l.kpis)));
    result('data_ready_ms', Math.min(...loads.map((l) => l.dataReady)));
    result('main_thread_ms', Math.min(...loads.map((l) => l.task)));
    lastPage = page;

    // -- create a LOT ---------------------------------------------------------------------
    await page.getByTestId('nav-lots').click();
    await page.getByTestId('lots-table').waitFor();
    await page.getByTestId('create-lot').click();
    await page.getByTestId('create-quantity').fill('12');
    await page.getByTestId('create-shift-D').click();
    await page.getByTestId('create-submit').click();
    const numberEl = page.getByTestId('created-lot-number');
    await numberEl.waitFor({ timeout: 10_000 });
    const lot = (await numberEl.innerText()).trim();
    check(/^WF-[A-Z]{2}-[0-9]{6}D-[0-9]{3}$/.test(lot), `unexpected LOT number ${lot}`);
    result('lot', lot);
    // the LOT label's outcome arrives on the live feed (label.printed / label.failed)
    const labelEl = page.getByTestId('created-lot-label');
    await page
      .locator('[data-testid="created-lot-label"]:not([data-label-state="pending"])')
      .waitFor({ timeout: 15_000 })
      .catch(() => undefined); // still waiting for the printer: reported as pending
    result('label_state', await labelEl.getAttribute('data-label-state'));
    result('label_text', JSON.stringify(await labelEl.innerText()));
    await shot(page, '03-lot-created');
    await page.getByTestId('create-close').click();
    await page.locator(`[data-testid="lots-table"] a:text-is("${lot}")`).waitFor({ timeout: 5000 });
    result('lot_listed', 1);
    await shot(page, '02-lots');

    // -- a LOT whose label cannot print: the LOT's success and the label's failure apart -----
    if (labelFailure) {
      console.log('PRINTER_DOWN');
      check((await readLine(30_000)) === 'DOWN', 'no DOWN answer');
      await page.getByTestId('create-lot').click();
      await page.getByTestId('create-quantity').fill('5');
      await page.getByTestId('create-submit').click();
      await page.getByTestId('created-lot-number').waitFor({ timeout: 10_000 });
      const failed = page.locator('[data-testid="created-lot-label"][data-label-state="failed"]');
      await failed.waitFor({ timeout: 20_000 });
      const success = page.getByTestId('created-lot');
      const successText = await success.innerText();
      result('failed_label_lot', (await page.getByTestId('created-lot-number').innerText()).trim());
      result('failed_label_severity', await failed.getAttribute('data-severity'));
      result('failed_label_text', JSON.stringify(await failed.innerText()));
      const nested = await success.locator('[data-testid="created-lot-label"]').count();
      const inSuccess = nested + (/실패|출력되지|PRINTER_|NOT_CONNECTED/.test(successText) ? 1 : 0);
      result('failed_label_in_success', inSuccess);
      check(inSuccess === 0, `the label failure is shown inside the LOT's success box: ${successText}`);
      check(isGreen(await background(success)), 'the LOT itself is not shown as a success');
      check(!isGreen(await background(failed)), 'the label failure has a green background');
      await shot(page, '03b-lot-label-failed');
      // the failure raises an alert (label.failed for the LOT; PRINTER-01 not connected once
      // the status poll sees it): it reaches this page's banner and badge over the live feed
      const failedLabelLot = results.failed_label_lot;
      const raised = await page
        .waitForFunction(
          (lot) => {
            const subjects = document.querySelector('[data-testid="alert-banner"]')?.getAttribute('data-subjects')?.split(',') ?? [];
            return subjects.find((s) => s === lot || s === 'PRINTER-01') ?? false;
          },
          failedLabelLot,
          { timeout: 20_000, polling: 100 },
        )
        .then((h) => h.jsonValue(), () => '');
      result('alert_live_raised', raised || 'none');
      check(!!raised, 'no alert about the failed label reached the banner');
      result('alert_live_badge', Number(await page.getByTestId('alert-badge').getAttribute('data-count')) >= 1 ? 1 : 0);
      // the banner fits a phone's width too (the phone walk below usually finds none open)
      await page.setViewportSize(PHONE);
      await page.getByTestId('nav-menu').waitFor({ timeout: 5000 });
      const bannerFit = await page.evaluate(() => {
        const b = document.querySelector('[data-testid="alert-banner"]')?.getBoundingClientRect();
        return !!b && b.right <= window.innerWidth + 0.5 && document.documentElement.scrollWidth <= window.innerWidth;
      });
      const headerFit = (await layoutFits(page)).headerOverflow.length === 0;
      result('alert_banner_phone', bannerFit && headerFit ? 'fits' : 'overflows');
      await page.setViewportSize(viewport);
      check(bannerFit && headerFit, 'the alert banner or the header runs off a phone screen');
      await page.getByTestId('create-close').click();
      console.log('PRINTER_UP');
      check((await readLine(30_000)) === 'UP', 'no UP answer');
    }

    // -- the overview follows the line live --------------------------------------------------
    await page.getByTestId('nav-overview').click();
    await liveOpen(page);
    const lotRow = page.locator(`[data-testid="open-lots"] [data-lot="${lot}"]`);
    await lotRow.waitFor({ timeout: UPDATE_BUDGET_MS });
    const startedBefore = await stepStarts(page);
    result('overview_progress_before', (await lotRow.locator('.lot-progress').innerText()).trim());
    await page.evaluate(() => {
      window.__sameDocument = true;
    });
    console.log(`READY ${lot}`);
    // `DRIVEN <n>`: processes 1..n of the LOT were started and completed through the API
    const answer = await readLine(60_000);
    const match = /^DRIVEN ([0-9])$/.exec(answer);
    check(match, `unexpected answer on stdin: ${answer}`);
    const steps = Number(match[1]);
    const driven = Date.now();
    const lastStep = `PROC-00${steps}`;
    await page.waitForFunction(
      ({ lot, expected, startedAtLeast, lastStep }) => {
        const row = document.querySelector(`[data-testid="open-lots"] [data-lot="${lot}"]`);
        const progress = row?.querySelector('.lot-progress')?.textContent?.trim();
        const started = [...document.querySelectorAll('[data-testid="by-process"] [data-col="started"]')].reduce(
          (n, td) => n + Number(td.textContent?.replace(/[^0-9]/g, '') || 0),
          0,
        );
        const feed = [...document.querySelectorAll('[data-testid="event-feed"] [data-event-type="process.completed"]')].some(
          (li) => li.textContent?.includes(lot) && li.textContent?.includes(lastStep),
        );
        return progress === expected && started >= startedAtLeast && feed;
      },
      { lot, expected: `${Math.round((100 * steps) / 8)}%`, startedAtLeast: startedBefore + steps, lastStep },
      { timeout: UPDATE_BUDGET_MS, polling: 50 },
    );
    const updateMs = Date.now() - driven;
    check(await page.evaluate(() => window.__sameDocument === true), 'the page was reloaded');
    result('overview_update_ms', updateMs);
    result('overview_progress', (await lotRow.locator('.lot-progress').innerText()).trim());
    result('started_before', startedBefore);
    result('started_after', await stepStarts(page));
    await shot(page, '00-overview');

    // -- a failed step is red on the overview, not "(완료)" ---------------------------------
    if (failedLot) {
      const row = page.locator(`[data-testid="open-lots"] [data-lot="${failedLot}"]`);
      const verdict = row.locator('[data-testid="current-step"][data-status="FAIL"]');
      await verdict.waitFor({ timeout: 10_000 });
      const text = await row.innerText();
      const red = isRed(await background(verdict));
      await row.locator('[data-testid="lot-defects"]').waitFor({ timeout: 10_000 });
      const countRed = isRed(await background(row.getByTestId('lot-defects')));
      result('fail_overview', `${red ? 'red' : 'not-red'},${countRed ? 'red' : 'not-red'},${text.includes('(완료)') ? 'completed-text' : 'no-completed-text'}`);
      check(red && countRed && !text.includes('(완료)'), `the failed step of ${failedLot} does not stand out: ${text}`);
    }

    // -- an outage of the gateway: the feed reconnects with backoff and resumes from its
    // cursor, so events published while it was away still arrive, in the same page
    if (resumeCheck) {
      console.log(`OUTAGE ${lot}`);
      await page.locator('[data-testid="live-status"]:not([data-live="open"])').waitFor({ timeout: 30_000 });
      result('outage_seen', 1);
      const back = /^DRIVEN ([0-9])$/.exec(await readLine(120_000));
      check(back, 'no DRIVEN after the outage');
      const stepsNow = Number(back[1]);
      const restarted = Date.now();
      await page.waitForFunction(
        ({ lot, expected, step }) => {
          const row = document.querySelector(`[data-testid="open-lots"] [data-lot="${lot}"]`);
          const progress = row?.querySelector('.lot-progress')?.textContent?.trim();
          // only events received on the feed carry the process in their text
          const resumed = [...document.querySelectorAll('[data-testid="event-feed"] [data-event-type="process.completed"]')].some(
            (li) => li.textContent?.includes(lot) && li.textContent?.includes(step),
          );
          return progress === expected && resumed;
        },
        { lot, expected: `${Math.round((100 * stepsNow) / 8)}%`, step: `PROC-00${stepsNow}` },
        { timeout: 60_000, polling: 100 },
      );
      await liveOpen(page);
      check(await page.evaluate(() => window.__sameDocument === true), 'the page was reloaded');
      result('resume_ms', Date.now() - restarted);
    }

    // -- LOT detail -------------------------------------------------------------------------
    await lotRow.locator('a').first().click();
    await page.getByTestId('process-timeline').waitFor();
    const completedSteps = await page.locator('[data-testid="process-timeline"] li[data-status="COMPLETED"]').count();
    result('detail_completed_steps', completedSteps);
    check(completedSteps >= 1, 'the LOT detail shows no completed step');

    // -- trace a serial through all 8 processes ------------------------------------------------
    if (serial) {
      await page.getByTestId('nav-trace').click();
      await page.getByTestId('trace-query').fill(serial);
      await page.getByTestId('trace-search').click();
      await page.getByTestId('genealogy').waitFor({ timeout: 10_000 });
      await page.getByTestId('trace-serial').waitFor();
      const processes = await page.locator('[data-testid="trace-process"]').evaluateAll((nodes) =>
        nodes.map((n) => n.querySelector('[data-process]')?.getAttribute('data-process')),
      );
      result('trace_processes', processes.join(','));
      check(processes.length === 8, `expected 8 processes in the genealogy, got ${processes.length}`);
      // each process's data, in words; the raw field names stay in data-field for tools
      const fields = await page.locator('[data-testid="genealogy"] [data-field]').evaluateAll((nodes) => nodes.map((n) => n.getAttribute('data-field')));
      const expected = ['lot_number_engraved', 'sma_spring_lot', 'temp_sensor', 'firmware_version', 'test_results', 'label_printed', 'inspection_result'];
      const missing = expected.filter((k) => !fields.includes(k));
      const text = await page.getByTestId('genealogy').innerText();
      check(text.includes('성능검사 T38 / 170 kgf'), 'the performance test points have no readable names');
      result('trace_missing_data', missing.join(',') || 'none');
      check(!missing.length, `process data missing from the genealogy: ${missing.join(', ')}`);
      await shot(page, '05-trace');
    }
    await managerCtx.close();

    // -- a viewer sees no create button ------------------------------------------------------
    const viewerCtx = await browser.newContext({ viewport, ...KOREAN });
    const vpage = await viewerCtx.newPage();
    watch(vpage, 'viewer');
    await login(vpage, 'viewer', 'demo-viewer-1234');
    await vpage.getByTestId('nav-lots').click();
    await vpage.getByTestId('lots-table').waitFor();
    await vpage.locator(`[data-testid="lots-table"] a:text-is("${lot}")`).waitFor({ timeout: 5000 });
    result('viewer_create_buttons', await vpage.getByTestId('create-lot').count());
    result('viewer_admin_tabs', (await vpage.getByTestId('nav-audit').count()) + (await vpage.getByTestId('nav-users').count()));
    check(results.viewer_create_buttons === 0, 'a viewer sees the create-LOT button');
    check(results.viewer_admin_tabs === 0, 'a viewer sees admin tabs');
    await vpage.getByTestId('nav-alerts').click();
    await vpage.getByTestId('alerts-table').waitFor();
    result('viewer_ack_buttons', await vpage.locator('button[data-testid^="alert-ack-"]').count());
    check(results.viewer_ack_buttons === 0, 'a viewer sees an acknowledge button');
    await vpage.goto(`${baseUrl}/users`);
    await vpage.getByTestId('by-process').waitFor();
    result('viewer_users_redirect', new URL(vpage.url()).pathname);
    await viewerCtx.close();

    // -- every page as the admin in Korean: renders, shows no raw code (and makes the README's
    // screenshots) ----------------------------------------------------------------------------
    {
      const adminCtx = await browser.newContext({ viewport, ...KOREAN });
      const apage = await adminCtx.newPage();
      watch(apage, 'admin');
      await login(apage, 'admin', 'demo-admin-1234');
      const raw = [];
      // the scan finds a raw code when there is one (and skips identifiers shown on purpose)
      await apage.goto(`${baseUrl}/`);
      await apage.getByTestId('by-process').waitFor();
      await apage.evaluate(() => {
        const probe = document.createElement('div');
        probe.id = 'raw-probe';
        probe.innerHTML = '<span>not_connected</span> <span>IN_PROGRESS</span> <code>PRINTER_NOT_CONNECTED</code>';
        document.body.append(probe);
      });
      const probed = await rawCodesOnScreen(apage);
      await apage.evaluate(() => document.getElementById('raw-probe')?.remove());
      check(probed.length === 2 && probed.some((h) => h.endsWith('not_connected')) && probed.some((h) => h.endsWith('IN_PROGRESS')), `the raw-code scan is blind: ${probed}`);
      const scan = async (where) => {
        for (const hit of await rawCodesOnScreen(apage)) raw.push(`${where} → ${hit}`);
      };
      const visit = async (path, ready, name) => {
        await apage.goto(`${baseUrl}${path}`);
        await apage.getByTestId(ready).first().waitFor({ timeout: 15_000 });
        await settled(apage);
        check((await apage.getByTestId('page-error').count()) === 0, `${path} failed`);
        await scan(path);
        if (name) await shot(apage, name);
      };
      await visit('/', 'by-process');
      await visit('/lots', 'lots-table');
      if (serial) {
        const lot = serial.slice(0, -5);
        await visit(`/lots/${lot}`, 'lot-measurements', '04-lot-detail');
        await visit(`/trace?q=${serial}`, 'genealogy');
        await visit(`/trace?q=${lot}`, 'genealogy');
      }
      if (componentLot) await visit(`/trace?q=${encodeURIComponent(componentLot)}&kind=component`, 'recall');
      if (failedLot) {
        // a failed step is red in the LOT list, on the LOT's timeline, and its defects a table
        await visit('/lots', 'lots-table');
        const listed = apage.locator(`[data-testid="lots-table"] tr:has(a:text-is("${failedLot}"))`);
        await listed.getByTestId('lot-defects').waitFor({ timeout: 10_000 });
        const listRed = isRed(await background(listed.getByTestId('lot-defects')));
        await visit(`/lots/${failedLot}`, 'process-timeline');
        const step = apage.locator('[data-testid="process-timeline"] li[data-process="PROC-003"] [data-status="FAIL"]');
        const stepRed = (await step.count()) === 1 && isRed(await background(step));
        await visit(`/trace?q=${failedLot}`, 'genealogy');
        const defects = apage.locator('[data-testid="trace-process"]:has([data-process="PROC-003"]) [data-testid="defect-table"]');
        await defects.evaluate((el) => el.scrollIntoView({ block: 'center' })).catch(() => undefined);
        await shot(apage, '05b-trace-defects');
        const defectRows = await defects.locator('tbody tr').count();
        const defectText = defectRows ? await defects.innerText() : '';
        result('fail_elsewhere', `list:${listRed ? 'red' : 'not-red'},timeline:${stepRed ? 'red' : 'not-red'},defect_rows:${defectRows}`);
        check(listRed && stepRed, 'a failed step is not red in the LOT list or on the timeline');
        check(defectRows >= 1 && defectText.includes('온도 센서') && !/temp_sensor|\{|\}/.test(defectText), `the defects are not a readable table: ${defectText}`);

        // the failed PROC-003 put it on hold: red in the list with its NCR, a banner on its
        // detail; its NCR is disposed of (USE_AS_IS) in the UI and the hold disappears
        await visit('/lots', 'lots-table');
        const heldChip = apage.locator(`[data-testid="lots-table"] tr:has(a:text-is("${failedLot}")) [data-testid="lot-hold"]`);
        await heldChip.waitFor({ timeout: 10_000 });
        const ncr = await heldChip.getAttribute('data-ncr');
        const chipText = await heldChip.innerText();
        result('hold_list', `${isRed(await background(heldChip)) ? 'red' : 'not-red'},${chipText.includes('보류') && chipText.includes(ncr) ? 'ncr' : 'no-ncr'}`);
        result('hold_ncr', ncr);
        await visit(`/lots/${failedLot}`, 'hold-banner');
        const banner = apage.getByTestId('hold-banner');
        await banner.getByTestId('defect-table').waitFor({ timeout: 10_000 });
        const bannerText = await banner.innerText();
        result('hold_banner', `${(await apage.getByTestId('hold-step').innerText()).trim()},${await banner.getAttribute('data-phase')},${bannerText.includes(ncr) ? 'ncr' : 'no-ncr'},${bannerText.includes('62.4') ? 'measured' : 'no-measured'}`);
        check(isRed(await background(apage.getByTestId('hold-phase'))), 'the hold phase is not red');
        await scan(`/lots/${failedLot} (hold)`);
        await shot(apage, '14-lot-hold');

        // the hold raised an alert: in the badge and banner of every page, on the Alerts page;
        // acknowledged there (with a note), it leaves the banner at once
        await visit('/', 'by-process');
        await apage.getByTestId('alert-banner').waitFor({ timeout: 10_000 });
        const badge = Number(await apage.getByTestId('alert-badge').getAttribute('data-count'));
        const subjects = await bannerList(apage, 'data-subjects');
        result('alert_overview', `${badge >= 1 ? 'badge' : 'no-badge'},${subjects.includes(failedLot) ? 'banner' : 'not-in-banner'}`);
        check(badge >= 1 && subjects.includes(failedLot), `the hold's alert is not in the overview's badge/banner: ${badge}, ${subjects}`);
        await shot(apage, '17-alerts-banner');
        await visit(`/alerts?status=open&subject=${encodeURIComponent(failedLot)}`, 'alerts-table');
        const listedAlert = apage.locator(`[data-testid="alerts-table"] [data-alert-subject="${failedLot}"]`).first();
        await listedAlert.waitFor({ timeout: 10_000 });
        const alertId = await listedAlert.getAttribute('data-alert-id');
        result('alert_id', alertId);
        result('alert_listed', `${(await listedAlert.innerText()).includes('보류') ? 'text' : 'no-text'},${(await bannerList(apage, 'data-alert-ids')).includes(alertId) ? 'in-banner' : 'not-in-banner'}`);
        await apage.getByTestId(`alert-ack-${alertId}`).click();
        await apage.getByTestId('alert-ack-note').fill('QA 확인: NCR 처분 진행 중');
        await apage.getByTestId('alert-ack-submit').click();
        const ackGone = await apage
          .waitForFunction(
            (id) => !(document.querySelector('[data-testid="alert-banner"]')?.getAttribute('data-alert-ids')?.split(',') ?? []).includes(id),
            alertId,
            { timeout: 10_000, polling: 50 },
          )
          .then(() => true, () => false);
        result('alert_ack_gone', ackGone ? 1 : 0);
        check(ackGone, `the acknowledged alert ${alertId} is still in the banner`);
        await visit(`/alerts?subject=${encodeURIComponent(failedLot)}`, 'alerts-table');
        const ackInfo = apage.locator(`[data-testid="alerts-table"] tr:has([data-alert-id="${alertId}"]) [data-testid="alert-ack-info"]`);
        await ackInfo.waitFor({ timeout: 10_000 });
        const ackText = await ackInfo.innerText();
        result('alert_ack_shown', ackText.includes('admin') && ackText.includes('QA 확인') ? 'who,note' : JSON.stringify(ackText));
        await visit('/alerts', 'alerts-table', '18-alerts');
        await visit('/ncr', 'ncr-table');
        await apage.locator(`[data-testid="ncr-table"] a:text-is("${ncr}")`).waitFor({ timeout: 10_000 });
        await shot(apage, '16-ncr-list');
        await apage.locator(`[data-testid="ncr-table"] a:text-is("${ncr}")`).click();
        await apage.getByTestId('disposition-form').waitFor({ timeout: 10_000 });
        await settled(apage);
        await scan(`/ncr/${ncr}`);
        await apage.getByTestId('disposition-USE_AS_IS').click();
        await apage.getByTestId('disposition-submit').click();
        await apage.getByTestId('disposition-invalid').waitFor({ timeout: 5000 });
        await apage.getByTestId('disposition-reason').fill('고객 승인: 온도 편차 0.4 °C 허용 (특채 요청서 QA-17)');
        await shot(apage, '15-ncr');
        await apage.getByTestId('disposition-submit').click();
        await apage.locator('[data-testid="ncr-detail"][data-status="CLOSED"]').waitFor({ timeout: 15_000 });
        result('ncr_disposed', (await apage.getByTestId('ncr-disposition').innerText()).trim());
        await visit(`/lots/${failedLot}`, 'process-timeline');
        const gone = await apage.getByTestId('hold-banner').waitFor({ state: 'detached', timeout: 15_000 }).then(() => true, () => false);
        await visit('/lots', 'lots-table');
        const chipsLeft = await apage.locator(`[data-testid="lots-table"] tr:has(a:text-is("${failedLot}")) [data-testid="lot-hold"]`).count();
        result('hold_gone', `${gone ? 'detail' : 'detail-still-held'},${chipsLeft === 0 ? 'list' : 'list-still-held'}`);
        check(gone && chipsLeft === 0, `the hold of ${failedLot} is still shown after its disposition`);
      }
      if (serial) await visit(`/trace?q=${serial}`, 'genealogy', '05-trace');
      for (const [path, ready, name] of [
        ['/quality', 'defects-by-process', '06-quality'],
        ['/firmware', 'fw-table', '07-firmware'],
        ['/audit', 'audit-table', '09-audit'],
        ['/users', 'users-table', '10-users'],
      ]) {
        await visit(path, ready, name);
      }
      await visit('/printers', 'printers-table');
      const lastState = apage.getByTestId('printer-last-state-PRINTER-01');
      await lastState.waitFor({ timeout: 15_000 }).catch(() => undefined);
      result('printer_last_state', (await lastState.count()) ? await lastState.getAttribute('data-state') : 'none');
      if (serial) {
        // label jobs with a preview; a reprint with a long reason must not squeeze it
        await apage.getByTestId('label-query').fill(serial.slice(0, -5));
        await apage.getByTestId('label-search').click();
        await apage.getByTestId('label-jobs').waitFor();
        await apage.getByTestId('job-preview').first().click();
        await apage.getByTestId('label-preview').waitFor({ timeout: 10_000 });
        await apage.getByTestId('job-reprint').first().click();
        await apage.getByTestId('reprint-reason').fill('라벨 훼손으로 재출력 — 포장 라인에서 바코드 일부가 긁혀 판독되지 않음');
        await apage.getByTestId('reprint-submit').click();
        await apage.locator('[role="dialog"] .MuiAlert-root').waitFor({ timeout: 15_000 });
        await apage.getByTestId('reprint-close').click();
        await apage.locator('[role="dialog"]').waitFor({ state: 'detached', timeout: 5000 });
        await settled(apage);
        const width = await apage.getByTestId('preview-panel').evaluate((el) => el.getBoundingClientRect().width);
        result('preview_width_after_reprint', Math.round(width));
        check(width >= 300, `the preview panel collapsed to ${Math.round(width)} px after a reprint`);
        await scan('/printers (jobs)');
        // clicking the reprint button scrolled the jobs table sideways: back to its start
        await apage.getByTestId('label-jobs').evaluate((el) => el.querySelector('.MuiTableContainer-root')?.scrollTo({ left: 0 }));
      }
      await shot(apage, '08-printers');
      result('raw_codes', raw.length ? JSON.stringify(raw) : 'none');
      check(!raw.length, `raw codes on screen in the Korean UI:\n  ${raw.join('\n  ')}`);
      await apage.getByTestId('lang-switch').click();
      await apage.getByTestId('nav-overview').click();
      await apage.getByTestId('by-process').waitFor();
      await shot(apage, '11-overview-en');
      check((await apage.getByTestId('kpi-units-started').innerText()).includes('Started (units)'), 'the language switch did not apply');
      result('admin_pages', 'quality,firmware,printers,audit,users');
      await adminCtx.close();
    }

    // -- a phone (390×844): the header fits, every tab and sign-out are reachable through the
    // menu, tables scroll inside their container ------------------------------------------------
    {
      const phoneCtx = await browser.newContext({ viewport: PHONE, isMobile: true, hasTouch: true, ...KOREAN });
      const ppage = await phoneCtx.newPage();
      watch(ppage, 'phone');
      await login(ppage, 'admin', 'demo-admin-1234');
      const tabs = [
        ['overview', 'by-process'],
        ['lots', 'lots-table'],
        ['ncr', 'ncr-table'],
        ['trace', 'trace-query'],
        ['quality', 'defects-by-process'],
        ['firmware', 'fw-table'],
        ['printers', 'printers-table'],
        ['alerts', 'alerts-table'],
        ['audit', 'audit-table'],
        ['users', 'users-table'],
      ];
      const misfits = [];
      let reached = 0;
      for (const [tab, ready] of tabs) {
        await ppage.getByTestId('nav-menu').click();
        await ppage.getByTestId(`nav-${tab}`).click();
        await ppage.getByTestId(ready).waitFor({ timeout: 15_000 });
        await ppage.locator('[data-testid="nav-drawer"]').waitFor({ state: 'hidden', timeout: 5000 }).catch(() => undefined);
        reached += 1;
        const fit = await layoutFits(ppage);
        if (!fit.fits) misfits.push(`${tab}: ${JSON.stringify(fit)}`);
        if (tab === 'overview') await shot(ppage, '12-phone-overview');
        if (tab === 'lots') {
          const table = await tableScrollsInside(ppage, 'lots-table');
          result('phone_table_scrolls', table.scrollWidth > table.clientWidth && table.overflowX === 'auto' ? 1 : 0);
        }
      }
      result('phone_tabs_reached', `${reached}/${tabs.length}`);
      result('phone_misfits', misfits.length ? JSON.stringify(misfits) : 'none');
      await ppage.getByTestId('nav-menu').click();
      const logout = ppage.getByTestId('logout');
      await logout.waitFor();
      // the drawer slides in: measure once it is in place
      await ppage.waitForFunction(() => {
        const r = document.querySelector('[data-testid="logout"]')?.getBoundingClientRect();
        return !!r && r.left >= 0;
      }, null, { timeout: 5000 }).catch(() => undefined);
      const box = await logout.boundingBox();
      result('phone_logout_box', JSON.stringify(box));
      const inside = !!box && box.x >= 0 && box.y >= 0 && box.x + box.width <= PHONE.width && box.y + box.height <= PHONE.height;
      await shot(ppage, '13-phone-menu');
      await logout.click();
      await ppage.getByTestId('login-submit').waitFor({ timeout: 10_000 });
      result('phone_logout', inside && new URL(ppage.url()).pathname === '/login' ? 1 : 0);
      check(!misfits.length, `the layout runs off a phone screen: ${misfits.join(' | ')}`);
      check(results.phone_table_scrolls === 1, 'the LOT table does not scroll inside its container on a phone');
      check(results.phone_logout === 1, 'sign-out is not reachable on a phone');
      await phoneCtx.close();
    }

    check(!pageErrors.length, `errors in the page: ${pageErrors.join(' | ')}`);
    console.log('E2E OK');
    return 0;
  } catch (err) {
    await postMortem();
    throw err;
  } finally {
    await browser.close();
  }
}

let code = 1;
try {
  code = await main();
} catch (err) {
  console.log(`FAIL ${err instanceof CheckFailed ? err.message : err?.stack ?? err}`);
  code = 1;
} finally {
  stdinLines.close();
}
process.exit(code);
