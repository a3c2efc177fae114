import type { Browser, BrowserContext, Page } from 'playwright-core';
import pg from 'pg';
import { idCheckCharacter } from '@gm/domain';
import { subjectOf } from '@gm/auth';
import { waitFor } from '@gm/testing';
import { DESKTOP, launchChromium, logIn, newContext, PHONE, screenshot } from './browser';
import { startConsoleTier, type ConsoleTier } from './console-tier';
import { jpegSize, syntheticPng } from './images';

jest.setTimeout(240_000);

const COMMUNITY = '350206001001';
const GRID = `${COMMUNITY}-07`;

/**
 * The grid worker's handheld (a PWA served by mobile-gateway) in Chromium with a phone's viewport,
 * touch and an emulated GPS, against a real tier: login with code + PKCE, the offline queue in
 * IndexedDB, the service worker, photos resized on the phone and uploaded to the real bucket.
 */
describe("the grid worker's handheld in Chromium on a phone against a real tier", () => {
  let tier: ConsoleTier;
  let browser: Browser;
  let db: pg.Client;
  let inside: { latitude: number; longitude: number };
  let outside: { latitude: number; longitude: number };

  beforeAll(async () => {
    [tier, browser] = await Promise.all([startConsoleTier(), launchChromium()]);
    db = new pg.Client({ connectionString: tier.infra.db.url });
    await db.connect();
    [inside, outside] = await Promise.all([tier.pointIn(GRID), tier.pointIn(`${COMMUNITY}-08`)]);
  });

  afterAll(async () => {
    await db?.end();
    await browser?.close();
    await tier?.close();
  });

  async function onPhone(username: string, at: { latitude: number; longitude: number; accuracy?: number }, language?: 'en' | 'zh-CN'): Promise<{ context: BrowserContext; page: Page }> {
    const context = await newContext(browser, PHONE, language, { geolocation: { accuracy: 8, ...at } });
    const page = await context.newPage();
    await logIn(page, tier.handheldUrl, username, '/');
    return { context, page };
  }

  /** Picks an option of an Ant Design select (found by its label) by typing and choosing its text. */
  async function choose(page: Page, label: string, typed: string, option: string | RegExp): Promise<void> {
    const box = page.getByRole('combobox', { name: label });
    await box.click();
    await box.fill(typed);
    await page.locator('.ant-select-item-option').filter({ hasText: option }).first().click();
  }

  async function sql<T extends pg.QueryResultRow>(text: string, values: unknown[] = []): Promise<T[]> {
    return (await db.query<T>(text, values)).rows;
  }

  it('offline: three reports with photos, a visit and a must-report wait on the phone, survive a reload, and each arrives exactly once when the network returns', async () => {
    const { context, page } = await onPhone('gw-07', inside);
    try {
      // Online once: the app installs its service worker and keeps what it reads (categories, the grid, its households).
      await page.evaluate('navigator.serviceWorker.ready.then(() => true)');
      await page.getByRole('link', { name: '上报问题' }).click();
      await page.getByText(/精度 ±8 米/).waitFor();
      await page.getByRole('combobox', { name: '问题类别' }).click();
      await page.locator('.ant-select-item-option').first().waitFor();
      await page.keyboard.press('Escape');
      await page.goto(`${tier.handheldUrl}/visit`);
      await page.getByText(/户已存手机，离线可搜索/).waitFor();
      await screenshot(page, 'handheld-visit-zh-phone');

      await context.setOffline(true);
      await page.getByRole('link', { name: '首页' }).click();
      await page.getByRole('status').filter({ hasText: '离线' }).first().waitFor();

      const descriptions = ['东门垃圾满溢 handheld-1', '路灯不亮 handheld-2', '井盖破损 handheld-3'];
      const photo = syntheticPng(2000, 1500);
      for (const [i, description] of descriptions.entries()) {
        await page.getByRole('navigation', { name: '主导航' }).getByRole('link', { name: '上报' }).click();
        await page.getByText(/精度 ±8 米/).waitFor();
        await choose(page, '问题类别', '垃圾', '暴露垃圾 · SJ0101');
        await page.getByLabel('问题描述').fill(description);
        await page.getByLabel('拍照或从相册选择').setInputFiles({ name: `scene-${i}.png`, mimeType: 'image/png', buffer: photo });
        await page.getByRole('list', { name: '已选 1 张照片' }).waitFor();
        if (i === 0) await screenshot(page, 'handheld-report-offline-zh-phone');
        await page.getByRole('button', { name: '保存并上报' }).click();
        await page.getByText('已保存在手机上，联网后自动发送').last().waitFor();
      }

      await page.goto(`${tier.handheldUrl}/visit`).catch(() => undefined);
      await page.getByRole('heading', { name: '入户走访' }).waitFor();
      const household = await sql<{ code: string }>('SELECT code FROM base_data.households WHERE grid_code = $1 ORDER BY code LIMIT 2', [GRID]);
      await choose(page, '走访户', household[0]!.code, household[0]!.code);
      await page.getByRole('checkbox', { name: '需求' }).check();
      await page.getByLabel('走访记录').fill('独居老人，希望社区定期上门 handheld-visit');
      await page.getByRole('button', { name: '保存走访' }).click();
      await page.getByText('已保存在手机上，联网后自动发送').last().waitFor();

      await page.getByRole('link', { name: '首页' }).click();
      await page.getByRole('link', { name: '五必报' }).click();
      await choose(page, '走访户', household[1]!.code, household[1]!.code);
      await page.getByLabel('姓名').fill('测试新迁入');
      const first17 = '35020619900101123';
      await page.getByLabel('身份证号').fill(first17 + idCheckCharacter(first17));
      await page.getByRole('button', { name: '提交社区确认' }).click();
      await page.getByText('已保存在手机上，联网后自动发送').last().waitFor();

      // Closed and opened again without the network: the app comes from the service worker, the queue from IndexedDB.
      await page.reload();
      await page.getByRole('status').filter({ hasText: '离线 · 5 条待发送' }).waitFor();
      await page.getByRole('navigation', { name: '主导航' }).getByRole('link', { name: '待发送' }).click();
      await page.getByText('离线：5 条记录保存在手机上，联网后自动发送').waitFor();
      expect(await page.getByRole('listitem', { name: /待发送$/ }).count()).toBe(5);
      await screenshot(page, 'handheld-queue-offline-zh-phone');
      // Nothing reached the tier while offline.
      expect(await sql('SELECT 1 FROM public_sentiment.cases WHERE description = ANY($1)', [descriptions])).toHaveLength(0);

      await context.setOffline(false);
      await page.getByText('全部记录已发送').waitFor({ timeout: 60_000 });
      expect(await page.getByRole('listitem', { name: /已发送$/ }).count()).toBe(5);
      await screenshot(page, 'handheld-queue-sent-zh-phone');

      // Each arrived exactly once: three cases with one photo each, one visit, one proposal.
      const cases = await sql<{ id: string; description: string }>('SELECT id, description FROM public_sentiment.cases WHERE description = ANY($1)', [descriptions]);
      expect(cases.map((c) => c.description).sort()).toEqual([...descriptions].sort());
      expect(await sql("SELECT 1 FROM mobile_gateway.visits WHERE notes LIKE '%handheld-visit'")).toHaveLength(1);
      expect(await sql("SELECT kind, grid_code FROM base_data.change_proposals WHERE kind = 'newcomer'")).toEqual([{ kind: 'newcomer', grid_code: GRID }]);

      const token = await tier.token('gw-07');
      for (const c of cases) {
        const timeline = (await (await fetch(`${tier.urlOf('public-sentiment')}/api/v1/cases/${c.id}/timeline`, { headers: { authorization: `Bearer ${token}` } })).json()) as { entries: { attachments: string[] }[] };
        const keys = timeline.entries.flatMap((e) => e.attachments);
        expect(keys).toHaveLength(1);
        // The photo is in the bucket, made smaller on the phone (2000×1500 PNG → at most 1600 px JPEG).
        const link = (await (await fetch(`${tier.handheldUrl}/api/v1/attachments/link?key=${encodeURIComponent(keys[0]!)}`, { headers: { authorization: `Bearer ${token}` } })).json()) as { url: string };
        const bytes = Buffer.from(await (await fetch(link.url)).arrayBuffer());
        expect(jpegSize(bytes)).toEqual({ width: 1600, height: 1200 });
      }
    } finally {
      await context.close();
    }
  });

  it('a fix worse than the tier asks for makes the app ask before sending; a point outside the grid is flagged', async () => {
    const { context, page } = await onPhone('gw-07', { ...inside, accuracy: 150 });
    try {
      await page.getByRole('link', { name: '上报问题' }).click();
      await page.getByText('定位精度较差：±150 米（要求 30 米以内）').waitFor();
      await choose(page, '问题类别', '垃圾', '暴露垃圾 · SJ0101');
      await page.getByLabel('问题描述').fill('精度测试 handheld-accuracy');
      await page.getByRole('button', { name: '保存并上报' }).click();
      const ask = page.getByRole('dialog').filter({ hasText: '定位精度较差' });
      await ask.waitFor();
      await screenshot(page, 'handheld-poor-fix-zh-phone');
      // Waiting for a better fix: the phone is asked again, and nothing is queued.
      await context.setGeolocation({ ...inside, accuracy: 6 });
      await ask.getByRole('button', { name: '等待更准确的定位' }).click();
      await ask.waitFor({ state: 'hidden' });
      await page.getByText(/精度 ±6 米/).waitFor();
      expect(await page.getByText('定位精度较差：').count()).toBe(0);

      // Outside the grid: flagged on the form, and asked about before sending.
      await context.setGeolocation({ ...outside, accuracy: 6 });
      await page.getByRole('button', { name: '重新定位' }).click();
      await page.getByRole('alert').filter({ hasText: '该位置不在您的网格内' }).waitFor();
      await screenshot(page, 'handheld-outside-grid-zh-phone');
      await page.getByRole('button', { name: '保存并上报' }).click();
      const outsideAsk = page.getByRole('dialog').filter({ hasText: '问题位置在您负责的网格之外' });
      await outsideAsk.getByRole('button', { name: '取消' }).click();
      await page.getByRole('navigation', { name: '主导航' }).getByRole('link', { name: '待发送' }).click();
      await page.getByText('手机上没有记录').waitFor();
    } finally {
      await context.close();
    }
  });

  /** A walk across a grid's box, row by row (a lawnmower track of `rows` × `cols` points). */
  function walkAcross(gridCode: string, rows: number, cols: number): { latitude: number; longitude: number }[] {
    const [w, e, south, n] = tier.gridBox(gridCode);
    const track: { latitude: number; longitude: number }[] = [];
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) {
        const col = r % 2 === 0 ? c : cols - 1 - c;
        track.push({ latitude: south + ((n - south) * (r + 0.5)) / rows, longitude: w + ((e - w) * (col + 0.5)) / cols });
      }
    }
    return track;
  }

  it("a patrol along an emulated track: the tier answers its distance, duration and coverage of the grid, and the console's map follows the worker", async () => {
    const track = walkAcross(GRID, 3, 4);
    const { context, page } = await onPhone('gw-07', { ...track[0]!, accuracy: 5 });
    const desk = await newContext(browser, DESKTOP);
    const map = await desk.newPage();
    try {
      await logIn(map, tier.url, 'community', '/map');
      await page.getByRole('link', { name: '巡查' }).click();
      await page.getByRole('button', { name: '开始巡查' }).click();
      const kept = (n: number, filtered: number) => page.getByText(`${n} 个（${filtered} 个精度不足已略去）`).waitFor();
      await kept(1, 0);
      const workerRow = map.getByRole('listitem', { name: 'gw-07' });
      let seenAt = '';
      for (const [i, point] of track.entries()) {
        if (i === 0) continue;
        if (i === 6) {
          // A fix the phone cannot vouch for is left off the track.
          await context.setGeolocation({ ...point, accuracy: 300 });
          await kept(i, 1);
        }
        await context.setGeolocation({ ...point, accuracy: 5 });
        await kept(i + 1, i >= 6 ? 1 : 0);
        if (i === 5) {
          // The first batch has gone: the console shows where the worker is.
          await workerRow.waitFor({ timeout: 30_000 });
          seenAt = (await workerRow.textContent()) ?? '';
        }
      }
      await screenshot(page, 'handheld-patrol-underway-zh-phone');
      // The second batch moves the worker on the console's map.
      await waitFor('the console to show the worker further on', async () => ((await workerRow.textContent()) ?? seenAt) !== seenAt, 30_000, 500);
      await screenshot(map, 'console-map-worker-moving-zh-desktop');

      await page.getByRole('button', { name: '结束巡查' }).click();
      const result = page.getByRole('region', { name: '本次巡查' });
      await result.getByText(/^\d+%（轨迹 50 米范围内）$/).waitFor({ timeout: 30_000 });
      await screenshot(page, 'handheld-patrol-done-zh-phone');
      const [patrol] = await sql<{ points: number; distance_m: number; coverage_share: number; ended_at: Date | null }>(
        "SELECT (SELECT count(*)::int FROM mobile_gateway.patrol_points pp WHERE pp.patrol_id = p.id) AS points, distance_m, coverage AS coverage_share, ended_at FROM mobile_gateway.patrols p WHERE worker_username = 'gw-07'",
      );
      expect(patrol!.points).toBe(track.length);
      expect(patrol!.ended_at).not.toBeNull();
      // The track's length as the tier computed it (geodesic) and as the phone shows it agree within 1 %.
      const shown = Number((await result.getByText(/公里$/).textContent())!.replace(/[^\d.]/g, ''));
      expect(Math.abs(shown * 1000 - Number(patrol!.distance_m))).toBeLessThan(Number(patrol!.distance_m) * 0.01 + 10);
      // A 50-m band along twelve points covers part of the grid, and the phone shows the tier's figure.
      const share = Number(patrol!.coverage_share);
      expect(share).toBeGreaterThan(0.05);
      expect(share).toBeLessThan(1);
      await result.getByText(`${Math.round(share * 100)}%（轨迹 50 米范围内）`).waitFor();
    } finally {
      await desk.close();
      await context.close();
    }
  });

  it("B covers A: off duty on A's phone, A's task appears on B's phone and not on a third worker's; the console shows who covers whom", async () => {
    // A case of grid -07, dispatched to gw-07 by the community.
    const token = await tier.token('gw-07');
    const community = await tier.token('community');
    const report = await fetch(`${tier.handheldUrl}/api/v1/reports`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ categoryCode: 'SJ0101', description: '代岗测试：楼道堆物 handheld-ab', location: inside }),
    });
    expect(report.status).toBe(201);
    const { caseId } = (await report.json()) as { caseId: string };
    for (const [action, body] of [['accept', {}], ['register', {}], ['dispatch', { assignee: { kind: 'worker', code: subjectOf('gw-07') } }]] as const) {
      const res = await fetch(`${tier.urlOf('public-sentiment')}/api/v1/cases/${caseId}/actions/${action}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${community}` }, body: JSON.stringify(body) });
      expect({ action, status: res.status }).toEqual({ action, status: 200 });
    }

    const a = await onPhone('gw-07', inside);
    const b = await onPhone('gw-08', outside);
    const c = await onPhone('gw-other', outside);
    try {
      await a.page.getByRole('link', { name: '我的任务' }).first().click();
      await a.page.getByText('代岗测试：楼道堆物 handheld-ab').waitFor();
      await a.page.getByRole('link', { name: '首页' }).click();
      await a.page.getByRole('switch', { name: '在岗' }).click();
      await a.page.getByText('由 gw-08 代岗').waitFor();
      await screenshot(a.page, 'handheld-off-duty-zh-phone');

      await b.page.reload();
      await b.page.getByText(`正在代 gw-07 的岗（网格 ${GRID}）`).waitFor();
      await b.page.getByRole('navigation', { name: '主导航' }).getByRole('link', { name: '我的任务' }).click();
      const task = b.page.getByRole('link').filter({ hasText: '代岗测试：楼道堆物 handheld-ab' });
      await task.getByText(`代岗 · ${GRID}`).waitFor();
      await screenshot(b.page, 'handheld-covering-tasks-zh-phone');
      // B starts A's task from B's phone.
      await task.click();
      await b.page.getByRole('button', { name: '开始处置' }).click();
      await waitFor('the task to be started by B', async () => (await sql<{ state: string }>('SELECT state FROM public_sentiment.cases WHERE id = $1', [caseId]))[0]?.state === 'in_progress', 30_000, 300);
      // Handled from the phone, with a note and a photo: the photo goes to the bucket, the case to 已处置.
      await b.page.getByLabel('说明').fill('已清理楼道堆物 handheld-ab-done');
      await b.page.getByLabel('拍照或从相册选择').setInputFiles({ name: 'done.png', mimeType: 'image/png', buffer: syntheticPng(800, 600) });
      await b.page.getByRole('list', { name: '已选 1 张照片' }).waitFor();
      await b.page.getByRole('button', { name: '处置完毕' }).click();
      await waitFor('the task to be handled by B', async () => (await sql<{ state: string }>('SELECT state FROM public_sentiment.cases WHERE id = $1', [caseId]))[0]?.state === 'handled', 30_000, 300);
      const [handled] = await sql<{ attachments: string[]; note: string }>("SELECT attachments, note FROM public_sentiment.case_transitions WHERE case_id = $1 AND action = 'handle'", [caseId]);
      expect(handled).toMatchObject({ note: '已清理楼道堆物 handheld-ab-done', attachments: [expect.any(String)] });

      await c.page.getByRole('navigation', { name: '主导航' }).getByRole('link', { name: '我的任务' }).click();
      await c.page.getByText('暂无派给您的任务').waitFor();

      // The console: grid -07's staff shows gw-07 off duty, covered by gw-08.
      const desk = await newContext(browser, DESKTOP);
      try {
        const map = await desk.newPage();
        await logIn(map, tier.url, 'community', '/map');
        await map.getByRole('combobox', { name: '网格' }).click();
        await map.getByRole('combobox', { name: '网格' }).fill(GRID);
        await map.locator('.ant-select-item-option').filter({ hasText: GRID }).first().click();
        await map.getByRole('region', { name: '网格概况' }).getByText('离岗，由 gw-08 代岗').waitFor();
        await screenshot(map, 'console-grid-ab-covering-zh-desktop');
      } finally {
        await desk.close();
      }
    } finally {
      await Promise.all([a.context.close(), b.context.close(), c.context.close()]);
    }
  });

  it("the community's console: a must-report confirmed changes base data with history, one rejected changes nothing; the workers' daily logs; a leave scheduled", async () => {
    const worker = await tier.token('gw-08');
    const households = await sql<{ code: string }>('SELECT code FROM base_data.households WHERE grid_code = $1 ORDER BY code DESC LIMIT 2', [`${COMMUNITY}-08`]);
    const newcomer = (n: string, household: string) => {
      const first17 = `35020619910201${n}12`;
      return { kind: 'newcomer', body: { householdCode: household, name: `测试迁入${n}`, idNumber: first17 + idCheckCharacter(first17), relation: 'other', residenceType: 'tenant' } };
    };
    const synced = await fetch(`${tier.handheldUrl}/api/v1/sync`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${worker}` },
      body: JSON.stringify({
        items: [
          { clientId: `console-confirm-${Date.now()}`, type: 'change-proposal', body: newcomer('1', households[0]!.code) },
          { clientId: `console-reject-${Date.now()}`, type: 'change-proposal', body: newcomer('2', households[1]!.code) },
        ],
      }),
    });
    expect(((await synced.json()) as { items: { status: number }[] }).items.map((i) => i.status)).toEqual([201, 201]);
    // A submitted daily log.
    const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(new Date());
    const submit = await fetch(`${tier.handheldUrl}/api/v1/diary/${today}/submit`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${worker}` }, body: JSON.stringify({ text: '今日巡查两次，走访独居老人一户。handheld-diary' }) });
    expect(submit.status).toBe(200);
    const residents = async (household: string) => (await sql<{ n: number }>('SELECT count(*)::int AS n FROM base_data.residents WHERE household_code = $1', [household]))[0]!.n;
    const before = [await residents(households[0]!.code), await residents(households[1]!.code)];

    const desk = await newContext(browser, DESKTOP);
    try {
      const page = await desk.newPage();
      await logIn(page, tier.url, 'community', '/field');
      const rowOf = (household: string) => page.getByRole('row').filter({ hasText: household });
      await rowOf(households[0]!.code).getByRole('button', { name: /^确认/ }).waitFor();
      await screenshot(page, 'console-field-proposals-zh-desktop');
      await rowOf(households[0]!.code).getByRole('button', { name: /^确认/ }).click();
      await page.getByText('已确认，基础数据已更新').waitFor();
      await rowOf(households[1]!.code).getByRole('button', { name: '驳回' }).click();
      const dialog = page.getByRole('dialog', { name: '驳回变更' });
      await dialog.getByRole('button', { name: '驳回' }).click();
      await dialog.getByText('请填写驳回原因（至少 2 个字）').waitFor();
      await dialog.getByLabel('驳回原因').fill('经核实该户无人迁入');
      await dialog.getByRole('button', { name: '驳回' }).click();
      await page.getByText('已驳回', { exact: true }).first().waitFor();
      expect([await residents(households[0]!.code), await residents(households[1]!.code)]).toEqual([before[0]! + 1, before[1]!]);
      // Applied with history: the new resident's record has its first entry, made by the community's staff member.
      const history = await sql<{ actor: string }>("SELECT actor FROM base_data.change_history WHERE entity = 'resident' AND entity_key IN (SELECT id::text FROM base_data.residents WHERE household_code = $1) ORDER BY at DESC, id DESC LIMIT 1", [households[0]!.code]);
      expect(history[0]?.actor).toBe(`${subjectOf('community')} (community-staff)`);

      await page.getByRole('tab', { name: '民情日记' }).click();
      await page.getByText('今日巡查两次，走访独居老人一户。handheld-diary').waitFor();
      await screenshot(page, 'console-field-diaries-zh-desktop');

      await page.getByRole('tab', { name: 'AB岗交接' }).click();
      await page.getByLabel('请假人账号').fill('gw-08');
      await page.getByRole('button', { name: '登记请假' }).click();
      await page.getByText('请选择请假时间').waitFor();
      await screenshot(page, 'console-field-handovers-zh-desktop');
      // In English, the same page.
      await page.getByText('English', { exact: true }).click();
      await page.getByRole('tab', { name: 'Changes to confirm' }).click();
      await page.getByText('Confirmed', { exact: true }).first().click();
      await page.getByRole('row').filter({ hasText: households[0]!.code }).getByText('Newcomer').waitFor();
      await screenshot(page, 'console-field-proposals-en-desktop');
    } finally {
      await desk.close();
    }
  });

  it('in English, on the same phone: the home page and the report form', async () => {
    const { context, page } = await onPhone('gw-08', await tier.pointIn(`${COMMUNITY}-08`), 'en');
    try {
      await page.getByRole('link', { name: 'Report a problem' }).waitFor();
      await screenshot(page, 'handheld-home-en-phone');
      await page.getByRole('link', { name: 'Report a problem' }).click();
      await page.getByRole('heading', { name: 'Report a problem' }).waitFor();
      await page.getByText(/accuracy ±8 m/).waitFor();
      await screenshot(page, 'handheld-report-en-phone');
      await page.getByRole('navigation', { name: 'Main navigation' }).getByRole('link', { name: 'Outbox' }).click();
      await page.getByText('Nothing on the phone').waitFor();
      await screenshot(page, 'handheld-outbox-en-phone');
    } finally {
      await context.close();
    }
  });
});
