import { randomUUID } from 'node:crypto';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { kpiReportSchema } from '@gm/contracts';
import { aReport, openSse } from '@gm/testing';
import { DESKTOP, launchChromium, logIn, newContext, PHONE, requestedHosts, screenshot } from './browser';
import { startConsoleTier, type ConsoleTier } from './console-tier';
import { syntheticPng } from './images';

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
  async function signedIn(username: string, viewport: { width: number; height: number } = DESKTOP, language?: 'en' | 'zh-CN', path = '/map'): Promise<{ context: BrowserContext; page: Page }> {
    const context = await newContext(browser, viewport, language);
    const page = await context.newPage();
    await logIn(page, tier.url, username, path);
    return { context, page };
  }

  /** A case reported by a grid worker from the handheld (API), inside their grid. */
  async function reportAsWorker(description: string, categoryCode = 'BJ0101', worker = 'gw-07', grid = `${COMMUNITY}-07`): Promise<{ caseId: string; caseNo: string }> {
    const location = await tier.pointIn(grid);
    const res = await fetch(`${tier.urlOf('mobile-gateway')}/api/v1/reports`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${await tier.token(worker)}` },
      body: JSON.stringify(aReport({ clientId: randomUUID(), description, categoryCode, location: { ...location, accuracy: 6 } })),
    });
    expect(res.status).toBe(201);
    return (await res.json()) as { caseId: string; caseNo: string };
  }

  /** A worker's handheld sends its position (API), `metres` north of a point of its grid. */
  async function positionOf(worker: string, grid: string, metres: number): Promise<void> {
    const p = await tier.pointIn(grid);
    const res = await fetch(`${tier.urlOf('mobile-gateway')}/api/v1/positions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${await tier.token(worker)}` },
      body: JSON.stringify({ fixes: [{ at: new Date(Date.now() - 30_000).toISOString(), latitude: p.latitude + metres / 111_000, longitude: p.longitude, accuracy: 8 }] }),
    });
    expect(res.status).toBe(202);
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
      // Both pages hold the live feed open.
      await Promise.all([page.getByRole('status', { name: '实时' }).waitFor(), desk.getByRole('status', { name: '实时' }).waitFor()]);
      // Beside the pages, a plain client of the same live feed: if the pages are late, it says whether the server was.
      const feed = await openSse(`${tier.url}/api/v1/live`, { token: await tier.token('community') });
      try {
        const { caseNo } = await reportAsWorker('人行道井盖破损 (broken cover on the pavement)');
        const sent = Date.now();
        const sentAt = performance.now();
        const shown = await Promise.all([page.getByText(caseNo).waitFor({ timeout: 1000 }), desk.getByRole('link', { name: caseNo }).waitFor({ timeout: 1000 })]).then(
          () => Date.now() - sent,
          async (err: unknown) => {
            const onFeed = await feed.next(5000).then((e) => `the live feed had it after ${Math.round(e.receivedAt - sentAt)} ms`, () => 'the live feed did not have it within 5 s');
            throw new Error(`${err instanceof Error ? err.message : String(err)} (${onFeed})`);
          },
        );
        expect(shown).toBeLessThan(1000);
      } finally {
        feed.close();
      }
      await page.waitForTimeout(1500);
      await screenshot(page, 'map-new-case-zh-desktop');
      await screenshot(desk, 'desk-to-accept-zh-desktop');
    } finally {
      await context.close();
    }
  });

  it('from the desk the case is accepted, registered, dispatched to the nearest suggested worker, handled with a photo uploaded from the page, verified and closed; the timeline shows each step; the KPIs page shows what the API computes', async () => {
    await positionOf('gw-08', `${COMMUNITY}-08`, 0);
    await positionOf('gw-07', `${COMMUNITY}-07`, 40);
    const { caseId, caseNo } = await reportAsWorker('小区东门垃圾桶满溢 (bins overflowing at the east gate)', 'SJ0101');
    const { context, page } = await signedIn('community', DESKTOP, 'zh-CN', '/cases?queue=toAccept');
    try {
      await page.getByRole('link', { name: caseNo }).click();
      await page.getByRole('heading', { name: `案件 ${caseNo}` }).waitFor();
      const actions = page.getByRole('region', { name: '办理' });
      const act = async (button: string, fill?: () => Promise<void>) => {
        await actions.getByRole('button', { name: button, exact: true }).click();
        const dialog = page.getByRole('dialog');
        await dialog.waitFor();
        await fill?.();
        await dialog.getByRole('button', { name: button, exact: true }).click();
        await page.getByText(`${button}：已完成`).waitFor();
        await dialog.waitFor({ state: 'detached' });
      };
      await act('受理');
      await act('立案');
      await act('派遣', async () => {
        const dialog = page.getByRole('dialog');
        // The nearest on-duty worker of the case's grid is suggested first.
        const first = dialog.getByRole('radio').first();
        await first.waitFor();
        expect(await first.getAttribute('aria-label')).toBe('派遣给 gw-07');
        await screenshot(page, 'dispatch-suggestions-zh-desktop');
        await first.check();
      });
      await act('处置完毕', async () => {
        const dialog = page.getByRole('dialog');
        await dialog.getByLabel('说明').fill('已清运，垃圾桶已清洗 (bins emptied and washed)');
        const chooser = page.waitForEvent('filechooser');
        await dialog.getByRole('button', { name: '上传照片' }).click();
        await (await chooser).setFiles({ name: 'after.png', mimeType: 'image/png', buffer: syntheticPng() });
        await dialog.getByText('已上传 after.png').waitFor();
      });
      await act('核查通过');
      await act('结案');
      await page.getByRole('region', { name: '办理' }).getByText('您当前无可执行的操作').waitFor();

      // The timeline shows each step, and the photo is shown through the gateway's link.
      const timeline = page.getByRole('list').filter({ hasText: '结案' }).first();
      for (const step of ['受理', '立案', '派遣', '处置完毕', '核查通过', '结案']) await timeline.getByText(step, { exact: true }).first().waitFor();
      const photo = page.getByRole('img', { name: /^attachments\// });
      await photo.waitFor();
      expect(await photo.evaluate((img) => (img as unknown as { complete: boolean; naturalWidth: number }).complete && (img as unknown as { naturalWidth: number }).naturalWidth > 0)).toBe(true);
      await screenshot(page, 'case-closed-zh-desktop');

      // The API says the same about the case.
      const view = (await (await fetch(`${tier.urlOf('public-sentiment')}/api/v1/cases/${caseId}`, { headers: { authorization: `Bearer ${await tier.token('community')}` } })).json()) as {
        state: string;
        assignee: { kind: string; code: string };
      };
      expect(view.state).toBe('closed');
      expect(view.assignee.kind).toBe('worker');

      // KPIs: the page shows the figures the API computes for the period (this month, grids of the community).
      await page.getByRole('menuitem', { name: '考核评价' }).click();
      const table = page.getByRole('table').filter({ has: page.getByRole('columnheader', { name: '综合指数' }) });
      const row = table.getByRole('row', { name: new RegExp(`${COMMUNITY}-07`) });
      await row.waitFor();
      const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(new Date());
      const api = kpiReportSchema.parse(
        await (
          await fetch(`${tier.url}/api/v1/kpis?level=grid&from=${today.slice(0, 8)}01&to=${today}`, { headers: { authorization: `Bearer ${await tier.token('community')}` } })
        ).json(),
      );
      const mine = api.rows.find((r) => r.subject === `${COMMUNITY}-07`)!;
      expect(mine.figures.closed).toBeGreaterThanOrEqual(1);
      const cells = await row.getByRole('cell').allTextContents();
      const headers = await table.getByRole('columnheader').allTextContents();
      const cell = (name: string) => cells[headers.findIndex((h) => h.trim() === name)]?.trim();
      expect(cell('上报数')).toBe(String(mine.figures.reported));
      expect(cell('立案数')).toBe(String(mine.figures.registered));
      expect(cell('结案数')).toBe(String(mine.figures.closed));
      expect(cell('综合指数')).toBe(mine.assessment.index === null ? '—' : new Intl.NumberFormat('zh-CN', { maximumFractionDigits: 1, minimumFractionDigits: 1 }).format(mine.assessment.index));
      await screenshot(page, 'kpis-zh-desktop');
    } finally {
      await context.close();
    }
  });

  it('an action refused by the API shows the API\'s own message', async () => {
    const { caseId, caseNo } = await reportAsWorker('路灯不亮 (street light out)');
    const { context, page } = await signedIn('community', DESKTOP, 'zh-CN', `/cases/${caseId}`);
    try {
      await page.getByRole('heading', { name: `案件 ${caseNo}` }).waitFor();
      // The form of 受理 is open when someone else accepts the case; the form is sent all the same.
      await page.getByRole('region', { name: '办理' }).getByRole('button', { name: '受理', exact: true }).click();
      const dialog = page.getByRole('dialog');
      await dialog.waitFor();
      const street = await tier.token('street');
      const acceptAs = (lang: string) =>
        fetch(`${tier.urlOf('public-sentiment')}/api/v1/cases/${caseId}/actions/accept`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${street}`, 'accept-language': lang },
          body: '{}',
        });
      expect((await acceptAs('zh-CN')).status).toBe(200);
      const again = await acceptAs('zh-CN');
      expect(again.status).toBe(409);
      const { message } = (await again.json()) as { message: string };
      await dialog.getByRole('button', { name: '受理', exact: true }).click();
      await expect(dialog.getByRole('alert').innerText()).resolves.toContain(message);
      await screenshot(page, 'refused-action-zh-desktop');
    } finally {
      await context.close();
    }
  });

  it('the dashboard and the wall show the counts the command centre computes, in Chinese and in English', async () => {
    const { context, page } = await signedIn('community', DESKTOP, 'zh-CN', '/dashboard');
    try {
      for (const chart of ['每日上报与结案', '在办案件时限', '案件类别 Top 10', '案件状态', '综合指数排名']) await page.getByRole('img', { name: chart }).waitFor();
      const overview = (await (
        await fetch(`${tier.url}/api/v1/overview?unit=${COMMUNITY}`, { headers: { authorization: `Bearer ${await tier.token('community')}` } })
      ).json()) as { open: number };
      await expect(page.getByRole('group', { name: '在办' }).textContent()).resolves.toContain(String(overview.open));
      await page.waitForTimeout(800);
      await screenshot(page, 'dashboard-zh-desktop');
      await page.getByRole('button', { name: '大屏模式' }).click();
      await page.getByRole('heading', { name: /网格化服务管理指挥中心/ }).waitFor();
      await page.locator('[data-state="ready"]').waitFor();
      await page.waitForTimeout(800);
      await screenshot(page, 'wall-zh-desktop');
      await page.getByRole('button', { name: '退出大屏' }).click();
      await page.getByText('English').click();
      await page.getByRole('img', { name: 'Reported and closed per day' }).waitFor();
      await page.waitForTimeout(800);
      await screenshot(page, 'dashboard-en-desktop');
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
  });

  it('asked nothing of any host but the tier (no external tiles, fonts or CDNs)', () => {
    // Every page of the tests above: the console, the realm's login page, the bucket's photos.
    expect(requestedHosts.size).toBeGreaterThan(0);
    expect([...requestedHosts]).toEqual(['127.0.0.1']);
  });
});
