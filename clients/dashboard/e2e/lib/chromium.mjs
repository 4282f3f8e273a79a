// Debian's Chromium through playwright-core, as every browser script here starts it.
import { chromium } from 'playwright-core';

export const DEFAULT_CHROMIUM = '/usr/bin/chromium';

export function launch(executablePath = process.env.CHROMIUM_PATH ?? DEFAULT_CHROMIUM) {
  return chromium.launch({
    executablePath,
    headless: true,
    chromiumSandbox: false,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-dev-shm-usage',
    ],
  });
}

export const DESKTOP = { width: 1440, height: 900 };
export const PHONE = { width: 390, height: 844 };
export const KOREAN = { locale: 'ko-KR', timezoneId: 'Asia/Seoul' };

/** Sign in through the login page; waits for the signed-in layout (wide or narrow). */
export async function login(page, baseUrl, username, password) {
  await page.goto(`${baseUrl}/login`);
  await page.getByTestId('login-username').fill(username);
  await page.getByTestId('login-password').fill(password);
  await page.getByTestId('login-submit').click();
  await page.locator('[data-testid="current-user"], [data-testid="nav-menu"]').first().waitFor({ timeout: 10_000 });
}
