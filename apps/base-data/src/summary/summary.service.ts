import { Injectable } from '@nestjs/common';
import { DomainError, Rpc, type UnitSummary } from '@gm/contracts';
import { isWithinScope } from '@gm/domain';
import { RpcClient } from '@gm/messaging';
import { ServiceSql } from '@gm/platform';

/** "Three knows, two clears, one grasp" at a glance: what a grid (or any unit) holds. */
@Injectable()
export class SummaryService {
  constructor(
    private readonly sql: ServiceSql,
    private readonly rpc: RpcClient,
  ) {}

  async summary(unit: string): Promise<UnitSummary> {
    const t = (n: string) => this.sql.table(n);
    const p = [`${unit}%`];
    const count = async (table: string) => Number((await this.sql.query<{ n: string }>(`SELECT count(*) AS n FROM ${t(table)} WHERE grid_code LIKE $1`, p))[0]?.n ?? 0);
    const groups = async (sql: string) => Object.fromEntries((await this.sql.query<{ k: string; n: string }>(sql, p)).map((r) => [r.k, Number(r.n)]));
    const [buildings, households, byResidenceType, byFocusClass, byTag, party, byType, byState, openCases] = await Promise.all([
      count('buildings'),
      count('households'),
      groups(`SELECT residence_type AS k, count(*) AS n FROM ${t('residents')} WHERE grid_code LIKE $1 AND status = 'active' GROUP BY 1`),
      groups(`SELECT focus_class AS k, count(*) AS n FROM ${t('residents')} WHERE grid_code LIKE $1 AND status = 'active' GROUP BY 1`),
      groups(`SELECT tag AS k, count(*) AS n FROM ${t('residents')}, unnest(tags) AS tag WHERE grid_code LIKE $1 AND status = 'active' GROUP BY 1`),
      this.sql.query<{ n: string }>(`SELECT count(*) AS n FROM ${t('residents')} WHERE grid_code LIKE $1 AND party_member AND status = 'active'`, p).then((r) => Number(r[0]?.n ?? 0)),
      groups(`SELECT type AS k, count(*) AS n FROM ${t('organisations')} WHERE grid_code LIKE $1 GROUP BY 1`),
      groups(`SELECT state AS k, count(*) AS n FROM ${t('city_objects')} WHERE grid_code LIKE $1 GROUP BY 1`),
      this.rpc
        .request(Rpc.openCases, { under: unit }, { timeoutMs: 2000 })
        .then((r) => r.open)
        .catch(() => null),
    ]);
    const sum = (r: Record<string, number>) => Object.values(r).reduce((a, b) => a + b, 0);
    return {
      unit,
      buildings,
      households,
      residents: { total: sum(byResidenceType), byResidenceType, byFocusClass, byTag, partyMembers: party },
      organisations: { total: sum(byType), byType },
      objects: { total: sum(byState), byState },
      openCases,
    };
  }

  async households(scope: string, buildingCode: string) {
    const t = (n: string) => this.sql.table(n);
    const [building] = await this.sql.query<{ code: string; name: string; address: string; floors: number; gridCode: string }>(
      `SELECT code, name, address, floors, grid_code AS "gridCode" FROM ${t('buildings')} WHERE code = $1`,
      [buildingCode],
    );
    if (!building || !isWithinScope(scope, building.gridCode)) throw new DomainError('BUILDING.NOT_FOUND', `no building ${buildingCode}`);
    const households = await this.sql.query(
      `SELECT h.code, hs.code AS "houseCode", hs.floor, hs.room, hs.use, count(r.id)::int AS members,
              count(r.id) FILTER (WHERE r.focus_class <> 'none')::int AS "focusMembers"
       FROM ${t('households')} h JOIN ${t('houses')} hs ON hs.code = h.house_code LEFT JOIN ${t('residents')} r ON r.household_code = h.code AND r.status = 'active'
       WHERE hs.building_code = $1 GROUP BY h.code, hs.code ORDER BY hs.floor, hs.room`,
      [buildingCode],
    );
    return { building, households };
  }
}
