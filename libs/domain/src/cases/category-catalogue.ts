import type { Urgency } from '@gm/contracts';

export type CategoryFamily = 'object' | 'event';

export interface Category {
  /** `BJ` + major + minor for objects (部件), `SJ` + major + minor for events (事件). */
  readonly code: string;
  readonly family: CategoryFamily;
  readonly nameZh: string;
  readonly nameEn: string;
  /** Department expected to own the problem (职能部门). */
  readonly ownerDepartment: string;
  readonly defaultUrgency: Urgency;
}

/**
 * The default catalogue shipped with the repository, in the style of GB/T 30428.2 (managed
 * objects and events of digital urban management) plus the seeds' four event classes
 * (07 daily-life affairs 生活事务, 08 public affairs 公共事务, 09 mediation 调处事务; emergencies
 * share major 04 with GB/T). system-admin will own the catalogue as a dictionary; this is its seed.
 */
export const DEFAULT_CATEGORIES: readonly Category[] = [
  { code: 'BJ0101', family: 'object', nameZh: '上水井盖', nameEn: 'Water supply manhole cover', ownerDepartment: 'water', defaultUrgency: 'normal' },
  { code: 'BJ0102', family: 'object', nameZh: '污水井盖', nameEn: 'Sewer manhole cover', ownerDepartment: 'water', defaultUrgency: 'normal' },
  { code: 'BJ0110', family: 'object', nameZh: '路灯', nameEn: 'Street lamp', ownerDepartment: 'urban-management', defaultUrgency: 'normal' },
  { code: 'BJ0201', family: 'object', nameZh: '交通信号设施', nameEn: 'Traffic signal', ownerDepartment: 'traffic-police', defaultUrgency: 'urgent' },
  { code: 'BJ0301', family: 'object', nameZh: '公共厕所', nameEn: 'Public toilet', ownerDepartment: 'urban-management', defaultUrgency: 'normal' },
  { code: 'BJ0401', family: 'object', nameZh: '行道树', nameEn: 'Street tree', ownerDepartment: 'greening', defaultUrgency: 'normal' },
  { code: 'BJ0601', family: 'object', nameZh: '文体设施', nameEn: 'Culture and sports facility', ownerDepartment: 'culture-sports', defaultUrgency: 'normal' },
  { code: 'SJ0101', family: 'event', nameZh: '暴露垃圾', nameEn: 'Exposed garbage', ownerDepartment: 'urban-management', defaultUrgency: 'normal' },
  { code: 'SJ0102', family: 'event', nameZh: '私搭乱建', nameEn: 'Illegal construction', ownerDepartment: 'urban-management', defaultUrgency: 'normal' },
  { code: 'SJ0201', family: 'event', nameZh: '非法小广告', nameEn: 'Illegal flyposting', ownerDepartment: 'urban-management', defaultUrgency: 'normal' },
  { code: 'SJ0301', family: 'event', nameZh: '施工扰民', nameEn: 'Construction nuisance', ownerDepartment: 'housing', defaultUrgency: 'normal' },
  { code: 'SJ0401', family: 'event', nameZh: '路面塌陷', nameEn: 'Road surface collapse', ownerDepartment: 'roads', defaultUrgency: 'emergency' },
  { code: 'SJ0402', family: 'event', nameZh: '供水管道破裂', nameEn: 'Burst water main', ownerDepartment: 'water', defaultUrgency: 'emergency' },
  { code: 'SJ0403', family: 'event', nameZh: '燃气泄漏', nameEn: 'Gas leak', ownerDepartment: 'gas', defaultUrgency: 'emergency' },
  { code: 'SJ0501', family: 'event', nameZh: '占道经营', nameEn: 'Street vending on the roadway', ownerDepartment: 'urban-management', defaultUrgency: 'normal' },
  { code: 'SJ0701', family: 'event', nameZh: '居民生活求助', nameEn: 'Resident asking for help', ownerDepartment: 'civil-affairs', defaultUrgency: 'normal' },
  { code: 'SJ0801', family: 'event', nameZh: '公共环境卫生', nameEn: 'Public sanitation', ownerDepartment: 'health', defaultUrgency: 'normal' },
  { code: 'SJ0901', family: 'event', nameZh: '邻里纠纷', nameEn: 'Neighbour dispute', ownerDepartment: 'justice', defaultUrgency: 'normal' },
  { code: 'SJ0902', family: 'event', nameZh: '物业纠纷', nameEn: 'Property management dispute', ownerDepartment: 'housing', defaultUrgency: 'normal' },
];

export class CategoryCatalogue {
  private readonly byCode: ReadonlyMap<string, Category>;

  constructor(categories: readonly Category[] = DEFAULT_CATEGORIES) {
    const map = new Map<string, Category>();
    for (const c of categories) {
      if (map.has(c.code)) throw new Error(`Duplicate category code ${c.code}`);
      map.set(c.code, c);
    }
    this.byCode = map;
  }

  find(code: string): Category | undefined {
    return this.byCode.get(code);
  }

  list(): Category[] {
    return [...this.byCode.values()];
  }
}
