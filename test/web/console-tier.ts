import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DEFAULT_OPTIONS, generateDistrict } from '@gm/district-generator';
import { SERVICE_NAMES, type ServiceName } from '@gm/contracts';
import type { ServiceConfig } from '@gm/platform';
import { startInfra, startService, type TestInfra, type TestService } from '@gm/testing';
import { SEVEN_SERVICES } from '../e2e/seven-services';

export const WEB_ROOT = resolve(__dirname, '../../apps/web/dist');


/** One tier as `npm start` runs it, in this process: the seven services, the console served by command-centre, a small generated district loaded. */
export interface ConsoleTier {
  readonly infra: TestInfra;
  /** The console's origin (command-centre). */
  readonly url: string;
  /** The handheld's origin (mobile-gateway). */
  readonly handheldUrl: string;
  readonly services: ReadonlyMap<ServiceName, TestService<ServiceConfig>>;
  /** The generated district's files (org-units.csv, staff.csv, boundaries.geojson, …). */
  readonly districtDir: string;
  /** A token of a demo user (password grant), for calls the test makes as someone else. */
  token(username: string): Promise<string>;
  /** A service's own URL. */
  urlOf(service: ServiceName): string;
  /** A point inside a grid (as gis locates it), for reports and positions placed in it. */
  pointIn(gridCode: string): Promise<{ latitude: number; longitude: number }>;
  /** A grid's bounding box as generated: west, east, south, north. */
  gridBox(gridCode: string): [number, number, number, number];
  close(): Promise<void>;
}

/**
 * The tier behind the browser tests. The district: two streets of two communities each, eight grids
 * per community (350206001001-01 … -08: the demo users' grids -07 and -08 exist), with residents.
 */
export async function startConsoleTier(opts: { residents?: boolean; tokenLifetimeSec?: number; env?: Record<string, string> } = {}): Promise<ConsoleTier> {
  if (!existsSync(join(WEB_ROOT, 'index.html'))) throw new Error(`the console is not built (${WEB_ROOT}): npm run build -w apps/web`);
  const infra = await startInfra({ s3: true, ...(opts.tokenLifetimeSec !== undefined && { tokenLifetimeSec: opts.tokenLifetimeSec }) });
  const running = new Map<ServiceName, TestService<ServiceConfig>>();
  const base = infra.env({ LOG_LEVEL: 'warn', S3_CORS_ORIGINS: '*', ...opts.env });
  // As `npm start` runs a tier: the services, then the two that serve a web app and pass its calls to them.
  const others = SERVICE_NAMES.filter((s) => s !== 'command-centre' && s !== 'mobile-gateway');
  const started = await Promise.all(others.map(async (name) => [name, await startService(SEVEN_SERVICES[name], base)] as const));
  for (const [name, svc] of started) running.set(name, svc);
  const pairs = (names: readonly ServiceName[]) => names.map((name) => `${name}=${running.get(name)!.url}`).join(',');
  running.set('mobile-gateway', await startService(SEVEN_SERVICES['mobile-gateway'], { ...base, WEB_ROOT, HANDHELD_UPSTREAMS: pairs(others) }));
  running.set('command-centre', await startService(SEVEN_SERVICES['command-centre'], { ...base, WEB_ROOT, CONSOLE_UPSTREAMS: pairs([...others, 'mobile-gateway']) }));

  const dir = mkdtempSync(join(tmpdir(), 'gm-console-'));
  await generateDistrict({ ...DEFAULT_OPTIONS, seed: 13, scale: 0.05, streets: 2, communitiesPerStreet: [2, 2], gridRows: [2, 2], gridCols: [4, 4], out: dir });
  const admin = await infra.oidc.tokenFor('admin');
  const post = async (url: string, type: string, file: string) => {
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': type, authorization: `Bearer ${admin}` }, body: readFileSync(join(dir, file), 'utf8') });
    if (!res.ok) throw new Error(`loading ${file}: ${res.status} ${await res.text()}`);
  };
  const url = (s: ServiceName) => running.get(s)!.url;
  await post(`${url('system-admin')}/api/v1/org-units/import`, 'text/csv', 'org-units.csv');
  await post(`${url('system-admin')}/api/v1/staff/import`, 'text/csv', 'staff.csv');
  await post(`${url('gis')}/api/v1/boundaries/import`, 'application/geo+json', 'boundaries.geojson');
  if (opts.residents !== false) {
    for (const kind of ['buildings', 'houses', 'households', 'residents', 'organisations', 'city-objects']) await post(`${url('base-data')}/api/v1/imports/${kind}`, 'text/csv', `${kind}.csv`);
  }
  const gridBox = (gridCode: string): [number, number, number, number] => {
    const fc = JSON.parse(readFileSync(join(dir, 'boundaries.geojson'), 'utf8')) as { features: { properties: { code: string }; geometry: { coordinates: unknown } }[] };
    const grid = fc.features.find((f) => f.properties.code === gridCode);
    if (!grid) throw new Error(`no grid ${gridCode} in the generated district`);
    const xs: number[] = [];
    const ys: number[] = [];
    const visit = (c: unknown): void => {
      if (Array.isArray(c) && typeof c[0] === 'number') {
        xs.push(c[0] as number);
        ys.push(c[1] as number);
      } else if (Array.isArray(c)) c.forEach(visit);
    };
    visit(grid.geometry.coordinates);
    return [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  };
  return {
    infra,
    url: url('command-centre'),
    handheldUrl: url('mobile-gateway'),
    services: running,
    districtDir: dir,
    token: (u) => infra.oidc.tokenFor(u),
    urlOf: url,
    gridBox,
    async pointIn(gridCode) {
      const [w, e, s, n] = gridBox(gridCode);
      // Try points across the grid's box until gis places one in the grid (grids need not be convex).
      const token = await infra.oidc.tokenFor('admin');
      for (const [fx, fy] of [[0.5, 0.5], [0.3, 0.3], [0.7, 0.7], [0.3, 0.7], [0.7, 0.3], [0.5, 0.2], [0.5, 0.8], [0.2, 0.5], [0.8, 0.5]] as const) {
        const point = { longitude: w + (e - w) * fx, latitude: s + (n - s) * fy };
        const res = await fetch(`${url('gis')}/api/v1/locate?longitude=${point.longitude}&latitude=${point.latitude}`, { headers: { authorization: `Bearer ${token}` } });
        if (res.ok && ((await res.json()) as { gridCode?: string }).gridCode === gridCode) return point;
      }
      throw new Error(`found no point inside ${gridCode}`);
    },
    async close() {
      await Promise.allSettled([...running.values()].map((s) => s.close()));
      await infra.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
