import { Injectable } from '@nestjs/common';
import { SqlRepository } from '@gm/platform';

/** What a unit's subtree holds, counted (each a number, or a number per kind). */
export interface UnitCounts {
  readonly buildings: number;
  readonly households: number;
  readonly byResidenceType: Record<string, number>;
  readonly byFocusClass: Record<string, number>;
  readonly byTag: Record<string, number>;
  readonly partyMembers: number;
  readonly byType: Record<string, number>;
  readonly byState: Record<string, number>;
}

/** A building as the household overview shows it. */
export interface SummaryBuilding {
  code: string;
  name: string;
  address: string;
  floors: number;
  gridCode: string;
}

/** The counting reads of the summaries (plain pool, `$n`): buildings, households, active residents, organisations and city objects of a subtree. */
@Injectable()
export class SummaryRepository extends SqlRepository {
  /** The counts of the unit's subtree (`grid_code LIKE '<unit>%'`), their statements run side by side. */
  async counts(unit: string): Promise<UnitCounts> {
    const t = (n: string) => this.table(n);
    const p = [`${unit}%`];
    const count = async (table: string) => Number((await this.sql.query<{ n: string }>(`SELECT count(*) AS n FROM ${t(table)} WHERE grid_code LIKE $1`, p))[0]?.n ?? 0);
    const groups = async (sql: string) => Object.fromEntries((await this.sql.query<{ k: string; n: string }>(sql, p)).map((r) => [r.k, Number(r.n)]));
    const [buildings, households, byResidenceType, byFocusClass, byTag, partyMembers, byType, byState] = await Promise.all([
      count('buildings'),
      count('households'),
      groups(`SELECT residence_type AS k, count(*) AS n FROM ${t('residents')} WHERE grid_code LIKE $1 AND status = 'active' GROUP BY 1`),
      groups(`SELECT focus_class AS k, count(*) AS n FROM ${t('residents')} WHERE grid_code LIKE $1 AND status = 'active' GROUP BY 1`),
      groups(`SELECT tag AS k, count(*) AS n FROM ${t('residents')}, unnest(tags) AS tag WHERE grid_code LIKE $1 AND status = 'active' GROUP BY 1`),
      this.sql.query<{ n: string }>(`SELECT count(*) AS n FROM ${t('residents')} WHERE grid_code LIKE $1 AND party_member AND status = 'active'`, p).then((r) => Number(r[0]?.n ?? 0)),
      groups(`SELECT type AS k, count(*) AS n FROM ${t('organisations')} WHERE grid_code LIKE $1 GROUP BY 1`),
      groups(`SELECT state AS k, count(*) AS n FROM ${t('city_objects')} WHERE grid_code LIKE $1 GROUP BY 1`),
    ]);
    return { buildings, households, byResidenceType, byFocusClass, byTag, partyMembers, byType, byState };
  }

  async building(code: string): Promise<SummaryBuilding | undefined> {
    const [building] = await this.sql.query<SummaryBuilding>(`SELECT code, name, address, floors, grid_code AS "gridCode" FROM ${this.table('buildings')} WHERE code = $1`, [code]);
    return building;
  }

  /** The building's households by floor and room, with their active members and how many of them are of a focus class. */
  householdsOf(buildingCode: string): Promise<Record<string, unknown>[]> {
    const t = (n: string) => this.table(n);
    return this.sql.query(
      `SELECT h.code, hs.code AS "houseCode", hs.floor, hs.room, hs.use, count(r.id)::int AS members,
              count(r.id) FILTER (WHERE r.focus_class <> 'none')::int AS "focusMembers"
       FROM ${t('households')} h JOIN ${t('houses')} hs ON hs.code = h.house_code LEFT JOIN ${t('residents')} r ON r.household_code = h.code AND r.status = 'active'
       WHERE hs.building_code = $1 GROUP BY h.code, hs.code ORDER BY hs.floor, hs.room`,
      [buildingCode],
    );
  }
}
