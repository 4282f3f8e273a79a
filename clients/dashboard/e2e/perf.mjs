#!/usr/bin/env node
// How fast the dashboard's overview shows up, in Debian's Chromium (playwright-core), and
// how big the build is. For docs/quality.md: run it on a quiet machine.
//
//   npm run perf -- <gateway-url> [--runs 5] [--user manager] [--password demo-manager-1234]
//                   [--phone] [--dist dist] [--json] [--chromium /usr/bin/chromium]
//
// Each run is a cold load of `/` (a fresh browser context: no HTTP cache, only the signed-in
// session in localStorage), as when a manager opens the dashboard in the morning:
//   kpis  navigation start → the KPI values painted (the target: < 1 s)
//   lcp   largest contentful paint (the target: < 1 s)
//   data  navigation start → the overview's tables in the DOM
//   cpu   main-thread time the page used
// Prints each run, the medians, the build's JS/CSS (raw and gzip, and what the first load
// fetches) and the machine's load; `--json` prints one JSON object instead.
import { cpus, loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DESKTOP, KOREAN, launch, login, PHONE } from './lib/chromium.mjs';
import { bundleSize, measureOverview, median } from './lib/measure.mjs';

const argv = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : fallback;
};
const baseUrl = (argv.find((a) => /^https?:\/\//.test(a)) ?? '').replace(/\/$/, '');
if (!baseUrl) {
  console.error('usage: node e2e/perf.mjs <gateway-url> [--runs 5] [--user u --password p] [--phone] [--json]');
  process.exit(2);
}
const runs = Number(opt('runs', '5'));
const here = dirname(fileURLToPath(import.meta.url));
const dist = resolve(opt('dist', join(here, '..', 'dist')));
const viewport = argv.includes('--phone') ? PHONE : DESKTOP;
const kb = (n) => `${(n / 1024).toFixed(1)} kB`;

const browser = await launch(opt('chromium'));
let samples;
try {
  const context = await browser.newContext({ viewport, ...KOREAN });
  const page = await context.newPage();
  await login(page, baseUrl, opt('user', 'manager'), opt('password', 'demo-manager-1234'));
  const storageState = await context.storageState();
  await context.close();
  // one load first to warm the server side (its caches, the database), not measured
  await measureOverview(browser, `${baseUrl}/`, { storageState, viewport, runs: 1 });
  samples = await measureOverview(browser, `${baseUrl}/`, { storageState, viewport, runs });
} finally {
  await browser.close();
}

const size = bundleSize(dist);
const report = {
  url: baseUrl,
  viewport,
  runs: samples,
  median: {
    kpis_ms: median(samples.map((s) => s.kpis)),
    lcp_ms: median(samples.map((s) => s.lcp)),
    data_ms: median(samples.map((s) => s.dataReady)),
    cpu_ms: median(samples.map((s) => s.task)),
  },
  bundle: { initial: size.initial, js: size.js, css: size.css, files: size.files },
  machine: { cores: cpus().length, load1: Number(loadavg()[0].toFixed(2)) },
};

if (argv.includes('--json')) {
  console.log(JSON.stringify(report, null, 2));
} else {
  console.log(`overview ${baseUrl}/ in Chromium, ${viewport.width}×${viewport.height}, ${runs} cold loads`);
  console.log('run   kpis ms   lcp ms   data ms   cpu ms');
  samples.forEach((s, i) => console.log(`${String(i + 1).padStart(3)} ${String(s.kpis).padStart(9)} ${String(s.lcp).padStart(8)} ${String(s.dataReady).padStart(9)} ${String(s.task).padStart(8)}`));
  const m = report.median;
  console.log(`median: KPIs visible ${m.kpis_ms} ms, LCP ${m.lcp_ms} ms, data ${m.data_ms} ms, main thread ${m.cpu_ms} ms`);
  console.log(`bundle: first load ${kb(size.initial.gzip)} gzip (${kb(size.initial.raw)}: ${size.initial.files.join(', ')})`);
  console.log(`        all JS ${kb(size.js.gzip)} gzip (${kb(size.js.raw)}), all CSS ${kb(size.css.gzip)} gzip (${kb(size.css.raw)})`);
  for (const f of size.files) console.log(`        ${f.name.padEnd(36)} ${kb(f.gzip).padStart(9)} gzip ${kb(f.raw).padStart(10)}`);
  console.log(`machine: ${report.machine.cores} cores, load ${report.machine.load1} (figures are only worth quoting when it is well below the cores)`);
}
