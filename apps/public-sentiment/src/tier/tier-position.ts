import { Inject, Injectable } from '@nestjs/common';
import { DomainError, namespace, type Namespace } from '@gm/contracts';
import { OrgUnitCode } from '@gm/domain';
import { SERVICE_CONFIG } from '@gm/platform';
import type { AppConfig } from '../config/config';

/**
 * Where this instance stands in the federation: its tier, the parent it escalates to (derived
 * from the code: a grid's parent is its community, and so on up to the district), and whether it
 * can have children (every level but the grid).
 */
@Injectable()
export class TierPosition {
  readonly enabled: boolean;
  readonly tier: string;
  readonly parent: string | null;
  readonly hasChildren: boolean;

  constructor(@Inject(SERVICE_CONFIG) config: AppConfig) {
    this.enabled = config.own.FEDERATION_ENABLED;
    this.tier = config.tier;
    const code = OrgUnitCode.parse(config.tier);
    this.parent = this.enabled ? (code.parent?.value ?? null) : null;
    this.hasChildren = this.enabled && code.level !== 'grid';
    if (this.enabled && config.namespace !== config.tier) {
      throw new Error(`FEDERATION_ENABLED needs the subject namespace to be the tier code (${config.tier}); NATS_NAMESPACE is ${config.namespace}`);
    }
  }

  /** The parent to escalate to, or a 409 naming why there is none. */
  parentOrFail(): string {
    if (this.parent) return this.parent;
    throw new DomainError(
      'CASE.NO_PARENT_TIER',
      this.enabled ? `Tier ${this.tier} is the top of the federation: there is no tier above it` : `Tier ${this.tier} runs alone (FEDERATION_ENABLED is off)`,
    );
  }

  /**
   * The tier an escalation is for: the parent by default, or an ancestor further up; anything else
   * is a 400 naming `escalateTo`.
   */
  escalationTarget(requested: string | undefined): string {
    const parent = this.parentOrFail();
    if (requested === undefined || requested === parent) return parent;
    if (requested !== this.tier && this.tier.startsWith(requested) && parent.startsWith(requested)) return requested;
    throw DomainError.validation([{ field: 'escalateTo', message: `escalateTo must be a tier above ${this.tier} (its parent ${parent} or an ancestor of it)` }]);
  }

  /** A child's subject space, for what this tier sends down. */
  childNamespace(child: string): Namespace {
    return namespace(child);
  }
}
