// How fast the overview shows up, measured in the browser (e2e/perf.mjs and the e2e test).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

/** Installed before the app runs: the largest contentful paint, and the moment the KPI
 * values are on screen (in the DOM with a number, then two animation frames: painted). */
function observe() {
  window.__lcp = 0;
  window.__kpis = 0;
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) window.__lcp = entry.startTime;
  }).observe({ type: 'largest-contentful-paint', buffered: true });
  const shown = () => {
    const values = document.querySelectorAll('[data-testid^="kpi-"] .kpi-value');
    return values.length >= 3 && [...values].every((v) => /[0-9]/.test(v.textContent ?? ''));
  };
  const watcher = new MutationObserver(() => {
    if (window.__kpis || !shown()) return;
    watcher.disconnect();
    requestAnimationFrame(() => requestAnimationFrame(() => (window.__kpis = performance.now())));
  });
  document.addEventListener('DOMContentLoaded', () => watcher.observe(document.body, { childList: true, subtree: true, characterData: true }));
}

/** One cold load of `url` per run, each in a fresh browser context (no HTTP cache) that
 * carries only the signed-in session: navigation → KPIs visible, LCP, data shown, and the
 * main-thread time the page used (CPU, which a busy machine stretches less than wall time). */
export async function measureOverview(browser, url, { storageState, viewport, runs = 5, onPage } = {}) {
  const samples = [];
  for (let i = 0; i < runs; i++) {
    const context = await browser.newContext({ viewport, storageState });
    try {
      const page = await context.newPage();
      onPage?.(page);
      await page.addInitScript(observe);
      const cdp = await context.newCDPSession(page);
      await cdp.send('Performance.enable');
      await page.goto(url, { waitUntil: 'load' });
      await page.getByTestId('by-process').waitFor({ timeout: 30_000 });
      const dataReady = await page.evaluate(() => performance.now());
      await page.waitForFunction(() => window.__kpis > 0, null, { timeout: 30_000 });
      const { metrics } = await cdp.send('Performance.getMetrics');
      const task = metrics.find((m) => m.name === 'TaskDuration')?.value ?? 0;
      await page.waitForTimeout(300); // a late, larger paint still counts for LCP
      const { lcp, kpis } = await page.evaluate(() => ({ lcp: window.__lcp, kpis: window.__kpis }));
      if (!(lcp > 0)) throw new Error('no largest-contentful-paint entry');
      samples.push({ kpis: Math.round(kpis), lcp: Math.round(lcp), dataReady: Math.round(dataReady), task: Math.round(task * 1000) });
    } finally {
      await context.close();
    }
  }
  return samples;
}

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : Math.round((sorted[mid - 1] + sorted[mid]) / 2);
}

/** Sizes of the built dashboard: every JS/CSS file (raw and gzip), and what the first page
 * load fetches (index.html's script, its modulepreloads and stylesheets). */
export function bundleSize(distDir) {
  const assets = join(distDir, 'assets');
  const files = readdirSync(assets)
    .filter((f) => /\.(js|css)$/.test(f))
    .map((name) => {
      const bytes = readFileSync(join(assets, name));
      return { name, raw: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length };
    })
    .sort((a, b) => b.gzip - a.gzip);
  const html = readFileSync(join(distDir, 'index.html'), 'utf8');
  const initialNames = new Set([...html.matchAll(/(?:src|href)="\/assets\/([^"]+\.(?:js|css))"/g)].map((m) => m[1]));
  const sum = (list, key) => list.reduce((n, f) => n + f[key], 0);
  const initial = files.filter((f) => initialNames.has(f.name));
  const of = (ext) => files.filter((f) => f.name.endsWith(ext));
  return {
    files,
    initial: { files: initial.map((f) => f.name), raw: sum(initial, 'raw'), gzip: sum(initial, 'gzip') },
    js: { raw: sum(of('.js'), 'raw'), gzip: sum(of('.js'), 'gzip') },
    css: { raw: sum(of('.css'), 'raw'), gzip: sum(of('.css'), 'gzip') },
  };
}
