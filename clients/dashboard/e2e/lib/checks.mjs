// Checks the e2e run makes on real pages: raw codes on screen, phone-width layout, the
// colour of a defect.

/** Codes that must never reach the screen as they are: SNAKE_CASE and snake_case words,
 * and the bare status words the services send. */
export const RAW_CODE = /\b[A-Z]{2,}_[A-Z_]+\b|\b[a-z]+_[a-z_]+\b/;
export const RAW_STATUS = /\b(NOT_STARTED|IN_PROGRESS|COMPLETED|CREATED|CLOSED|PASSED|FAILED|PASS|FAIL|SUCCESS|RELEASED|SUPERSEDED|WITHDRAWN|UPLOADED|ROLLBACK|RELEASE|SERIAL)\b/;
// chips hold statuses: there even a lower-case printer or job state is a raw code
export const RAW_CHIP = /^(queued|sending|retrying|pending|sent|failed|ready|offline|unknown|error|paused|create|update|delete)$/;

/** Visible text of the page that looks like a raw code. Text inside `[data-ident]` and
 * `<code>` is an identifier shown on purpose (an error code for support, a hash); form
 * values are what the user typed. */
export async function rawCodesOnScreen(page) {
  return page.evaluate(
    ({ code, status, chip }) => {
      const RAW = new RegExp(code);
      const STATUS = new RegExp(status);
      const CHIP = new RegExp(chip);
      const found = [];
      const visible = (el) => !!el && el.getClientRects().length > 0 && getComputedStyle(el).visibility !== 'hidden';
      const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
      for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        const text = node.textContent?.trim();
        const el = node.parentElement;
        if (!text || !el || el.closest('[data-ident], code, script, style, noscript, svg')) continue;
        if (!visible(el)) continue;
        const inChip = !!el.closest('.MuiChip-label');
        if (RAW.test(text) || STATUS.test(text) || (inChip && CHIP.test(text))) {
          const where = el.closest('[data-testid]')?.getAttribute('data-testid') ?? el.tagName.toLowerCase();
          found.push(`${where}: ${text.slice(0, 80)}`);
        }
      }
      return [...new Set(found)];
    },
    { code: RAW_CODE.source, status: RAW_STATUS.source, chip: RAW_CHIP.source },
  );
}

/** The page is no wider than the screen, and the header stays inside it. */
export async function layoutFits(page) {
  return page.evaluate(() => {
    const header = document.querySelector('header');
    const box = header?.getBoundingClientRect();
    const offenders = [...(header?.querySelectorAll('*') ?? [])]
      .filter((el) => el.getClientRects().length && el.getBoundingClientRect().right > window.innerWidth + 0.5)
      .map((el) => el.getAttribute('data-testid') ?? el.tagName.toLowerCase());
    return {
      scrollWidth: document.documentElement.scrollWidth,
      innerWidth: window.innerWidth,
      headerRight: Math.round(box?.right ?? 0),
      headerOverflow: offenders,
      fits: document.documentElement.scrollWidth <= window.innerWidth && !offenders.length,
    };
  });
}

/** Tables wider than their container scroll inside it (the page does not). */
export async function tableScrollsInside(page, testId) {
  return page.getByTestId(testId).evaluate((root) => {
    const box = root.querySelector('.MuiTableContainer-root') ?? root;
    return { scrollWidth: box.scrollWidth, clientWidth: box.clientWidth, overflowX: getComputedStyle(box).overflowX };
  });
}

/** The background of an element as [r, g, b]. */
export async function background(locator) {
  const rgb = await locator.evaluate((el) => getComputedStyle(el).backgroundColor);
  return (rgb.match(/\d+/g) ?? []).slice(0, 3).map(Number);
}

/** Red, as MUI's error colours are (#d32f2f, #c62828, …): red well above green and blue. */
export function isRed([r, g, b]) {
  return r >= 150 && g <= 90 && b <= 90;
}

/** Green, however light (a success alert's background is #edf7ed). */
export function isGreen([r, g, b]) {
  return g > r + 5 && g > b + 5;
}
