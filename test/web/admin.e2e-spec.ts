import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import type { ServiceName } from '@gm/contracts';
import { waitFor } from '@gm/testing';
import { DESKTOP, launchChromium, logIn, newContext, PHONE, screenshot } from './browser';
import { startConsoleTier, type ConsoleTier } from './console-tier';

jest.setTimeout(180_000);

const COMMUNITY = '350206001001';
const GRID = `${COMMUNITY}-07`;

interface Unit {
  code: string;
  name: string;
  level: string;
}
interface UnitDetail extends Unit {
  path: Unit[];
  children: Unit[];
  staff: { username: string; displayName: string; post: string; employment: string; abPartner: string | null }[];
}

/** The text of what describes an input (aria-describedby): what a screen reader says after its name, e.g. its error. */
async function descriptionOf(input: Locator): Promise<string> {
  return input.evaluate((el) => {
    const node = el as unknown as { getAttribute(name: string): string | null; ownerDocument: { getElementById(id: string): { textContent: string | null } | null } };
    return (node.getAttribute('aria-describedby') ?? '')
      .split(/\s+/)
      .map((id) => (id ? (node.ownerDocument.getElementById(id)?.textContent ?? '') : ''))
      .join(' ');
  });
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('the administration pages in Chromium against a real tier (parameters, org units and staff, imports; admins only)', () => {
  let tier: ConsoleTier;
  let browser: Browser;
  let files: string;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    [tier, browser] = await Promise.all([startConsoleTier({ residents: false }), launchChromium()]);
    files = mkdtempSync(join(tmpdir(), 'gm-admin-e2e-'));
  });

  afterAll(async () => {
    await browser?.close();
    await tier?.close();
    if (files) rmSync(files, { recursive: true, force: true });
  });

  async function signedIn(username: string, viewport: { width: number; height: number } = DESKTOP, language: 'en' | 'zh-CN' = 'zh-CN', path = '/map'): Promise<{ context: BrowserContext; page: Page }> {
    const context = await newContext(browser, viewport, language);
    const page = await context.newPage();
    await logIn(page, tier.url, username, path);
    // From here on the page is the console's (the login page before is the issuer's).
    page.on('pageerror', (e) => pageErrors.push(`${page.url()}: ${e.message}`));
    return { context, page };
  }

  /** What a service answers the administrator (to compare the page with). */
  async function apiGet<T>(service: ServiceName, path: string): Promise<T> {
    const res = await fetch(`${tier.urlOf(service)}${path}`, { headers: { authorization: `Bearer ${await tier.token('admin')}` } });
    expect(res.status).toBe(200);
    return (await res.json()) as T;
  }

  /** Through the side menu, as a person gets there. */
  async function openAdmin(page: Page, item: string): Promise<void> {
    await page.getByRole('menuitem', { name: '系统管理' }).click();
    await page.getByRole('menuitem', { name: item }).click();
  }

  it('admin edits the assessment scheme: broken JSON is caught before sending, grades.good above grades.excellent is refused naming the field, the fixed value is saved as version 1; a save over a newer version is refused and offers to reload', async () => {
    const before = await apiGet<{ version: number; value: { grades: { excellent: number; good: number; pass: number } } }>('system-admin', '/api/v1/parameters/assessment-scheme');
    expect(before.version).toBe(0);
    const { context, page } = await signedIn('admin');
    try {
      await openAdmin(page, '运行参数');
      await page.waitForURL(/\/admin\/parameters/);
      await page.getByRole('tab', { name: /考核方案/ }).click();
      // The other parameters' panels stay in the page (hidden): read only this one.
      const panel = page.getByRole('tabpanel', { name: /考核方案/ });
      await panel.getByText('系统默认（第 0 版）').waitFor();

      // Broken JSON never leaves the browser.
      const saves: string[] = [];
      page.on('request', (r) => r.method() === 'PUT' && saves.push(r.url()));
      await panel.getByText('JSON 全文').click();
      const editor = panel.getByRole('textbox', { name: '参数内容（JSON）' });
      const original = await editor.inputValue();
      expect(JSON.parse(original)).toEqual(before.value);
      await editor.fill(`${original.trimEnd()},`);
      await panel.getByRole('button', { name: '保存' }).click();
      await panel.getByRole('alert').filter({ hasText: 'JSON 格式错误' }).waitFor();
      expect(saves).toEqual([]);
      expect((await apiGet<{ version: number }>('system-admin', '/api/v1/parameters/assessment-scheme')).version).toBe(0);
      await panel.getByRole('button', { name: '撤销修改' }).click();
      expect(await editor.inputValue()).toBe(original);
      expect(await panel.getByRole('alert').filter({ hasText: 'JSON 格式错误' }).count()).toBe(0);

      // "Good" above "excellent": the service refuses it and names grades.good, in the list and at the field.
      await panel.getByText('常用项').click();
      const good = panel.getByRole('spinbutton', { name: '“良好”分数线' });
      expect(await good.inputValue()).toBe(String(before.value.grades.good));
      await good.fill(String(before.value.grades.excellent + 5));
      await panel.getByRole('button', { name: '保存' }).click();
      const refused = panel.getByRole('alert').filter({ hasText: '以下字段未通过校验' });
      await refused.waitFor();
      expect(saves).toEqual([expect.stringMatching(/\/svc\/system-admin\/api\/v1\/parameters\/assessment-scheme$/)]);
      // Only "good" is out of order ("pass" is still below it).
      expect(await refused.getByRole('listitem').count()).toBe(1);
      const listed = refused.getByRole('listitem').filter({ hasText: 'grades.good' });
      expect(await listed.count()).toBe(1);
      // Next to the place: the field is marked invalid and described by the service's message.
      expect(await good.getAttribute('aria-invalid')).toBe('true');
      expect(await descriptionOf(good)).toMatch(/grades\.excellent/);
      await page.waitForTimeout(300);
      await screenshot(page, 'admin-parameters-field-error-zh-desktop');

      // And in the JSON: the link selects the line of grades.good.
      await listed.getByRole('button', { name: /grades\.good/ }).click();
      await page.waitForTimeout(200);
      const selectedLine = await editor.evaluate((el) => {
        const area = el as unknown as { value: string; selectionStart: number; selectionEnd: number };
        return area.value.slice(area.selectionStart, area.selectionEnd);
      });
      expect(selectedLine).toMatch(new RegExp(`"good": ${before.value.grades.excellent + 5}`));
      await screenshot(page, 'admin-parameters-json-line-zh-desktop');
      expect((await apiGet<{ version: number }>('system-admin', '/api/v1/parameters/assessment-scheme')).version).toBe(0);

      // Fixed: saved as version 1, and the service has it.
      await panel.getByText('常用项').click();
      await good.fill(String(before.value.grades.excellent - 5));
      await panel.getByRole('button', { name: '保存' }).click();
      await panel.getByRole('alert').filter({ hasText: '已保存为第 1 版' }).waitFor();
      await panel.getByText('第 1 版', { exact: true }).waitFor();
      expect(await page.getByRole('tab', { name: /考核方案\s*v1/ }).count()).toBe(1);
      expect(await panel.getByRole('alert').filter({ hasText: '以下字段未通过校验' }).count()).toBe(0);
      const saved = await apiGet<{ version: number; value: { grades: { excellent: number; good: number; pass: number } } }>('system-admin', '/api/v1/parameters/assessment-scheme');
      expect(saved.version).toBe(1);
      expect(saved.value.grades.good).toBe(before.value.grades.excellent - 5);
      // The history lists the new version.
      await panel.getByLabel('变更记录').getByRole('row', { name: /v1/ }).waitFor();
      await screenshot(page, 'admin-parameters-saved-zh-desktop');

      // Someone else saves version 2 meanwhile: this page's next save (If-Match 1) is refused, and it offers to reload.
      const theirs = { ...saved.value, grades: { ...saved.value.grades, pass: before.value.grades.pass - 5 } };
      const put = await fetch(`${tier.urlOf('system-admin')}/api/v1/parameters/assessment-scheme`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json', 'if-match': '1', authorization: `Bearer ${await tier.token('admin')}` },
        body: JSON.stringify(theirs),
      });
      expect(put.status).toBe(200);
      await good.fill(String(before.value.grades.excellent - 2));
      await panel.getByRole('button', { name: '保存' }).click();
      const conflict = panel.getByRole('alert').filter({ hasText: '参数已被他人修改' });
      await conflict.waitFor();
      await screenshot(page, 'admin-parameters-conflict-zh-desktop');
      await conflict.getByRole('button', { name: '重新加载' }).click();
      await panel.getByText('第 2 版', { exact: true }).waitFor();
      // The fields take the reloaded values in the render after the version label: wait for them, then compare.
      const pass = panel.getByRole('spinbutton', { name: '“合格”分数线' });
      await waitFor('the reloaded values in the form', async () => (await pass.inputValue()) === String(before.value.grades.pass - 5), 5_000, 100).catch(() => undefined);
      expect(await pass.inputValue()).toBe(String(before.value.grades.pass - 5));
      expect(await good.inputValue()).toBe(String(before.value.grades.excellent - 5));
      await panel.getByLabel('变更记录').getByRole('row', { name: /v2/ }).waitFor();
      expect((await apiGet<{ version: number }>('system-admin', '/api/v1/parameters/assessment-scheme')).version).toBe(2);
    } finally {
      await context.close();
    }
  });

  it('admin finds community 350206001001 by its code, opens grid -07 in the tree and sees its staff with their A/B partners, as system-admin has them', async () => {
    const grid = await apiGet<UnitDetail>('system-admin', `/api/v1/org-units/${GRID}`);
    const community = grid.path.find((u) => u.code === COMMUNITY)!;
    expect(community).toBeDefined();
    expect(grid.staff.length).toBeGreaterThan(0);
    expect(grid.staff.some((s) => s.abPartner !== null)).toBe(true);
    const { context, page } = await signedIn('admin');
    try {
      await openAdmin(page, '组织与人员');
      await page.getByRole('treeitem').first().waitFor();
      await page.getByRole('combobox', { name: '按名称或代码查找单位' }).fill(COMMUNITY);
      // The matches list the community (the exact code) first, its grids after it: Enter takes the first.
      await page.getByText(`${community.name}第1网格`).waitFor();
      await page.keyboard.press('Enter');

      // The tree opened down to the community and selected it; its detail lists its grids.
      await page.getByRole('treeitem', { name: new RegExp(`${COMMUNITY}$`), selected: true }).waitFor();
      const below = page.getByLabel('下级单位', { exact: true });
      await below.getByRole('row', { name: new RegExp(GRID) }).waitFor();
      const communityDetail = await apiGet<UnitDetail>('system-admin', `/api/v1/org-units/${COMMUNITY}`);
      expect(await below.getByRole('row').count()).toBe(communityDetail.children.length + 1);
      // Only what was opened is in the tree: the other communities' grids are not.
      expect(await page.getByRole('treeitem', { name: /350206001002-\d\d$/ }).count()).toBe(0);

      await page.getByRole('treeitem', { name: new RegExp(`${GRID}$`) }).click();
      await page.getByRole('treeitem', { name: new RegExp(`${GRID}$`), selected: true }).waitFor();
      const staff = page.getByLabel(`${grid.name}的人员`);
      await staff.getByRole('row', { name: new RegExp(grid.staff[0]!.username) }).waitFor();
      expect(await staff.getByRole('row').count()).toBe(grid.staff.length + 1);
      const nameOf = (username: string) => grid.staff.find((s) => s.username === username)?.displayName ?? username;
      for (const member of grid.staff) {
        const row = staff.getByRole('row', { name: new RegExp(`^${escape(member.username)}(\\s|$)`) });
        const text = (await row.textContent()) ?? '';
        expect(text).toContain(member.displayName);
        if (member.abPartner) expect(text).toContain(nameOf(member.abPartner));
        else expect(text).toContain('无搭档');
      }
      await screenshot(page, 'admin-org-grid-zh-desktop');
    } finally {
      await context.close();
    }
  });

  it('admin imports staff.csv with one changed name and sees the counts; a file with a bad row is refused, the error naming its line', async () => {
    const lines = readFileSync(join(tier.districtDir, 'staff.csv'), 'utf8').trimEnd().split('\n');
    const header = lines[0]!;
    expect(header).toBe('unit_code,username,display_name,post,employment,ab_partner');
    const at = lines.findIndex((l, i) => i > 0 && l.startsWith(`${GRID},`) && l.split(',').length === 6);
    expect(at).toBeGreaterThan(0);
    const fields = lines[at]!.split(',');
    const renamed = [fields[0], fields[1], '改名测试员', ...fields.slice(3)].join(',');
    const edited = join(files, 'staff.csv');
    writeFileSync(edited, [...lines.slice(0, at), renamed, ...lines.slice(at + 1)].join('\n') + '\n');
    const bad = join(files, 'staff-bad.csv');
    writeFileSync(bad, [header, renamed, `${GRID},gw-astro,宇航员,astronaut,full-time,`].join('\n') + '\n');
    const rows = lines.length - 1;
    const n = (v: number) => new Intl.NumberFormat('zh-CN').format(v);

    const { context, page } = await signedIn('admin');
    try {
      await openAdmin(page, '数据导入');
      const choose = async (path: string) => {
        const chooser = page.waitForEvent('filechooser');
        await page.getByRole('button', { name: '选择文件' }).click();
        await (await chooser).setFiles(path);
      };
      await page.getByRole('combobox', { name: '数据类别' }).click();
      await page.getByText('网格人员（staff.csv）', { exact: true }).click();
      expect(await page.getByRole('button', { name: '开始导入' }).isDisabled()).toBe(true);
      await choose(edited);
      await page.getByText('staff.csv', { exact: true }).waitFor();
      await page.getByRole('button', { name: '开始导入' }).click();
      await page.getByRole('alert').filter({ hasText: `导入完成：新增 0，更新 1，未变 ${n(rows - 1)}` }).waitFor();
      expect(await page.getByRole('row', { name: new RegExp(`行数\\s*${n(rows)}(\\s|$)`) }).count()).toBe(1);
      const after = await apiGet<UnitDetail>('system-admin', `/api/v1/org-units/${GRID}`);
      expect(after.staff.find((s) => s.username === fields[1])?.displayName).toBe('改名测试员');
      await screenshot(page, 'admin-imports-done-zh-desktop');

      await choose(bad);
      await page.getByRole('button', { name: '开始导入' }).click();
      await page.getByRole('alert').filter({ hasText: '文件有错误行，未写入任何数据' }).waitFor();
      const errors = page.getByLabel('错误明细');
      const row = errors.getByRole('row', { name: /第 3 行/ });
      expect(await row.count()).toBe(1);
      expect(await row.textContent()).toMatch(/post/);
      expect(await errors.getByRole('row', { name: /第 2 行/ }).count()).toBe(0);
      const unchanged = await apiGet<UnitDetail>('system-admin', `/api/v1/org-units/${GRID}`);
      expect(unchanged.staff.some((s) => s.username === 'gw-astro')).toBe(false);
      await screenshot(page, 'admin-imports-rejected-zh-desktop');
    } finally {
      await context.close();
    }
  });

  it("admin keeps a department's duty line and contacts: a bad phone number is refused naming the field, the fixed one is saved and shown", async () => {
    const { context, page } = await signedIn('admin');
    try {
      await openAdmin(page, '职能部门');
      await page.waitForURL(/\/admin\/departments/);
      const row = page.getByRole('row').filter({ hasText: '水务部门' });
      await row.getByText(/\d+ 类/).waitFor();
      await row.getByRole('button', { name: '编辑 水务部门' }).click();
      const drawer = page.getByRole('dialog', { name: '编辑：水务部门' });
      await drawer.getByLabel('值班电话').fill('请拨总机');
      await drawer.getByRole('button', { name: '保存' }).click();
      await drawer.getByText(/phone number/).waitFor();
      await drawer.getByLabel('值班电话').fill('0592-5550100');
      await drawer.getByRole('button', { name: '添加联系人' }).click();
      await drawer.getByLabel('职务').fill('值班室');
      await drawer.getByLabel('姓名').fill('测试值班员');
      await drawer.getByLabel('电话', { exact: true }).fill('0592-5550101');
      await drawer.getByRole('button', { name: '保存' }).click();
      await page.getByText('已保存：水务部门').waitFor();
      await row.getByText('0592-5550100').waitFor();
      await screenshot(page, 'admin-departments-zh-desktop');
      const kept = await apiGet<{ dutyPhone: string; contacts: { name: string }[] }>('service-office', '/api/v1/departments/water');
      expect(kept).toMatchObject({ dutyPhone: '0592-5550100', contacts: [{ name: '测试值班员' }] });
    } finally {
      await context.close();
    }
  });

  it('a community user who opens /admin/parameters sees the not-allowed page, and no administration menu', async () => {
    const { context, page } = await signedIn('community', DESKTOP, 'zh-CN', '/admin/parameters');
    try {
      await page.getByText('您的角色无权使用此页面').waitFor();
      expect(await page.getByRole('textbox', { name: '参数内容（JSON）' }).count()).toBe(0);
      expect(await page.getByRole('tab', { name: /考核方案/ }).count()).toBe(0);
      expect(await page.getByRole('menuitem', { name: '系统管理' }).count()).toBe(0);
      await screenshot(page, 'admin-not-allowed-zh-desktop');
      await page.goto(`${tier.url}/admin/imports`);
      await page.getByText('您的角色无权使用此页面').waitFor();
      expect(await page.getByRole('button', { name: '开始导入' }).count()).toBe(0);
    } finally {
      await context.close();
    }
  });

  it('switching to English on an administration page changes its text', async () => {
    const { context, page } = await signedIn('admin', DESKTOP, 'zh-CN', '/admin/parameters');
    try {
      await page.getByRole('tab', { name: /案件规则/ }).waitFor();
      await page.getByText('English', { exact: true }).click();
      await page.getByRole('tab', { name: /Case rules/ }).waitFor();
      expect(await page.getByRole('tab', { name: /案件规则/ }).count()).toBe(0);
      await page.getByRole('spinbutton', { name: 'Time limit of Accept (Any category, any urgency)' }).waitFor();
      await page.getByRole('button', { name: 'Save' }).waitFor();
      expect(await page.getByRole('button', { name: '保存' }).count()).toBe(0);
      await screenshot(page, 'admin-parameters-en-desktop');
      await page.getByRole('tab', { name: /Assessment scheme/ }).click();
      await page.getByRole('spinbutton', { name: '"Good" threshold' }).waitFor();
      await page.getByRole('tabpanel', { name: /Assessment scheme/ }).getByRole('table', { name: 'History' }).waitFor();
      await screenshot(page, 'admin-parameters-assessment-en-desktop');

      // The test's browser profile stores Chinese again on every load: choose English again after each.
      await page.goto(`${tier.url}/admin/org?unit=${GRID}`);
      await page.getByText('English', { exact: true }).click();
      await page.getByRole('columnheader', { name: 'A/B partner' }).waitFor();
      await page.getByRole('treeitem', { name: new RegExp(`${GRID}$`), selected: true }).waitFor();
      await screenshot(page, 'admin-org-grid-en-desktop');
      await page.goto(`${tier.url}/admin/imports`);
      await page.getByText('English', { exact: true }).click();
      await page.getByRole('combobox', { name: 'Kind of data' }).waitFor();
      await screenshot(page, 'admin-imports-en-desktop');
    } finally {
      await context.close();
    }
  });

  it('works on a phone', async () => {
    const { context, page } = await signedIn('admin', PHONE, 'zh-CN', '/admin/parameters');
    try {
      await page.getByRole('tab', { name: /案件规则/ }).waitFor();
      await screenshot(page, 'admin-parameters-zh-phone');
      await page.goto(`${tier.url}/admin/org?unit=${GRID}`);
      await page.getByRole('columnheader', { name: 'AB岗搭档' }).waitFor();
      await screenshot(page, 'admin-org-zh-phone');
      await page.goto(`${tier.url}/admin/imports`);
      await page.getByRole('button', { name: '选择文件' }).waitFor();
      await screenshot(page, 'admin-imports-zh-phone');
    } finally {
      await context.close();
    }
  });

  it('no page of the console threw an error meanwhile', () => {
    expect(pageErrors).toEqual([]);
  });
});
