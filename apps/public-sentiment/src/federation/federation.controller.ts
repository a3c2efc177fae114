import { Controller, Get } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, Roles } from '@gm/auth';
import { DomainError, federationSummarySchema, type FederationSummary, type Principal } from '@gm/contracts';
import { ApiErrorResponses, ApiJsonResponse } from '@gm/platform';
import { isWithinScope } from '@gm/domain';
import { TierPosition } from '../tier/tier-position';
import { TierSummaryPublisher } from './tier-summary.publisher';
import { TierSummaryStore } from './tier-summary.store';

@ApiTags('federation 层级联动')
@Controller('api/v1/federation')
export class FederationController {
  constructor(
    private readonly position: TierPosition,
    private readonly store: TierSummaryStore,
    private readonly publisher: TierSummaryPublisher,
  ) {}

  @Get('summary')
  @Roles('community-staff', 'street-staff', 'district-staff', 'auditor')
  @ApiOperation({
    summary: '本级及下级案件统计 Case counts of this tier\'s subtree: the cases it owns, each child\'s latest summary, and the sum',
  })
  @ApiJsonResponse(200, "This tier's own counts, each child's latest summary, and the sum", federationSummarySchema)
  @ApiErrorResponses({ 403: "This tier lies outside your org unit" })
  async summary(@CurrentPrincipal() principal: Principal): Promise<FederationSummary> {
    if (!isWithinScope(principal.orgUnit, this.position.tier)) {
      throw new DomainError('AUTH.OUT_OF_SCOPE', `tier ${this.position.tier} is outside your org unit ${principal.orgUnit}`);
    }
    const now = new Date();
    const [own, children, subtree] = await Promise.all([this.store.own(now), this.store.children(), this.publisher.subtree(now)]);
    return {
      tier: this.position.tier,
      parent: this.position.parent,
      federated: this.position.enabled,
      at: now.toISOString(),
      own,
      children,
      subtree: { tiers: subtree.tiers, counts: subtree.counts },
    };
  }
}
