import { Inject, Injectable } from '@nestjs/common';
import { DomainError, type DepartmentView, type Principal } from '@gm/contracts';
import { isWithinScope } from '@gm/domain';
import { CatalogueProvider, SERVICE_CONFIG, type ServiceConfig } from '@gm/platform';
import { JsonLogger } from '@gm/telemetry';
import { DepartmentRepository, type DepartmentRow } from './department.repository';

/**
 * Departments (职能部门): the category catalogue names them and gives each its categories (one
 * source for who owns what, edited as the catalogue parameter at system-admin); service-office
 * keeps the rest: the areas a department serves (the tier by default), its duty line, its
 * contacts. A department the catalogue drops is no longer listed; its kept details stay, unused.
 */
@Injectable()
export class DepartmentService {
  constructor(
    private readonly repo: DepartmentRepository,
    private readonly catalogue: CatalogueProvider,
    private readonly logger: JsonLogger,
    @Inject(SERVICE_CONFIG) private readonly config: ServiceConfig,
  ) {}

  async list(): Promise<DepartmentView[]> {
    const [catalogue, kept] = await Promise.all([this.catalogue.current(), this.repo.all()]);
    return catalogue.listDepartments().map((d) => this.viewOf(d, catalogue.list().filter((c) => c.ownerDepartment === d.code).map((c) => c.code), kept.get(d.code)));
  }

  async get(code: string): Promise<DepartmentView> {
    const found = (await this.list()).find((d) => d.code === code);
    if (!found) throw new DomainError('DEPARTMENT.NOT_FOUND', `no department ${code} in this tier's category catalogue`);
    return found;
  }

  async update(principal: Principal, code: string, body: { areas: string[]; dutyPhone: string | null; contacts: DepartmentView['contacts'] }): Promise<DepartmentView> {
    await this.get(code);
    const outside = body.areas.map((a, i) => [a, i] as const).filter(([a]) => !isWithinScope(this.config.tier, a));
    if (outside.length > 0) throw DomainError.validation(outside.map(([a, i]) => ({ field: `areas.${i}`, message: `${a} is not served by this tier (${this.config.tier})` })));
    await this.repo.save(code, { areas: [...new Set(body.areas)], dutyPhone: body.dutyPhone, contacts: body.contacts }, principal.username ?? principal.subject);
    this.logger.event('info', 'department.updated', { code, areas: body.areas.length, contacts: body.contacts.length }, 'DepartmentService');
    return this.get(code);
  }

  private viewOf(d: { code: string; zh: string; en: string }, categories: string[], kept: DepartmentRow | undefined): DepartmentView {
    return {
      code: d.code,
      nameZh: d.zh,
      nameEn: d.en,
      categories,
      areas: kept?.areas ?? [this.config.tier],
      dutyPhone: kept?.dutyPhone ?? null,
      contacts: kept?.contacts ?? [],
      updatedBy: kept?.updatedBy ?? null,
      updatedAt: kept ? new Date(kept.updatedAt).toISOString() : null,
    };
  }
}
