import { Injectable } from '@nestjs/common';
import { DomainError, Rpc, type UnitSummary } from '@gm/contracts';
import { isWithinScope } from '@gm/domain';
import { RpcClient } from '@gm/messaging';
import { SummaryRepository } from './summary.repository';

/** "Three knows, two clears, one grasp" at a glance: what a grid (or any unit) holds. */
@Injectable()
export class SummaryService {
  constructor(
    private readonly summaries: SummaryRepository,
    private readonly rpc: RpcClient,
  ) {}

  async summary(unit: string): Promise<UnitSummary> {
    const [counts, openCases] = await Promise.all([
      this.summaries.counts(unit),
      this.rpc
        .request(Rpc.openCases, { under: unit }, { timeoutMs: 2000 })
        .then((r) => r.open)
        .catch(() => null),
    ]);
    const { buildings, households, byResidenceType, byFocusClass, byTag, partyMembers, byType, byState } = counts;
    const sum = (r: Record<string, number>) => Object.values(r).reduce((a, b) => a + b, 0);
    return {
      unit,
      buildings,
      households,
      residents: { total: sum(byResidenceType), byResidenceType, byFocusClass, byTag, partyMembers },
      organisations: { total: sum(byType), byType },
      objects: { total: sum(byState), byState },
      openCases,
    };
  }

  async households(scope: string, buildingCode: string) {
    const building = await this.summaries.building(buildingCode);
    if (!building || !isWithinScope(scope, building.gridCode)) throw new DomainError('BUILDING.NOT_FOUND', `no building ${buildingCode}`);
    const households = await this.summaries.householdsOf(buildingCode);
    return { building, households };
  }
}
