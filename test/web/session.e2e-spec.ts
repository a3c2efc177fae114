import type { Browser } from 'playwright-core';
import { launchChromium, logIn, newContext, screenshot } from './browser';
import { startConsoleTier, type ConsoleTier } from './console-tier';

jest.setTimeout(180_000);

/** Access tokens live 40 s here: the console renews them ahead of expiry (30 s before) with the refresh token. */
const TOKEN_LIFETIME_SEC = 40;

describe('the console keeps a session: tokens renewed silently, and back to the login page when the session cannot be renewed (real OIDC issuer, Chromium)', () => {
  let tier: ConsoleTier;
  let browser: Browser;

  beforeAll(async () => {
    [tier, browser] = await Promise.all([startConsoleTier({ residents: false, tokenLifetimeSec: TOKEN_LIFETIME_SEC }), launchChromium()]);
  });

  afterAll(async () => {
    await browser?.close();
    await tier?.close();
  });

  it('renews the access token with the refresh token before it expires, and the pages go on working', async () => {
    const context = await newContext(browser);
    const page = await context.newPage();
    try {
      await logIn(page, tier.url, 'community', '/cases');
      await page.getByRole('tab', { name: /待受理/ }).waitFor();
      const session = () => page.evaluate(() => JSON.parse(Object.values(sessionStorage).find((v) => v.includes('access_token')) ?? '{}') as { access_token?: string; refresh_token?: string });
      const first = await session();
      expect(first.access_token).toBeTruthy();
      // Past the first token's lifetime: a new token, got silently (no login page in between).
      await page.waitForFunction((old) => !Object.values(sessionStorage).some((v) => v.includes(old)), first.access_token!, { timeout: (TOKEN_LIFETIME_SEC + 10) * 1000 });
      await page.waitForTimeout((TOKEN_LIFETIME_SEC - 20) * 1000);
      const second = await session();
      expect(second.access_token).not.toBe(first.access_token);
      expect(second.refresh_token).not.toBe(first.refresh_token);
      // The old one has expired by now; the page still reads the API with the new one.
      await page.getByRole('menuitem', { name: '一张图' }).click();
      await page.getByRole('region', { name: '一张图' }).waitFor();
      await page.getByRole('menuitem', { name: '案件办理' }).click();
      await page.getByRole('tab', { name: /待受理/ }).waitFor();
      expect(page.url()).toContain(new URL(tier.url).host);
    } finally {
      await context.close();
    }
  });

  it('sends the user back to the login page, never to a blank page, when the session can no longer be renewed', async () => {
    const context = await newContext(browser);
    const page = await context.newPage();
    try {
      await logIn(page, tier.url, 'community', '/cases');
      await page.getByRole('tab', { name: /待受理/ }).waitFor();
      // The realm revokes the session's refresh token (as Keycloak does on logout elsewhere, or an administrator).
      const refresh = await page.evaluate(() => (JSON.parse(Object.values(sessionStorage).find((v) => v.includes('refresh_token')) ?? '{}') as { refresh_token?: string }).refresh_token);
      expect(refresh).toBeTruthy();
      const revoked = await fetch(`${tier.infra.oidc.issuer}/protocol/openid-connect/revoke`, {
        method: 'POST',
        body: new URLSearchParams({ client_id: 'gm-web', token: refresh!, token_type_hint: 'refresh_token' }),
      });
      expect(revoked.status).toBe(200);
      // Also end the single sign-on, so that the login page asks again.
      await context.clearCookies();
      await page.getByLabel('用户名 Username').waitFor({ timeout: (TOKEN_LIFETIME_SEC + 15) * 1000 });
      await screenshot(page, 'session-expired-login-page');
      // Logging in again brings the user back to where they were.
      await page.getByLabel('用户名 Username').fill('community');
      await page.getByLabel('密码 Password').fill('demo');
      await page.getByRole('button', { name: '登录 Log in' }).click();
      await page.getByRole('tab', { name: /待受理/ }).waitFor();
      expect(new URL(page.url()).pathname).toBe('/cases');
    } finally {
      await context.close();
    }
  });
});
