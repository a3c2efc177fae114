import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { idCheckCharacter } from '@gm/domain';
import { CsvWriter } from './csv-writer';
import { estateName, orgName, personName, roadName } from './names';
import { Random } from './random';
import { injectDefects, rectRing, tileDistrict, type InjectedDefect, type Rect, type TilingOptions, type Unit } from './tiling';

export interface GenerateOptions extends TilingOptions {
  readonly seed: string | number;
  readonly out: string;
  /** Multiplies buildings, organisations and objects per grid (people follow buildings). */
  readonly scale: number;
  /** Break the tiling on purpose (one gap, one overlap, one grid outside its community). */
  readonly defects: boolean;
  readonly onProgress?: (file: string, rows: number) => void;
}

export const DEFAULT_OPTIONS: Omit<GenerateOptions, 'out'> = {
  seed: 20261121,
  scale: 1,
  streets: 8,
  communitiesPerStreet: [7, 8],
  gridRows: [3, 4],
  gridCols: [4, 5],
  defects: false,
  districtCode: '350206',
  // About 12 km × 9 km around Xiamen's Huli district.
  bbox: { x0: 118_080_000, y0: 24_480_000, x1: 118_200_000, y1: 24_560_000 },
};

export interface Manifest {
  readonly seed: string | number;
  readonly scale: number;
  readonly districtCode: string;
  readonly bbox: [number, number, number, number];
  readonly counts: Record<string, number>;
  readonly defects: readonly InjectedDefect[];
  readonly note: string;
}

// Area codes ending in 99 are not assigned to any county: an ID number made with one belongs to nobody.
const LOCAL_AREA = '350299';
const OTHER_AREAS = ['350199', '360199', '440199', '510199', '410199', '430199', '130199', '340199', '450199'];

const OBJECT_CLASSES: readonly (readonly [string, string, string, number])[] = [
  // class, name, owner department, weight
  ['0101', '上水井盖', 'water', 10],
  ['0102', '污水井盖', 'water', 10],
  ['0103', '雨水井盖', 'water', 10],
  ['0104', '电力井盖', 'power', 6],
  ['0105', '通信井盖', 'telecom', 6],
  ['0110', '路灯', 'urban-management', 14],
  ['0112', '消防栓', 'fire', 5],
  ['0201', '交通信号灯', 'traffic-police', 3],
  ['0202', '交通标志牌', 'traffic-police', 6],
  ['0205', '公交站亭', 'transport', 2],
  ['0301', '公共厕所', 'urban-management', 1],
  ['0302', '垃圾箱', 'urban-management', 12],
  ['0401', '行道树', 'greening', 10],
  ['0402', '绿地', 'greening', 2],
  ['0501', '宣传栏', 'publicity', 2],
  ['0601', '文体设施', 'culture-sports', 1],
];
const ORG_TYPES = [
  ['company', 40],
  ['shop', 35],
  ['school', 3],
  ['medical', 3],
  ['government', 4],
  ['social', 5],
  ['other', 10],
] as const;

/**
 * Writes a synthetic district: boundaries.geojson, org-units.csv, staff.csv, buildings.csv,
 * houses.csv, households.csv, residents.csv, organisations.csv, city-objects.csv and
 * manifest.json. The same options always produce the same files.
 */
export async function generateDistrict(opts: GenerateOptions): Promise<Manifest> {
  mkdirSync(opts.out, { recursive: true });
  const rand = new Random(opts.seed);
  const tiling = tileDistrict(rand, opts);
  // People and things are placed in the grids as they were before any defect, away from edges.
  const original = new Map(tiling.grids.map((g) => [g.code, { ...g.rect }]));
  const defects = opts.defects ? injectDefects(tiling) : [];
  const units: Unit[] = [tiling.district, ...tiling.streets, ...tiling.communities, ...tiling.grids];

  writeFileSync(
    join(opts.out, 'boundaries.geojson'),
    JSON.stringify({
      type: 'FeatureCollection',
      features: units.map((u) => ({
        type: 'Feature',
        properties: { code: u.code, name: u.name, level: u.level, parent_code: u.parent ?? null },
        geometry: { type: 'Polygon', coordinates: [rectRing(u.rect)] },
      })),
    }),
  );
  const org = new CsvWriter(join(opts.out, 'org-units.csv'), ['code', 'name', 'level', 'parent_code']);
  for (const u of units) await org.row([u.code, u.name, u.level, u.parent ?? '']);
  await org.close();

  const staff = new CsvWriter(join(opts.out, 'staff.csv'), ['unit_code', 'username', 'display_name', 'post', 'employment', 'ab_partner']);
  for (const g of tiling.grids) {
    const a = `gw-${g.code}-a`;
    const b = `gw-${g.code}-b`;
    await staff.row([g.code, `gl-${g.code}`, personName(rand), 'grid-leader', 'full-time', '']);
    await staff.row([g.code, a, personName(rand), 'grid-worker', rand.chance(0.6) ? 'full-time' : 'part-time', b]);
    await staff.row([g.code, b, personName(rand), 'grid-worker', rand.chance(0.6) ? 'full-time' : 'part-time', a]);
  }
  // The demo accounts of the dev issuer (gw-07, gw-08, gl-07) on the roster when their grids exist:
  // gw-07 and gw-08 are A/B partners across the two neighbouring grids.
  const codes = new Set(tiling.grids.map((g) => g.code));
  const demo = `${opts.districtCode}001001`;
  if (codes.has(`${demo}-07`) && codes.has(`${demo}-08`)) {
    await staff.row([`${demo}-07`, 'gl-07', '演示网格长', 'grid-leader', 'full-time', '']);
    await staff.row([`${demo}-07`, 'gw-07', '演示网格员甲', 'grid-worker', 'full-time', 'gw-08']);
    await staff.row([`${demo}-08`, 'gw-08', '演示网格员乙', 'grid-worker', 'full-time', 'gw-07']);
  }
  await staff.close();

  const files = {
    buildings: new CsvWriter(join(opts.out, 'buildings.csv'), ['code', 'name', 'address', 'longitude', 'latitude', 'floors']),
    houses: new CsvWriter(join(opts.out, 'houses.csv'), ['code', 'building_code', 'floor', 'room', 'area_m2', 'use']),
    households: new CsvWriter(join(opts.out, 'households.csv'), ['code', 'house_code', 'grid_code']),
    residents: new CsvWriter(join(opts.out, 'residents.csv'), [
      'id_number', 'name', 'phone', 'household_code', 'relation', 'residence_type', 'focus_class', 'tags', 'party_member', 'grid_code',
    ]),
    organisations: new CsvWriter(join(opts.out, 'organisations.csv'), ['code', 'name', 'type', 'address', 'longitude', 'latitude', 'contact_name', 'contact_phone']),
    objects: new CsvWriter(join(opts.out, 'city-objects.csv'), ['code', 'class_code', 'name', 'owner_department', 'maintainer', 'state', 'longitude', 'latitude']),
  };
  const people = new PeopleFactory(rand);

  for (const grid of tiling.grids) {
    const rect = original.get(grid.code)!;
    const at = () => pointIn(rand, rect);
    const road = roadName(rand);
    const estate = estateName(rand);
    const buildingCount = Math.max(1, Math.round(12 * opts.scale * (0.7 + 0.6 * rand.next())));
    for (let b = 1; b <= buildingCount; b++) {
      const code = `${grid.code}-B${String(b).padStart(3, '0')}`;
      const floors = rand.weighted([[rand.int(3, 6), 35], [rand.int(7, 11), 35], [rand.int(12, 18), 20], [rand.int(19, 33), 10]]);
      const [lng, lat] = at();
      const address = `${road}${rand.int(1, 300)}号${estate}${b}号楼`;
      await files.buildings.row([code, `${estate}${b}号楼`, address, lng, lat, floors]);
      const roomsPerFloor = rand.int(2, 4);
      for (let f = 1; f <= floors; f++) {
        for (let r = 1; r <= roomsPerFloor; r++) {
          const room = `${f}${String(r).padStart(2, '0')}`;
          const houseCode = `${code}-${room}`;
          const use = rand.weighted([['owner_occupied', 70], ['rented', 20], ['vacant', 7], ['commercial', 3]] as const);
          await files.houses.row([houseCode, code, f, room, rand.int(45, 160), use]);
          if (use === 'vacant' || use === 'commercial') continue;
          const householdCode = `${houseCode}-H1`;
          await files.households.row([householdCode, houseCode, grid.code]);
          for (const p of people.household(use === 'rented')) {
            await files.residents.row([p.idNumber, p.name, p.phone, householdCode, p.relation, p.residenceType, p.focusClass, p.tags.join('|'), p.partyMember, grid.code]);
          }
        }
      }
    }
    const orgCount = Math.round(5.5 * opts.scale * (0.5 + rand.next()));
    for (let i = 1; i <= orgCount; i++) {
      const type = rand.weighted(ORG_TYPES);
      const [lng, lat] = at();
      await files.organisations.row([`${grid.code}-ORG${String(i).padStart(3, '0')}`, orgName(rand, type), type, `${road}${rand.int(1, 300)}号`, lng, lat, personName(rand), people.phone()]);
    }
    const objectCount = Math.round(53 * opts.scale * (0.6 + 0.8 * rand.next()));
    for (let i = 1; i <= objectCount; i++) {
      const [cls, name, owner] = OBJECT_CLASSES[pickWeighted(rand, OBJECT_CLASSES)]!;
      const [lng, lat] = at();
      const state = rand.weighted([['normal', 95], ['damaged', 4], ['lost', 1]] as const);
      await files.objects.row([`${grid.code}-OBJ${String(i).padStart(4, '0')}`, cls, name, owner, `${owner}-maintenance`, state, lng, lat]);
    }
    opts.onProgress?.('residents.csv', files.residents.rows);
  }
  for (const f of Object.values(files)) await f.close();

  const manifest: Manifest = {
    seed: opts.seed,
    scale: opts.scale,
    districtCode: opts.districtCode,
    bbox: [opts.bbox.x0 / 1e6, opts.bbox.y0 / 1e6, opts.bbox.x1 / 1e6, opts.bbox.y1 / 1e6],
    counts: {
      streets: tiling.streets.length,
      communities: tiling.communities.length,
      grids: tiling.grids.length,
      staff: staff.rows,
      buildings: files.buildings.rows,
      houses: files.houses.rows,
      households: files.households.rows,
      residents: files.residents.rows,
      organisations: files.organisations.rows,
      cityObjects: files.objects.rows,
    },
    defects,
    note: 'Synthetic data: invented places and people. ID numbers use unassigned area codes (xx0199/350299); phone numbers use the 140 prefix, not issued to people.',
  };
  writeFileSync(join(opts.out, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}

function pickWeighted(rand: Random, table: readonly (readonly [string, string, string, number])[]): number {
  const total = table.reduce((s, t) => s + t[3], 0);
  let r = rand.next() * total;
  for (let i = 0; i < table.length; i++) {
    r -= table[i]![3];
    if (r < 0) return i;
  }
  return table.length - 1;
}

/** A point well inside the rectangle (away from edges, where defects are injected), as degrees with 6 decimals. */
function pointIn(rand: Random, r: Rect): [number, number] {
  const fx = 0.25 + 0.5 * rand.next();
  const fy = 0.25 + 0.5 * rand.next();
  return [Math.round(r.x0 + fx * (r.x1 - r.x0)) / 1e6, Math.round(r.y0 + fy * (r.y1 - r.y0)) / 1e6];
}

export interface Person {
  readonly idNumber: string;
  readonly name: string;
  readonly phone: string;
  readonly relation: 'head' | 'spouse' | 'child' | 'parent' | 'other';
  readonly residenceType: 'registered' | 'floating' | 'tenant';
  readonly focusClass: 'none' | 'key' | 'vulnerable' | 'special';
  readonly tags: string[];
  readonly partyMember: boolean;
}

const THIS_YEAR = 2026;

/** Households with plausible ages, relations, residence types and focus-class proportions. */
class PeopleFactory {
  private readonly sequences = new Map<string, number>();
  private phoneCounter = 0;

  constructor(private readonly rand: Random) {}

  phone(): string {
    this.phoneCounter += 1;
    // 140 + 8 digits: syntactically a mainland mobile, but a range not issued to people.
    return `140${String((this.phoneCounter * 7919) % 100_000_000).padStart(8, '0')}`;
  }

  household(rented: boolean): Person[] {
    const r = this.rand;
    const size = r.weighted([[1, 10], [2, 20], [3, 30], [4, 22], [5, 12], [6, 6]] as const);
    const residenceType = rented ? (r.chance(0.7) ? 'tenant' : 'floating') : r.chance(0.9) ? 'registered' : 'floating';
    const area = residenceType === 'registered' ? LOCAL_AREA : r.pick(OTHER_AREAS);
    const surname = personName(r).slice(0, 1);
    const lowIncome = r.chance(0.02);
    const headAge = size === 1 ? r.weighted([[r.int(22, 40), 45], [r.int(41, 64), 25], [r.int(65, 92), 30]]) : r.int(28, 70);
    const members: { relation: Person['relation']; age: number }[] = [{ relation: 'head', age: headAge }];
    for (let i = 1; i < size; i++) {
      if (i === 1 && r.chance(0.85)) members.push({ relation: 'spouse', age: Math.max(20, headAge + r.int(-5, 5)) });
      else if (r.chance(0.75)) members.push({ relation: 'child', age: Math.max(0, headAge - r.int(22, 36)) });
      else members.push({ relation: r.chance(0.8) ? 'parent' : 'other', age: Math.min(98, headAge + r.int(22, 30)) });
    }
    return members.map(({ relation, age }) => {
      const sex = r.chance(0.5) ? 'male' : 'female';
      const tags: string[] = [];
      if (size === 1 && age >= 70) tags.push('elderly_alone');
      if (r.chance(0.015)) tags.push('disabled');
      if (lowIncome) tags.push('low_income');
      if (age >= 40 && age <= 59 && r.chance(0.012)) tags.push('unemployed_4050');
      if (age <= 16 && residenceType === 'registered' && r.chance(0.01)) tags.push('left_behind_child');
      if (age >= 18) {
        if (r.chance(0.0004)) tags.push('community_correction');
        if (r.chance(0.0006)) tags.push('released_prisoner');
        if (r.chance(0.0002)) tags.push('drug_user');
        if (r.chance(0.003)) tags.push('key_person');
      }
      const focusClass: Person['focusClass'] = tags.some((t) => ['community_correction', 'released_prisoner', 'drug_user'].includes(t))
        ? 'special'
        : tags.includes('key_person')
          ? 'key'
          : tags.length > 0
            ? 'vulnerable'
            : 'none';
      return {
        idNumber: this.idNumber(area, age, sex),
        name: relation === 'child' || relation === 'head' ? personName(r, surname) : personName(r),
        phone: age >= 16 && r.chance(0.85) ? this.phone() : '',
        relation,
        residenceType,
        focusClass,
        tags,
        partyMember: age >= 18 && r.chance(0.08),
      };
    });
  }

  private idNumber(area: string, age: number, sex: 'male' | 'female'): string {
    const r = this.rand;
    for (;;) {
      // Born in the year before the age is reached, so that no birth date lies in the future.
      const year = THIS_YEAR - 1 - age;
      const month = r.int(1, 12);
      const day = r.int(1, new Date(Date.UTC(year, month, 0)).getUTCDate());
      const date = `${year}${String(month).padStart(2, '0')}${String(day).padStart(2, '0')}`;
      const key = `${area}${date}${sex}`;
      // Sequence numbers are handed out in order per area, day and sex: odd for men, even for women.
      const next = (this.sequences.get(key) ?? (sex === 'male' ? -1 : 0)) + 2;
      if (next > 999) continue;
      this.sequences.set(key, next);
      const first17 = `${area}${date}${String(next).padStart(3, '0')}`;
      return `${first17}${idCheckCharacter(first17)}`;
    }
  }
}
