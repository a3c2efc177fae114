import { randomUUID } from 'node:crypto';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { aReport } from '@gm/testing';
import { subjectOf } from '@gm/auth';
import { DESKTOP, launchChromium, logIn, newContext, PHONE, problems, screenshot } from './browser';
import { startConsoleTier, type ConsoleTier } from './console-tier';

jest.setTimeout(180_000);

const COMMUNITY = '350206001001';

describe('the staff console in Chromium against a real tier (login with PKCE, map, live cases, case desk, KPIs)', () => {
  let tier: ConsoleTier;
  let browser: Browser;

  beforeAll(async () => {
    [tier, browser] = await Promise.all([startConsoleTier(), launchChromium()]);
  });

  afterAll(async () => {
    await browser?.close();
    await tier?.close();
  });

  /** A signed-in page of `username` (login page, code + PKCE). */
  async function signedIn(username: string, viewport = DESKTOP, language?: 'en' | 'zh-CN', path = '/map'): Promise<{ context: BrowserContext; page: Page }> {
    const context = await newContext(browser, viewport, language);
    const page = await context.newPage();
    await logIn(page, tier.url, username, path);
    return { context, page };
  }

  /** The grid codes the map's grid picker offers. */
  async function gridOptions(page: Page): Promise<string[]> {
    await page.getByRole('combobox', { name: '网格' }).click();
    // The picker's options read "<name> (<code>)".
    const options = page.getByText(/\(\d{12}-\d{2}\)$/);
    await options.first().waitFor();
    const texts = await options.allTextContents();
    await page.keyboard.press('Escape');
    return texts.map((t) => /\((\d{12}-\d{2})\)$/.exec(t)![1]!).sort();
  }

  it('a community user logs in through the login page and sees the map with exactly its grids; the neighbouring community none of them', async () => {
    const { context, page } = await signedIn('community');
    try {
      await page.getByRole('region', { name: '一张图' }).waitFor();
      await page.getByRole('button', { name: 'community' }).waitFor();
      const grids = await gridOptions(page);
      expect(grids).toEqual(Array.from({ length: 8 }, (_, i) => `${COMMUNITY}-0${i + 1}`));
      await page.waitForTimeout(1500);
      await screenshot(page, 'map-community-zh-desktop');
    } finally {
      await context.close();
    }
    const neighbour = await signedIn('community-other');
    try {
      const theirs = await gridOptions(neighbour.page);
      expect(theirs.length).toBeGreaterThan(0);
      expect(theirs.some((c) => c.startsWith(COMMUNITY))).toBe(false);
    } finally {
      await neighbour.context.close();
    }
  });

  it('a report posted by a grid worker appears on the map and in 待受理 within a second, without a reload', async () => {
    const { context, page } = await signedIn('community');
    const desk = await context.newPage();
    try {
      await desk.goto(`${tier.url}/cases?queue=toAccept`);
      await desk.getByRole('tab', { name: /待受理/ }).waitFor();
      await page.getByText(/地图上 \d+ 件/).waitFor();
      const worker = await tier.token('gw-07');
      const res = await fetch(`${tier.urlOf('mobile-gateway')}/api/v1/reports`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${worker}` },
        body: JSON.stringify(aReport({ clientId: randomUUID(), description: '人行道井盖破损 (broken cover on the pavement)', categoryCode: 'BJ0101' })),
      });
      expect(res.status).toBe(201);
      const sent = Date.now();
      const { caseNo } = (await res.json()) as { caseNo: string };
      await Promise.all([page.getByText(caseNo).waitFor({ timeout: 1000 }), desk.getByRole('link', { name: caseNo }).waitFor({ timeout: 1000 })]);
      expect(Date.now() - sent).toBeLessThan(1000);
      await page.waitForTimeout(1500);
      await screenshot(page, 'map-new-case-zh-desktop');
      console.log(problems.join('\n'));
      await screenshot(desk, 'desk-to-accept-zh-desktop');
    } finally {
      await context.close();
    }
  });

  it('switching to English changes the page text, and a reload keeps the choice', async () => {
    const { context, page } = await signedIn('community');
    try {
      await page.getByRole('menuitem', { name: '案件办理' }).waitFor();
      await page.getByText('English').click();
      await page.getByRole('menuitem', { name: 'Case desk' }).waitFor();
      expect(await page.getByRole('menuitem', { name: '案件办理' }).count()).toBe(0);
      await page.reload();
      await page.getByRole('menuitem', { name: 'Case desk' }).waitFor();
      await page.waitForTimeout(1000);
      await screenshot(page, 'map-community-en-desktop');
    } finally {
      await context.close();
    }
  });

  it('works on a phone', async () => {
    const { context, page } = await signedIn('community', PHONE, 'zh-CN', '/cases');
    try {
      await page.getByRole('tab', { name: /待受理/ }).waitFor();
      await screenshot(page, 'desk-zh-phone');
      await page.goto(`${tier.url}/map`);
      await page.getByRole('region', { name: '一张图' }).waitFor();
      await page.waitForTimeout(1000);
      await screenshot(page, 'map-zh-phone');
    } finally {
      await context.close();
    }
    void subjectOf;
  });
});
