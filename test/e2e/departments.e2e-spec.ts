import { departmentListSchema, departmentViewSchema, errorBodySchema } from '@gm/contracts';
import { DEFAULT_CATALOGUE } from '@gm/domain';
import { expectShape, startInfra, startService, type TestInfra, type TestService } from '@gm/testing';
import type { ServiceConfig } from '@gm/platform';
import * as systemAdmin from '../../apps/system-admin/src/app.module';
import * as saConfig from '../../apps/system-admin/src/config/config';
import { AppModule } from '../../apps/service-office/src/app.module';
import { configSchema, type AppConfig } from '../../apps/service-office/src/config/config';

describe('service-office: departments (职能部门) from the category catalogue, with what service-office keeps about them (real PostgreSQL, NATS, OIDC)', () => {
  let infra: TestInfra;
  let svc: TestService<AppConfig>;
  let sa: TestService<ServiceConfig>;
  const tokens: Record<string, string> = {};

  beforeAll(async () => {
    infra = await startInfra();
    [svc, sa] = await Promise.all([
      startService({ configSchema, module: (c, l) => AppModule.forRoot(c, l) }, infra.env()),
      startService({ configSchema: saConfig.configSchema, module: (c, l) => systemAdmin.AppModule.forRoot(c as saConfig.AppConfig, l) }, infra.env()),
    ]);
    for (const u of ['admin', 'community', 'department']) tokens[u] = await infra.oidc.tokenFor(u);
  });

  afterAll(async () => {
    await Promise.allSettled([svc?.close(), sa?.close()]);
    await infra?.close();
  });

  const call = async (user: string, method: string, path: string, body?: unknown) => {
    const res = await fetch(`${svc.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${tokens[user]}`, 'accept-language': 'en', ...(body !== undefined && { 'content-type': 'application/json' }) },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    return { status: res.status, body: (await res.json()) as unknown };
  };

  it("lists the catalogue's departments with the categories each owns, serving the tier until told otherwise", async () => {
    const { items } = expectShape(departmentListSchema, (await call('department', 'GET', '/api/v1/departments')).body);
    expect(items.map((d) => d.code).sort()).toEqual(Object.keys(DEFAULT_CATALOGUE.departments).sort());
    const water = items.find((d) => d.code === 'water')!;
    expect(water).toMatchObject({ nameZh: '水务部门', nameEn: 'Water authority', areas: ['350206'], dutyPhone: null, contacts: [], updatedAt: null });
    expect(water.categories.sort()).toEqual(DEFAULT_CATALOGUE.categories.filter((c) => c.ownerDepartment === 'water').map((c) => c.code).sort());
  });

  it('an administrator sets the areas, duty line and contacts; everyone reads them; the rest may not change them', async () => {
    const body = { areas: ['350206001', '350206002'], dutyPhone: '0592-1234567', contacts: [{ post: '值班室', name: '测试联系人', phone: '0592-7654321' }] };
    const put = await call('admin', 'PUT', '/api/v1/departments/water', body);
    expect(put.status).toBe(200);
    expect(expectShape(departmentViewSchema, put.body)).toMatchObject({ ...body, updatedBy: 'admin', updatedAt: expect.any(String) });
    expect(expectShape(departmentViewSchema, (await call('community', 'GET', '/api/v1/departments/water')).body).areas).toEqual(body.areas);
    expect((await call('community', 'PUT', '/api/v1/departments/water', body)).status).toBe(403);
    expect((await call('department', 'PUT', '/api/v1/departments/water', body)).status).toBe(403);
  });

  it('bad input is 400 naming the field; an unknown department is 404; nothing changes', async () => {
    const before = expectShape(departmentViewSchema, (await call('admin', 'GET', '/api/v1/departments/roads')).body);
    for (const [body, field] of [
      [{ areas: ['350999'], dutyPhone: null }, 'areas.0'],
      [{ areas: [], dutyPhone: null }, 'areas'],
      [{ areas: ['3502'], dutyPhone: null }, 'areas.0'],
      [{ areas: ['350206'], dutyPhone: 'call me' }, 'dutyPhone'],
      [{ areas: ['350206'], dutyPhone: null, contacts: [{ post: '科长', name: '', phone: '123456' }] }, 'contacts.0.name'],
      [{ areas: ['350206'], dutyPhone: null, colour: 'red' }, 'colour'],
    ] as const) {
      const res = await call('admin', 'PUT', '/api/v1/departments/roads', body);
      expect({ body, status: res.status }).toEqual({ body, status: 400 });
      expect(expectShape(errorBodySchema, res.body).errors?.map((e) => e.field)).toContain(field);
    }
    expect(expectShape(departmentViewSchema, (await call('admin', 'GET', '/api/v1/departments/roads')).body)).toEqual(before);
    const unknown = await call('admin', 'PUT', '/api/v1/departments/astronomy', { areas: ['350206'], dutyPhone: null });
    expect({ status: unknown.status, code: expectShape(errorBodySchema, unknown.body).code }).toEqual({ status: 404, code: 'DEPARTMENT.NOT_FOUND' });
    expect((await call('admin', 'GET', '/api/v1/departments/Not_A_Code')).status).toBe(400);
  });
});
