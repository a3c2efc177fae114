import { Inject, Injectable } from '@nestjs/common';
import { DomainError, type CoverageProblem, type CoverageReport } from '@gm/contracts';
import { SERVICE_CONFIG } from '@gm/platform';
import type { AppConfig } from '../config/config';
import { CoverageRepository, type Queryable } from './coverage.repository';

/**
 * Checks that a unit's children divide it exactly (无缝隙、全覆盖): no part of the unit outside
 * every child (gap), no two siblings sharing area (overlap), no child reaching outside the unit.
 * Areas are geodesic (m²); regions smaller than the tolerance are floating-point dust.
 */
@Injectable()
export class CoverageService {
  constructor(
    private readonly repository: CoverageRepository,
    @Inject(SERVICE_CONFIG) private readonly config: AppConfig,
  ) {}

  /** One unit's children, or (deep) every unit with children in its subtree. `db` lets an import check inside its transaction. */
  async check(code: string, deep: boolean, db: Queryable = this.repository.pool): Promise<CoverageReport> {
    if (!(await this.repository.exists(db, code))) throw new DomainError('UNIT.NOT_FOUND', `no boundary for ${code}`);
    const parents = deep ? await this.repository.parentsWithin(db, code) : [code];
    const problems: CoverageProblem[] = [];
    for (const parent of parents) problems.push(...(await this.checkChildren(db, parent)));
    return {
      unit: code,
      unitsChecked: parents.length,
      toleranceM2: this.config.own.COVERAGE_TOLERANCE_M2,
      gaps: problems.filter((p) => p.kind === 'gap').length,
      overlaps: problems.filter((p) => p.kind === 'overlap').length,
      outside: problems.filter((p) => p.kind === 'outside').length,
      problems,
    };
  }

  private async checkChildren(db: Queryable, parent: string): Promise<CoverageProblem[]> {
    const tol = this.config.own.COVERAGE_TOLERANCE_M2;
    const gaps = await this.repository.gaps(db, parent, tol);
    const overlaps = await this.repository.overlaps(db, parent, tol);
    const outside = await this.repository.outside(db, parent, tol);
    return [
      ...gaps.map((r) => ({ kind: 'gap' as const, unit: parent, children: [], areaM2: round(r.area), geometry: r.geometry })),
      ...overlaps.map((r) => ({ kind: 'overlap' as const, unit: parent, children: [r.a, r.b], areaM2: round(r.area), geometry: r.geometry })),
      ...outside.map((r) => ({ kind: 'outside' as const, unit: parent, children: [r.code], areaM2: round(r.area), geometry: r.geometry })),
    ];
  }
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}
