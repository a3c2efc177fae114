import { randomBytes } from 'node:crypto';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { WebhookReceiver } from '@gm/testing';
import { DESKTOP, launchChromium, logIn, newContext, PHONE, screenshot } from './browser';
import { startConsoleTier, type ConsoleTier } from './console-tier';

jest.setTimeout(240_000);

const COMMUNITY = '350206001001';

/**
 * The service office in the console (服务办公), in Chromium against a real tier: a department
 * subscribes a webhook, the community whistles it, the department answers, the community's inbox
 * hears it; a street notice is read and returned; a resident service request goes through its steps.
 */
describe('the service office pages in Chromium against a real tier (work orders, subscriptions, inbox, notices, resident services)', () => {
  let tier: ConsoleTier;
  let browser: Browser;
  let receiver: WebhookReceiver;
  const pageErrors: string[] = [];
  // Until the page shows the secret the service generates, the receiver knows none that verifies.
  const secret = `whsec_${randomBytes(32).toString('base64')}`;

  beforeAll(async () => {
    receiver = await new WebhookReceiver(secret).start();
    [tier, browser] = await Promise.all([startConsoleTier({ env: { WEBHOOK_ALLOW_HOSTS: '127.0.0.1', WEBHOOK_POLL_MS: '200' } }), launchChromium()]);
  });

  afterAll(async () => {
    await browser?.close();
    await tier?.close();
    await receiver?.stop();
  });

  afterEach(() => {
    expect(pageErrors).toEqual([]);
  });

  async function signedIn(username: string, viewport: { width: number; height: number } = DESKTOP, language: 'en' | 'zh-CN' = 'zh-CN', path = '/map'): Promise<{ context: BrowserContext; page: Page }> {
    const context = await newContext(browser, viewport, language);
    const page = await context.newPage();
    try {
      await logIn(page, tier.url, username, path);
    } catch (err) {
      await screenshot(page, `office-login-failed-${username}`);
      throw err;
    }
    page.on('pageerror', (e) => pageErrors.push(`${page.url()}: ${e.message}`));
    return { context, page };
  }

  async function openOffice(page: Page, office: string, item: string): Promise<void> {
    await page.getByRole('menuitem', { name: office }).click();
    await page.getByRole('menuitem', { name: item }).click();
  }

  /** Picks an option of an Ant Design select found by its label. */
  async function choose(page: Page, label: string, option: string | RegExp): Promise<void> {
    await page.getByRole('combobox', { name: label }).click();
    await page.locator('.ant-select-item-option').filter({ hasText: option }).first().click();
  }

  /** Types a time into an Ant Design date picker and confirms it (as the browser's clock reads it: Asia/Shanghai). */
  async function pickTime(page: Page, label: string, at: Date): Promise<void> {
    const parts = Object.fromEntries(
      new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })
        .formatToParts(at)
        .map((p) => [p.type, p.value]),
    );
    const text = `${parts['year']}-${parts['month']}-${parts['day']} ${parts['hour']}:${parts['minute']}`;
    const input = page.getByLabel(label);
    await input.click();
    await input.fill(text);
    await input.press('Enter');
    await page.locator('.ant-picker-dropdown:not(.ant-picker-dropdown-hidden)').waitFor({ state: 'hidden' });
  }

  it('a department subscribes a webhook; the community whistles it; the department answers from its console; the webhook and the community’s inbox hear it', async () => {
    // The department subscribes, in English.
    const dept = await signedIn('department', DESKTOP, 'en');
    try {
      await openOffice(dept.page, 'Service office', 'Event subscriptions');
      await dept.page.getByRole('button', { name: 'New subscription' }).click();
      const add = dept.page.getByRole('dialog', { name: 'New webhook subscription' });
      await add.getByLabel('Endpoint URL').fill('http://10.1.2.3/hook');
      await add.getByRole('button', { name: 'Save' }).click();
      // A private address the tier does not allow is refused at the field.
      await add.getByText(/private|loopback|not allowed|https/i).first().waitFor();
      await add.getByLabel('Endpoint URL').fill(receiver.url);
      await add.getByRole('button', { name: 'Save' }).click();
      const shown = dept.page.getByRole('dialog', { name: 'Signing secret (shown this once)' });
      await shown.waitFor();
      await screenshot(dept.page, 'office-subscription-secret-en-desktop');
      // The department's system keeps the secret it was shown, and verifies with it.
      const generated = (await shown.getByText(/^whsec_/).textContent())!.trim();
      expect(generated).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
      receiver.secrets = [generated];
      await dept.page.getByRole('button', { name: 'OK' }).click();
      await dept.page.getByRole('cell', { name: new RegExp(receiver.url.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')) }).waitFor();
    } finally {
      await dept.context.close();
    }

    // The community whistles urban management, in Chinese.
    const community = await signedIn('community');
    try {
      await openOffice(community.page, '服务办公', '吹哨报到');
      await community.page.getByText('暂无工单').waitFor();
      await community.page.getByRole('button', { name: '吹 哨' }).or(community.page.getByRole('button', { name: '吹哨' })).first().click();
      const drawer = community.page.getByRole('dialog', { name: '吹哨：召集职能部门' });
      await choose(community.page, '被召集部门', '城市管理部门');
      await drawer.getByLabel('标题').fill('占道堆物清理');
      await drawer.getByLabel('需求').fill('请派执法队到场清理');
      await drawer.getByLabel('地点').fill('演示路 12 号');
      await pickTime(community.page, '到场时限', new Date(Date.now() + 3_600_000));
      await pickTime(community.page, '办结时限', new Date(Date.now() + 7_200_000));
      await screenshot(community.page, 'office-whistle-zh-desktop');
      await drawer.getByRole('button', { name: /吹\s?哨/ }).click();
      await community.page.getByRole('cell', { name: '占道堆物清理' }).waitFor({ timeout: 10_000 }).catch(async (err: unknown) => {
        await screenshot(community.page, 'office-whistle-failed');
        throw err;
      });
      await community.page.getByText('待响应').first().waitFor();
      // The department's KPIs below count the new work order at once.
      const kpis = community.page.locator('.ant-card').filter({ hasText: '部门考核（吹哨报到）' });
      await kpis.getByRole('cell', { name: '城市管理部门' }).waitFor();
      await screenshot(community.page, 'office-work-orders-zh-desktop');
    } finally {
      await community.context.close();
    }

    // The department's webhook got the whistle, signed.
    await waitUntil(() => receiver.accepted.some((d) => d.event.type === 'gm.workorder.whistled.v1'));

    // The department answers from its console.
    const answer = await signedIn('department', DESKTOP, 'en');
    try {
      await openOffice(answer.page, 'Service office', 'Work orders');
      await answer.page.getByRole('button', { name: /^GD\d+/ }).first().click();
      const drawer = answer.page.getByRole('dialog', { name: /占道堆物清理/ });
      await drawer.getByText('Awaiting answer').waitFor();
      await drawer.getByRole('button', { name: 'Answer' }).click();
      await drawer.getByLabel('Note').fill('On our way');
      await drawer.getByRole('button', { name: 'Submit' }).click();
      await drawer.getByText('Answered', { exact: true }).first().waitFor();
      await screenshot(answer.page, 'office-work-order-answered-en-desktop');
      await drawer.getByRole('button', { name: 'Close' }).click();
      await drawer.waitFor({ state: 'hidden' });
      // Its subscription's delivery log shows the deliveries.
      await openOffice(answer.page, 'Service office', 'Event subscriptions');
      await answer.page.getByRole('button', { name: 'Deliveries' }).click();
      await answer.page.getByRole('dialog', { name: 'Deliveries' }).getByText('gm.workorder.acknowledged.v1').waitFor({ timeout: 20_000 });
      await answer.page.waitForTimeout(400); // the drawer's opening animation, for the picture
      await screenshot(answer.page, 'office-deliveries-en-desktop');
    } finally {
      await answer.context.close();
    }

    // The community's inbox hears the answer (the bell shows it), on a phone.
    const phone = await signedIn('community', PHONE, 'zh-CN', '/office/inbox');
    try {
      await phone.page.getByText('部门已响应').waitFor();
      await phone.page.getByText('1 条未读').waitFor();
      await screenshot(phone.page, 'office-inbox-zh-phone');
      await phone.page.getByRole('button', { name: '全部标为已读' }).click();
      await phone.page.getByText('1 条未读').waitFor({ state: 'detached' });
    } finally {
      await phone.context.close();
    }
  });

  it('a street publishes a notice asking for a return; the community reads it and returns; the street sees the receipts', async () => {
    const street = await signedIn('street');
    try {
      await openOffice(street.page, '服务办公', '通知公告');
      await street.page.getByRole('button', { name: '发布通知' }).click();
      const drawer = street.page.getByRole('dialog', { name: '发布通知公告' });
      await drawer.getByLabel('标题').fill('关于开展消防安全排查的通知');
      await drawer.getByLabel('正文').fill('请各社区本周内完成辖区消防安全排查，并上报排查情况。');
      await drawer.getByLabel('接收单位（可选）').fill(COMMUNITY);
      await drawer.getByRole('switch', { name: '要求上报材料' }).click();
      await drawer.getByLabel('上报要求').fill('上报排查表');
      await pickTime(street.page, '上报截止', new Date(Date.now() + 86_400_000));
      await drawer.getByRole('button', { name: '发布通知' }).click();
      await street.page.getByRole('tab', { name: '发布的通知' }).click();
      await street.page.getByText('关于开展消防安全排查的通知').waitFor();
    } finally {
      await street.context.close();
    }

    const community = await signedIn('community', PHONE, 'zh-CN', '/office/notices');
    try {
      await community.page.getByText('未读').first().waitFor();
      await community.page.getByRole('button', { name: '关于开展消防安全排查的通知' }).click();
      const drawer = community.page.getByRole('dialog', { name: '关于开展消防安全排查的通知' });
      await drawer.getByLabel('上报内容').fill('已排查 42 户，发现隐患 3 处');
      await drawer.getByRole('button', { name: '上报材料' }).click();
      await drawer.getByText(/本单位已上报/).waitFor();
      await screenshot(community.page, 'office-notice-returned-zh-phone');
    } finally {
      await community.context.close();
    }

    const back = await signedIn('street', DESKTOP, 'en', '/office/notices');
    try {
      await back.page.getByRole('tab', { name: 'Published' }).click();
      await back.page.getByRole('button', { name: '关于开展消防安全排查的通知' }).click();
      const receipts = back.page.getByRole('dialog', { name: 'Receipts' });
      await receipts.getByText('Units read 1/1').waitFor();
      await receipts.getByText('Returned 1, late 0, missing 0').waitFor();
      await receipts.getByText('已排查 42 户，发现隐患 3 处').waitFor();
      await back.page.waitForTimeout(400); // the drawer's opening animation, for the picture
      await screenshot(back.page, 'office-notice-receipts-en-desktop');
    } finally {
      await back.context.close();
    }
  });

  it('a grid worker reads a community notice on the handheld (the receipt counts for the grid) and returns from the phone', async () => {
    const publish = await fetch(`${tier.urlOf('service-office')}/api/v1/notices`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await tier.token('community')}`, 'content-type': 'application/json' },
      body: JSON.stringify({ title: '网格员本周走访重点', body: '请重点走访独居老人。', audience: { roles: ['grid-worker'] }, returnRequest: { instructions: '上报走访户数', deadline: new Date(Date.now() + 86_400_000).toISOString() } }),
    });
    expect(publish.status).toBe(201);
    const notice = (await publish.json()) as { id: string };
    const context = await newContext(browser, PHONE, 'zh-CN');
    const page = await context.newPage();
    try {
      await logIn(page, tier.handheldUrl, 'gw-07', '/');
      page.on('pageerror', (e) => pageErrors.push(`${page.url()}: ${e.message}`));
      await page.getByRole('link', { name: /通知与消息/ }).click();
      // Unread: this one and the street's notice to the whole community (test above).
      await page.getByText(/通知（\d+ 未读）/).waitFor();
      await page.getByRole('link', { name: /网格员本周走访重点/ }).click();
      await page.getByText('请重点走访独居老人。').waitFor();
      await page.getByLabel('上报内容').fill('本周走访 12 户');
      await page.getByRole('button', { name: '上报' }).click();
      await page.getByText(/本单位已上报/).waitFor();
      await screenshot(page, 'handheld-notice-zh-phone');
    } finally {
      await context.close();
    }
    const receipts = await fetch(`${tier.urlOf('service-office')}/api/v1/notices/${notice.id}/receipts`, { headers: { authorization: `Bearer ${await tier.token('community')}` } });
    const body = (await receipts.json()) as { readers: { username: string; receiptUnit: string }[]; units: { unit: string; return: { text: string } | null }[] };
    expect(body.readers).toEqual([expect.objectContaining({ username: 'gw-07', receiptUnit: `${COMMUNITY}-07` })]);
    expect(body.units.find((u) => u.unit === `${COMMUNITY}-07`)?.return?.text).toBe('本周走访 12 户');
  });

  it('community staff take a resident service request and move it through its steps once the materials are in', async () => {
    const token = await tier.token('community');
    const res = await fetch(`${tier.urlOf('base-data')}/api/v1/residents?unit=${COMMUNITY}-07&limit=1`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    const resident = ((await res.json()) as { items: { id: string }[] }).items[0]!.id;

    const { context, page } = await signedIn('community');
    try {
      await openOffice(page, '服务办公', '代办服务');
      await page.getByRole('button', { name: '受理代办' }).click();
      const drawer = page.getByRole('dialog', { name: '受理代办申请' });
      await choose(page, '事项', /高龄津贴申领/);
      await drawer.getByLabel('居民编号').fill(resident);
      await drawer.getByRole('checkbox', { name: /居民身份证/ }).check();
      await drawer.getByRole('button', { name: '受理代办' }).click();
      const request = page.getByRole('dialog', { name: /^DB\d+ · 高龄津贴申领/ });
      await request.getByText('办理中').waitFor();
      // Required materials are missing: the next step is refused with the list.
      await request.getByRole('button', { name: '办理下一步' }).click();
      await page.getByText(/该代办申请当前状态不能进行此操作：required materials are missing: 户口簿/).waitFor();
      await request.getByRole('checkbox', { name: /户口簿/ }).check();
      await request.getByRole('checkbox', { name: /本人银行卡/ }).check();
      await request.getByRole('button', { name: '保存材料' }).click();
      for (let i = 0; i < 4; i++) {
        await request.getByRole('button', { name: '办理下一步' }).click();
        await page.waitForTimeout(300);
      }
      await request.getByText('已办结').first().waitFor();
      await screenshot(page, 'office-service-request-zh-desktop');
    } finally {
      await context.close();
    }
  });
});

async function waitUntil(check: () => boolean, ms = 20_000): Promise<void> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 100));
  }
}
