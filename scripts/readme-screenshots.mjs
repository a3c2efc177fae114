// Takes the README's pictures of the staff console from a running `npm start` (the local
// federation): the community's 一张图 and case desk, after a morning's worth of synthetic reports.
//   node scripts/readme-screenshots.mjs [console URL, default the community's http://127.0.0.1:3215]
// Writes docs/images/console-map.png and docs/images/console-desk.png (documentation, committed).
// Uses Debian's Chromium through playwright-core (CHROMIUM_PATH to use another).
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const consoleUrl = (process.argv[2] ?? 'http://127.0.0.1:3215').replace(/\/$/, '');
const out = join(root, 'docs/images');
const COMMUNITY = '350206001001';

const config = await (await fetch(`${consoleUrl}/config.json`)).json();
const tokenOf = async (username) => {
  const res = await fetch(`${config.oidc.authority}/protocol/openid-connect/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'password', client_id: 'gm-web', username, password: 'demo' }),
  });
  if (!res.ok) throw new Error(`token for ${username}: ${res.status}`);
  return (await res.json()).access_token;
};
const api = async (token, path, init = {}) => {
  const res = await fetch(`${consoleUrl}${path}`, { ...init, headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, ...init.headers } });
  const body = res.headers.get('content-type')?.includes('json') ? await res.json() : await res.text();
  if (!res.ok) throw new Error(`${init.method ?? 'GET'} ${path}: ${res.status} ${JSON.stringify(body)}`);
  return body;
};

// Points inside each grid of the community, as gis places them.
const staff = await tokenOf('community');
const grids = (await api(staff, `/svc/gis/api/v1/layers/grid?unit=${COMMUNITY}&zoom=15`)).features;
const inside = async (grid, n) => {
  const xs = [];
  const ys = [];
  const visit = (c) => (typeof c[0] === 'number' ? (xs.push(c[0]), ys.push(c[1])) : c.forEach(visit));
  visit(grid.geometry.coordinates);
  const [w, e, s, nn] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  const points = [];
  for (let i = 0; points.length < n && i < n * 20; i++) {
    const p = { longitude: w + (e - w) * (0.15 + 0.7 * ((i * 0.618) % 1)), latitude: s + (nn - s) * (0.15 + 0.7 * ((i * 0.382 + 0.3) % 1)) };
    const located = await fetch(`${consoleUrl}/svc/gis/api/v1/locate?longitude=${p.longitude}&latitude=${p.latitude}`, { headers: { authorization: `Bearer ${staff}` } });
    if (located.ok && (await located.json()).gridCode === grid.properties.code) points.push(p);
  }
  return points;
};

// A morning in the community: reports from its workers' handhelds, some taken further at the desk.
const reports = [
  ['SJ0101', '小区东门垃圾桶满溢 (bins overflowing at the east gate)'],
  ['BJ0101', '人行道上水井盖缺失 (water cover missing on the pavement)'],
  ['SJ0501', '菜市场门口占道经营 (stalls on the roadway at the market)'],
  ['SJ0201', '楼道张贴小广告 (flyers in the stairwell)'],
  ['BJ0401', '行道树倒伏 (street tree down)'],
  ['SJ0801', '公厕卫生差 (public toilet dirty)'],
  ['SJ0701', '独居老人求助 (elderly resident living alone asks for help)'],
  ['BJ0201', '路口信号灯故障 (traffic light out)'],
];
const workers = { '350206001001-07': 'gw-07', '350206001001-08': 'gw-08' };
const created = [];
for (const [grid, username] of Object.entries(workers)) {
  const feature = grids.find((g) => g.properties.code === grid);
  if (!feature) continue;
  const token = await tokenOf(username);
  const points = await inside(feature, 5);
  await api(token, '/svc/mobile-gateway/api/v1/positions', {
    method: 'POST',
    body: JSON.stringify({ fixes: [{ at: new Date(Date.now() - 60_000).toISOString(), ...points[0], accuracy: 7 }] }),
  });
  for (const p of points.slice(1)) {
    const [categoryCode, description] = reports[created.length % reports.length];
    created.push(await api(token, '/svc/mobile-gateway/api/v1/reports', { method: 'POST', body: JSON.stringify({ categoryCode, description, location: { ...p, accuracy: 6 }, clientId: randomUUID() }) }));
  }
}
for (const [i, c] of created.entries()) {
  if (i % 4 === 0) continue;
  await api(staff, `/svc/public-sentiment/api/v1/cases/${c.caseId}/actions/accept`, { method: 'POST', body: '{}' });
  if (i % 4 === 1) continue;
  await api(staff, `/svc/public-sentiment/api/v1/cases/${c.caseId}/actions/register`, { method: 'POST', body: '{}' });
  if (i % 4 === 2) continue;
  await api(staff, `/svc/public-sentiment/api/v1/cases/${c.caseId}/actions/dispatch`, { method: 'POST', body: JSON.stringify({ assignee: { kind: 'department', code: 'urban-management' } }) });
}
console.log(`[screenshots] ${created.length} synthetic reports in ${COMMUNITY}`);

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
try {
  const page = await (await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' })).newPage();
  await page.goto(`${consoleUrl}/map`);
  await page.getByLabel('用户名 Username').fill('community');
  await page.getByLabel('密码 Password').fill('demo');
  await page.getByRole('button', { name: '登录 Log in' }).click();
  await page.locator('[data-state="ready"]').waitFor({ timeout: 30_000 });
  await page.getByRole('combobox', { name: '网格' }).click();
  await page.getByText(/\(350206001001-07\)$/).click();
  await page.waitForTimeout(1500);
  mkdirSync(out, { recursive: true });
  await page.screenshot({ path: join(out, 'console-map.png') });
  await page.getByRole('menuitem', { name: '案件办理' }).click();
  await page.getByRole('tab', { name: /待受理/ }).waitFor();
  await page.waitForTimeout(1000);
  await page.screenshot({ path: join(out, 'console-desk.png') });
  console.log(`[screenshots] written to ${out}`);
} finally {
  await browser.close();
}
