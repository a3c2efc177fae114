import { DomainError, type FieldError, type Urgency } from '@gm/contracts';

export type CategoryFamily = 'object' | 'event';

/** Input types of a category's extra attributes (the datatypes of Open311 service definitions). */
export const ATTRIBUTE_DATATYPES = ['string', 'number', 'datetime', 'text', 'singlevaluelist', 'multivaluelist'] as const;
export type AttributeDatatype = (typeof ATTRIBUTE_DATATYPES)[number];

/** One choice of a list attribute. */
export interface AttributeValue {
  /** Stable key sent by clients; never changes once shipped. */
  readonly key: string;
  readonly nameZh: string;
  readonly nameEn: string;
}

/**
 * An extra question a report of this category may answer (路灯杆号, 涉及户数, …), in the style of an
 * Open311 service definition attribute. Values are checked by `checkAttributes`.
 */
export interface CategoryAttribute {
  /** Stable identifier: lower-case letters, digits and `_`. */
  readonly code: string;
  readonly datatype: AttributeDatatype;
  readonly required: boolean;
  readonly descriptionZh: string;
  readonly descriptionEn: string;
  /** Display order, 1 first. */
  readonly order: number;
  /** The choices of a singlevaluelist or multivaluelist (required for those, absent otherwise). */
  readonly values?: readonly AttributeValue[];
  /** For numbers: a whole number, and its bounds (inclusive). */
  readonly integer?: boolean;
  readonly min?: number;
  readonly max?: number;
}

export interface Category {
  /** `BJ` + major + minor for objects (部件), `SJ` + major + minor for events (事件). */
  readonly code: string;
  readonly family: CategoryFamily;
  readonly nameZh: string;
  readonly nameEn: string;
  /** Department expected to own the problem (职能部门). */
  readonly ownerDepartment: string;
  readonly defaultUrgency: Urgency;
  /** Words a reporter might search for, Chinese and English. */
  readonly keywords?: readonly string[];
  /** Extra attributes a report may carry (in display order once sorted by `order`). */
  readonly attributes?: readonly CategoryAttribute[];
  /**
   * Reports of this category concern private matters (help for a household, disputes between
   * neighbours): their text and address are never published, their location only coarsely.
   */
  readonly sensitive?: boolean;
}

/** A major class (大类) of the catalogue: the first four characters of a category code. */
export interface MajorClass {
  readonly code: string;
  readonly nameZh: string;
  readonly nameEn: string;
}

/** Major classes of GB/T 30428.2 used by the default catalogue, plus the seeds' event classes 07–09. */
export const MAJOR_CLASSES: readonly MajorClass[] = [
  { code: 'BJ01', nameZh: '公用设施', nameEn: 'Public utilities' },
  { code: 'BJ02', nameZh: '道路交通', nameEn: 'Roads and traffic' },
  { code: 'BJ03', nameZh: '市容环境', nameEn: 'City appearance' },
  { code: 'BJ04', nameZh: '园林绿化', nameEn: 'Parks and greenery' },
  { code: 'BJ06', nameZh: '其他设施', nameEn: 'Other facilities' },
  { code: 'SJ01', nameZh: '市容环境', nameEn: 'City appearance' },
  { code: 'SJ02', nameZh: '宣传广告', nameEn: 'Advertising' },
  { code: 'SJ03', nameZh: '施工管理', nameEn: 'Construction' },
  { code: 'SJ04', nameZh: '突发事件', nameEn: 'Emergencies' },
  { code: 'SJ05', nameZh: '街面秩序', nameEn: 'Street order' },
  { code: 'SJ07', nameZh: '生活事务', nameEn: 'Daily-life affairs' },
  { code: 'SJ08', nameZh: '公共事务', nameEn: 'Public affairs' },
  { code: 'SJ09', nameZh: '调处事务', nameEn: 'Mediation' },
];

/** Names of the departments (职能部门) the default catalogue assigns, by code. */
export const DEPARTMENT_NAMES: Readonly<Record<string, { readonly zh: string; readonly en: string }>> = {
  water: { zh: '水务部门', en: 'Water authority' },
  'urban-management': { zh: '城市管理部门', en: 'Urban management' },
  'traffic-police': { zh: '交警部门', en: 'Traffic police' },
  greening: { zh: '园林绿化部门', en: 'Parks and greening' },
  'culture-sports': { zh: '文体部门', en: 'Culture and sports' },
  housing: { zh: '住房建设部门', en: 'Housing and construction' },
  roads: { zh: '市政道路部门', en: 'Roads' },
  gas: { zh: '燃气部门', en: 'Gas utility' },
  'civil-affairs': { zh: '民政部门', en: 'Civil affairs' },
  health: { zh: '卫生健康部门', en: 'Health' },
  justice: { zh: '司法调解部门', en: 'Justice and mediation' },
};

const v = (key: string, nameZh: string, nameEn: string): AttributeValue => ({ key, nameZh, nameEn });

/**
 * The default catalogue shipped with the repository, in the style of GB/T 30428.2 (managed
 * objects and events of digital urban management) plus the seeds' four event classes
 * (07 daily-life affairs 生活事务, 08 public affairs 公共事务, 09 mediation 调处事务; emergencies
 * share major 04 with GB/T). system-admin will own the catalogue as a dictionary; this is its seed.
 */
export const DEFAULT_CATEGORIES: readonly Category[] = [
  { code: 'BJ0101', family: 'object', nameZh: '上水井盖', nameEn: 'Water supply manhole cover', ownerDepartment: 'water', defaultUrgency: 'normal' },
  { code: 'BJ0102', family: 'object', nameZh: '污水井盖', nameEn: 'Sewer manhole cover', ownerDepartment: 'water', defaultUrgency: 'normal' },
  {
    code: 'BJ0110',
    family: 'object',
    nameZh: '路灯',
    nameEn: 'Street lamp',
    ownerDepartment: 'urban-management',
    defaultUrgency: 'normal',
    keywords: ['路灯', '灯杆', '不亮', 'street light', 'lamp'],
    attributes: [
      {
        code: 'fault',
        datatype: 'singlevaluelist',
        required: true,
        descriptionZh: '故障现象',
        descriptionEn: 'What is wrong',
        order: 1,
        values: [v('dark', '不亮', 'Not lit'), v('day_burning', '白天常亮', 'Lit in daytime'), v('flickering', '闪烁', 'Flickering'), v('pole_damaged', '灯杆损坏', 'Pole damaged')],
      },
      { code: 'pole_no', datatype: 'string', required: false, descriptionZh: '灯杆编号（杆身铭牌上）', descriptionEn: 'Pole number (on the plate on the pole)', order: 2 },
    ],
  },
  { code: 'BJ0201', family: 'object', nameZh: '交通信号设施', nameEn: 'Traffic signal', ownerDepartment: 'traffic-police', defaultUrgency: 'urgent' },
  { code: 'BJ0301', family: 'object', nameZh: '公共厕所', nameEn: 'Public toilet', ownerDepartment: 'urban-management', defaultUrgency: 'normal' },
  { code: 'BJ0401', family: 'object', nameZh: '行道树', nameEn: 'Street tree', ownerDepartment: 'greening', defaultUrgency: 'normal' },
  { code: 'BJ0601', family: 'object', nameZh: '文体设施', nameEn: 'Culture and sports facility', ownerDepartment: 'culture-sports', defaultUrgency: 'normal' },
  {
    code: 'SJ0101',
    family: 'event',
    nameZh: '暴露垃圾',
    nameEn: 'Exposed garbage',
    ownerDepartment: 'urban-management',
    defaultUrgency: 'normal',
    keywords: ['垃圾', '清运', 'garbage', 'litter', 'rubbish'],
    attributes: [
      {
        code: 'waste_kind',
        datatype: 'multivaluelist',
        required: false,
        descriptionZh: '垃圾种类',
        descriptionEn: 'Kind of waste',
        order: 1,
        values: [v('household', '生活垃圾', 'Household waste'), v('construction', '建筑垃圾', 'Construction debris'), v('bulky', '大件垃圾', 'Bulky items')],
      },
    ],
  },
  {
    code: 'SJ0102',
    family: 'event',
    nameZh: '私搭乱建',
    nameEn: 'Illegal construction',
    ownerDepartment: 'urban-management',
    defaultUrgency: 'normal',
    keywords: ['违建', '搭建', 'illegal building'],
    attributes: [
      { code: 'floors', datatype: 'number', required: false, descriptionZh: '搭建层数', descriptionEn: 'Number of floors built', order: 1, integer: true, min: 1, max: 50 },
      { code: 'area_m2', datatype: 'number', required: false, descriptionZh: '估计面积（平方米）', descriptionEn: 'Estimated area (m²)', order: 2, min: 0.1, max: 100_000 },
      {
        code: 'stage',
        datatype: 'singlevaluelist',
        required: false,
        descriptionZh: '施工状态',
        descriptionEn: 'Stage of the works',
        order: 3,
        values: [v('building', '正在施工', 'Being built'), v('built', '已建成', 'Already built')],
      },
    ],
  },
  { code: 'SJ0201', family: 'event', nameZh: '非法小广告', nameEn: 'Illegal flyposting', ownerDepartment: 'urban-management', defaultUrgency: 'normal' },
  {
    code: 'SJ0301',
    family: 'event',
    nameZh: '施工扰民',
    nameEn: 'Construction nuisance',
    ownerDepartment: 'housing',
    defaultUrgency: 'normal',
    keywords: ['噪音', '夜间施工', 'noise', 'construction'],
    attributes: [
      { code: 'observed_at', datatype: 'datetime', required: false, descriptionZh: '发生时间（ISO 8601，含时区）', descriptionEn: 'When it happened (ISO 8601 with offset)', order: 1 },
    ],
  },
  { code: 'SJ0401', family: 'event', nameZh: '路面塌陷', nameEn: 'Road surface collapse', ownerDepartment: 'roads', defaultUrgency: 'emergency' },
  { code: 'SJ0402', family: 'event', nameZh: '供水管道破裂', nameEn: 'Burst water main', ownerDepartment: 'water', defaultUrgency: 'emergency' },
  { code: 'SJ0403', family: 'event', nameZh: '燃气泄漏', nameEn: 'Gas leak', ownerDepartment: 'gas', defaultUrgency: 'emergency' },
  { code: 'SJ0501', family: 'event', nameZh: '占道经营', nameEn: 'Street vending on the roadway', ownerDepartment: 'urban-management', defaultUrgency: 'normal' },
  { code: 'SJ0701', family: 'event', nameZh: '居民生活求助', nameEn: 'Resident asking for help', ownerDepartment: 'civil-affairs', defaultUrgency: 'normal', sensitive: true },
  { code: 'SJ0801', family: 'event', nameZh: '公共环境卫生', nameEn: 'Public sanitation', ownerDepartment: 'health', defaultUrgency: 'normal' },
  {
    code: 'SJ0901',
    family: 'event',
    nameZh: '邻里纠纷',
    nameEn: 'Neighbour dispute',
    ownerDepartment: 'justice',
    defaultUrgency: 'normal',
    sensitive: true,
    keywords: ['纠纷', '调解', 'dispute', 'mediation'],
    attributes: [
      { code: 'households', datatype: 'number', required: true, descriptionZh: '涉及户数', descriptionEn: 'Households involved', order: 1, integer: true, min: 1, max: 10_000 },
      { code: 'details', datatype: 'text', required: false, descriptionZh: '经过（不公开）', descriptionEn: 'What happened (not published)', order: 2 },
    ],
  },
  {
    code: 'SJ0902',
    family: 'event',
    nameZh: '物业纠纷',
    nameEn: 'Property management dispute',
    ownerDepartment: 'housing',
    defaultUrgency: 'normal',
    sensitive: true,
    attributes: [
      { code: 'households', datatype: 'number', required: true, descriptionZh: '涉及户数', descriptionEn: 'Households involved', order: 1, integer: true, min: 1, max: 10_000 },
    ],
  },
];

const ATTRIBUTE_CODE = /^[a-z][a-z0-9_]{0,39}$/;

/** Throws when a category's attributes are not well defined (codes, lists and bounds). */
function checkDefinition(c: Category): void {
  const seen = new Set<string>();
  for (const a of c.attributes ?? []) {
    const where = `Category ${c.code}, attribute ${a.code}`;
    if (!ATTRIBUTE_CODE.test(a.code)) throw new Error(`${where}: codes are lower-case letters, digits and "_"`);
    if (seen.has(a.code)) throw new Error(`${where}: duplicate attribute code`);
    seen.add(a.code);
    const isList = a.datatype === 'singlevaluelist' || a.datatype === 'multivaluelist';
    if (isList !== (a.values !== undefined && a.values.length > 0)) throw new Error(`${where}: list datatypes need values, other datatypes none`);
    const keys = new Set((a.values ?? []).map((x) => x.key));
    if (keys.size !== (a.values ?? []).length) throw new Error(`${where}: duplicate value keys`);
    if ((a.integer !== undefined || a.min !== undefined || a.max !== undefined) && a.datatype !== 'number') throw new Error(`${where}: bounds are for numbers`);
    if (a.min !== undefined && a.max !== undefined && a.min > a.max) throw new Error(`${where}: min is above max`);
    if (!Number.isInteger(a.order) || a.order < 1) throw new Error(`${where}: order is a whole number from 1`);
  }
}

export type DepartmentNames = Readonly<Record<string, { readonly zh: string; readonly en: string }>>;

export class CategoryCatalogue {
  private readonly byCode: ReadonlyMap<string, Category>;

  constructor(
    categories: readonly Category[] = DEFAULT_CATEGORIES,
    private readonly majorClasses: readonly MajorClass[] = MAJOR_CLASSES,
    private readonly departments: DepartmentNames = DEPARTMENT_NAMES,
  ) {
    const map = new Map<string, Category>();
    for (const c of categories) {
      if (map.has(c.code)) throw new Error(`Duplicate category code ${c.code}`);
      checkDefinition(c);
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

  /** The major class of a category code (`SJ0101` → `SJ01`), if this catalogue names it. */
  majorClassOf(categoryCode: string): MajorClass | undefined {
    return this.majorClasses.find((m) => m.code === categoryCode.slice(0, 4));
  }

  /** The name of a department (职能部门) by code, if this catalogue names it. */
  departmentName(code: string): { readonly zh: string; readonly en: string } | undefined {
    return Object.hasOwn(this.departments, code) ? this.departments[code] : undefined;
  }

  /** Every department the catalogue names, by code. */
  listDepartments(): { readonly code: string; readonly zh: string; readonly en: string }[] {
    return Object.entries(this.departments).map(([code, name]) => ({ code, ...name }));
  }
}

/** The catalogue as a parameter document (what system-admin holds). */
export interface CatalogueDocument {
  readonly categories: readonly Category[];
  readonly majorClasses: readonly MajorClass[];
  readonly departments: DepartmentNames;
}

export const DEFAULT_CATALOGUE: CatalogueDocument = { categories: DEFAULT_CATEGORIES, majorClasses: MAJOR_CLASSES, departments: DEPARTMENT_NAMES };

/**
 * Checks a catalogue that passed the shape check (`caseCatalogueSchema` in libs/contracts) for
 * what a shape cannot say, and builds it: unique codes, well-defined attributes, each category's
 * major class and owner department named. Throws REQUEST.VALIDATION_FAILED naming each field.
 */
export function validateCatalogue(doc: CatalogueDocument): CategoryCatalogue {
  const errors: FieldError[] = [];
  const seen = new Map<string, number>();
  const majors = new Set(doc.majorClasses.map((m) => m.code));
  doc.categories.forEach((c, i) => {
    const first = seen.get(c.code);
    if (first !== undefined) errors.push({ field: `categories.${i}.code`, message: `${c.code} repeats categories.${first}` });
    else seen.set(c.code, i);
    if (!majors.has(c.code.slice(0, 4))) errors.push({ field: `categories.${i}.code`, message: `major class ${c.code.slice(0, 4)} is not in majorClasses` });
    if (!Object.hasOwn(doc.departments, c.ownerDepartment)) {
      errors.push({ field: `categories.${i}.ownerDepartment`, message: `department ${c.ownerDepartment} is not in departments` });
    }
    try {
      checkDefinition(c);
    } catch (err) {
      errors.push({ field: `categories.${i}.attributes`, message: err instanceof Error ? err.message : String(err) });
    }
  });
  if (errors.length > 0) throw DomainError.validation(errors);
  return new CategoryCatalogue(doc.categories, doc.majorClasses, doc.departments);
}
