import { ORG_UNIT_CODE_PATTERN } from '@gm/contracts';

/** Levels of the four-tier hierarchy (四级联动), top down. */
export const ORG_LEVELS = ['district', 'street', 'community', 'grid'] as const;
export type OrgLevel = (typeof ORG_LEVELS)[number];

const LENGTH_TO_LEVEL: Record<number, OrgLevel> = { 6: 'district', 9: 'street', 12: 'community', 15: 'grid' };

/**
 * An org unit code: 6-digit district, +3 street, +3 community (national statistical division
 * code), then `-NN` for a grid (CJ/T 349-2010 style). A unit's code is a prefix of every code in
 * its subtree, which makes scope checks a prefix test.
 */
export class OrgUnitCode {
  private constructor(readonly value: string) {}

  /** Accepts the canonical form and the 14-digit form without the hyphen. */
  static parse(input: string): OrgUnitCode {
    const raw = input.trim();
    const canonical = /^\d{14}$/.test(raw) ? `${raw.slice(0, 12)}-${raw.slice(12)}` : raw;
    if (!ORG_UNIT_CODE_PATTERN.test(canonical)) {
      throw new RangeError(`Not an org unit code: "${input}"`);
    }
    return new OrgUnitCode(canonical);
  }

  static isValid(input: string): boolean {
    try {
      OrgUnitCode.parse(input);
      return true;
    } catch {
      return false;
    }
  }

  get level(): OrgLevel {
    const level = LENGTH_TO_LEVEL[this.value.length];
    if (!level) throw new Error(`unreachable: bad code length ${this.value}`);
    return level;
  }

  /** The unit one level up, or undefined for a district. */
  get parent(): OrgUnitCode | undefined {
    switch (this.level) {
      case 'district':
        return undefined;
      case 'street':
        return new OrgUnitCode(this.value.slice(0, 6));
      case 'community':
        return new OrgUnitCode(this.value.slice(0, 9));
      case 'grid':
        return new OrgUnitCode(this.value.slice(0, 12));
    }
  }

  /** From the district down to this unit, inclusive. */
  get path(): OrgUnitCode[] {
    const chain: OrgUnitCode[] = [];
    for (let unit: OrgUnitCode | undefined = this; unit; unit = unit.parent) chain.unshift(unit);
    return chain;
  }

  /** True when `other` is this unit or lies in its subtree. */
  contains(other: OrgUnitCode): boolean {
    if (other.value === this.value) return true;
    if (other.value.length <= this.value.length) return false;
    return other.value.startsWith(this.value);
  }

  equals(other: OrgUnitCode): boolean {
    return this.value === other.value;
  }

  toString(): string {
    return this.value;
  }
}

/** Convenience for string inputs; false when either is not a valid code. */
export function isWithinScope(scope: string, code: string): boolean {
  if (!OrgUnitCode.isValid(scope) || !OrgUnitCode.isValid(code)) return false;
  return OrgUnitCode.parse(scope).contains(OrgUnitCode.parse(code));
}

/**
 * The tier that keeps a grid's base data: the grid's ancestor (or the grid itself) at `level`
 * (ADR 0012; by default its community). Codes nest, so any tier can tell from the code alone.
 */
export function ownerTierOf(gridCode: string, level: OrgLevel): string {
  const grid = OrgUnitCode.parse(gridCode);
  if (grid.level !== 'grid') throw new RangeError(`not a grid: ${gridCode}`);
  return grid.path.find((u) => u.level === level)!.value;
}

/**
 * Whether two units lie in the same community (a grid and its community, two grids of it). A/B
 * posts cover within a community only; a unit above the community level is in none.
 */
export function inSameCommunity(a: string, b: string): boolean {
  const community = (code: string) => (OrgUnitCode.isValid(code) ? OrgUnitCode.parse(code).path.find((u) => u.level === 'community')?.value : undefined);
  const ca = community(a);
  return ca !== undefined && ca === community(b);
}
