import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

/** Where the tests write their screenshots (not committed; look at them). */
export const SCREENSHOTS = resolve(__dirname, '../../test-output/screenshots');

export const DESKTOP = { width: 1440, height: 900 } as const;
export const PHONE = { width: 390, height: 844 } as const;

/**
 * The machine's Chromium (Debian's `chromium`, never a downloaded one), headless. Without the
 * background-networking flags Chromium keeps trying hosts a closed network refuses.
 */
export async function launchChromium(): Promise<Browser> {
  const executablePath = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
  return chromium.launch({
    executablePath,
    headless: true,
    args: ['--no-sandbox', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
  });
}

/** Errors the pages reported (uncaught exceptions, console errors): a test may assert there are none. */
export const problems: string[] = [];

/** Every host the pages asked for anything (a closed network: only the tier's own). */
export const requestedHosts = new Set<string>();

/** A fresh browser profile with the console's language chosen (stored as the console stores it). */
export async function newContext(
  browser: Browser,
  viewport: { width: number; height: number } = DESKTOP,
  language?: 'en' | 'zh-CN',
  extra: { geolocation?: { latitude: number; longitude: number; accuracy?: number } } = {},
): Promise<BrowserContext> {
  const context = await browser.newContext({
    viewport,
    locale: 'zh-CN',
    timezoneId: 'Asia/Shanghai',
    ...(viewport.width < 600 && { isMobile: true, hasTouch: true, deviceScaleFactor: 2 }),
    ...(extra.geolocation && { geolocation: extra.geolocation, permissions: ['geolocation'] }),
  });
  // The console's choice, made once (a later switch on the page stays, as it does for a person).
  if (language) {
    await context.addInitScript((lng) => {
      try {
        const store = (globalThis as unknown as { localStorage: { getItem(k: string): string | null; setItem(k: string, v: string): void } }).localStorage;
        if (store.getItem('gm.language') === null) store.setItem('gm.language', lng);
      } catch {
        // Pages that may not use storage (the realm's login page): nothing to set there.
      }
    }, language);
  }
  context.on('request', (r) => {
    const u = new URL(r.url());
    if (u.protocol === 'http:' || u.protocol === 'https:') requestedHosts.add(u.hostname);
  });
  context.on('weberror', (e) => problems.push(`page error: ${e.error().message}`));
  context.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`);
  });
  return context;
}

/** Opens the console and logs in through the realm's login page, as a person does (labels, button). */
export async function logIn(page: Page, consoleUrl: string, username: string, path = '/'): Promise<void> {
  await page.goto(`${consoleUrl}${path}`);
  await page.getByLabel('用户名 Username').fill(username);
  await page.getByLabel('密码 Password').fill('demo');
  await page.getByRole('button', { name: '登录 Log in' }).click();
  await page.waitForURL((u) => u.origin === new URL(consoleUrl).origin && !u.pathname.startsWith('/callback'), { timeout: 20_000 });
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const path = join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path, fullPage: false });
  return path;
}
