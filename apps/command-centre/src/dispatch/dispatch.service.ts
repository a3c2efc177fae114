import { Inject, Injectable } from '@nestjs/common';
import { DomainError, type DispatchSuggestions } from '@gm/contracts';
import { OrgUnitCode } from '@gm/domain';
import { CatalogueProvider, SERVICE_CONFIG } from '@gm/platform';
import type { AppConfig } from '../config/config';
import { CaseReadModelRepository } from '../cases/case-read-model.repository';
import { WorkerRepository } from '../workers/worker.repository';

/** How many workers are looked at around a case (nearest first), and how many are suggested. */
const NEAREST = 200;
const SUGGESTED = 20;

/**
 * Dispatch suggestions (智能派遣): for a case of the caller's subtree, the on-duty workers of that
 * subtree ordered by where they work (the case's grid, then its community, then the rest) and, within
 * each, by distance from the case (PostGIS KNN on their last positions); and the departments that
 * fit its category, its owner department first.
 */
@Injectable()
export class DispatchService {
  constructor(
    private readonly cases: CaseReadModelRepository,
    private readonly workers: WorkerRepository,
    private readonly catalogue: CatalogueProvider,
    @Inject(SERVICE_CONFIG) private readonly config: AppConfig,
  ) {}

  async suggest(scope: string, caseId: string, now = new Date()): Promise<DispatchSuggestions> {
    const c = await this.cases.findOne(caseId);
    if (!c || !OrgUnitCode.parse(scope).contains(OrgUnitCode.parse(c.gridCode))) throw new DomainError('CASE.NOT_FOUND', `no case ${caseId} in ${scope}`);
    if (!c.location) throw new DomainError('CASE.NOT_FOUND', `case ${c.caseNo} has no location here yet`);
    const maxAgeMs = this.config.own.DISPATCH_POSITION_MAX_AGE_MS;
    const near = await this.workers.nearest(scope, c.location, new Date(now.getTime() - maxAgeMs), NEAREST);
    const community = OrgUnitCode.parse(c.gridCode).value.slice(0, 12);
    const rank = (unit: string) => (unit === c.gridCode ? 0 : unit.startsWith(community) ? 1 : 2);
    const workers = near
      .map((w) => ({ w, r: rank(w.unitCode) }))
      .sort((a, b) => a.r - b.r || a.w.distanceM - b.w.distanceM)
      .slice(0, SUGGESTED)
      .map(({ w, r }) => ({
        subject: w.subject,
        username: w.username,
        unitCode: w.unitCode,
        proximity: (['grid', 'community', 'other'] as const)[r]!,
        distanceM: w.distanceM,
        positionAt: w.positionAt.toISOString(),
        ageSeconds: Math.max(0, Math.round((now.getTime() - w.positionAt.getTime()) / 1000)),
        accuracyM: w.accuracyM,
        assignee: { kind: 'worker' as const, code: w.subject },
      }));
    const catalogue = await this.catalogue.current();
    const owner = catalogue.find(c.categoryCode)?.ownerDepartment;
    const departments = catalogue
      .listDepartments()
      .map((d) => ({ code: d.code, nameZh: d.zh, nameEn: d.en, owner: d.code === owner, assignee: { kind: 'department' as const, code: d.code } }))
      .sort((a, b) => Number(b.owner) - Number(a.owner) || a.code.localeCompare(b.code));
    return { caseId: c.caseId, gridCode: c.gridCode, workers, departments, maxAgeSeconds: Math.round(maxAgeMs / 1000) };
  }
}
