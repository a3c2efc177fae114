import { Injectable } from '@nestjs/common';
import { BUILDING_CODE, DomainError, type BuildingPage, type BuildingView } from '@gm/contracts';
import { isWithinScope } from '@gm/domain';
import { ServiceSql } from '@gm/platform';
import { checkGivenCode, GridLocator } from '../records/grid-locator';
import { decodeCodeCursor, encodeCodeCursor, escapeLike, RecordWrites, type Actor } from '../records/record-writes';

export interface BuildingInput {
  readonly code?: string | undefined;
  readonly name: string;
  readonly address: string;
  readonly floors: number;
  readonly location: { readonly longitude: number; readonly latitude: number };
}

export type BuildingChanges = Partial<Pick<BuildingInput, 'name' | 'address' | 'floors'>>;

/** Buildings (楼栋) of a unit: registered at a point of one of its grids, renamed, re-addressed. */
@Injectable()
export class BuildingService {
  constructor(
    private readonly sql: ServiceSql,
    private readonly writes: RecordWrites,
    private readonly locator: GridLocator,
  ) {}

  private t = (n: string) => this.sql.table(n);

  private select = () => `
    SELECT b.code, b.name, b.address, b.floors, json_build_object('longitude', public.ST_X(b.location), 'latitude', public.ST_Y(b.location)) AS location,
           (SELECT count(*) FROM ${this.t('houses')} hs WHERE hs.building_code = b.code)::int AS houses, b.grid_code AS "gridCode", b.version
    FROM ${this.t('buildings')} b`;

  async list(f: { scope: string; address?: string | undefined; cursor?: string | undefined; limit: number }): Promise<BuildingPage> {
    const params: unknown[] = [`${f.scope}%`];
    const where = ['b.grid_code LIKE $1'];
    if (f.address) {
      params.push(`%${escapeLike(f.address)}%`);
      where.push(`b.address ILIKE $${params.length}`);
    }
    if (f.cursor) {
      const after = decodeCodeCursor(f.cursor);
      if (after === undefined) throw DomainError.validation([{ field: 'cursor', message: 'not a cursor from this list' }]);
      params.push(after);
      where.push(`b.code > $${params.length}`);
    }
    params.push(f.limit + 1);
    const rows = await this.sql.query<BuildingView>(`${this.select()} WHERE ${where.join(' AND ')} ORDER BY b.code LIMIT $${params.length}`, params);
    const items = rows.slice(0, f.limit);
    return { items, nextCursor: rows.length > f.limit ? encodeCodeCursor(items[items.length - 1]!.code) : null };
  }

  async get(scope: string, code: string): Promise<BuildingView> {
    const [row] = await this.sql.query<BuildingView>(`${this.select()} WHERE b.code = $1`, [code]);
    if (!row || !isWithinScope(scope, row.gridCode)) throw new DomainError('BUILDING.NOT_FOUND', `no building ${code}`);
    return row;
  }

  async create(actor: Actor, input: BuildingInput): Promise<BuildingView> {
    const scope = actor.principal.orgUnit;
    const gridCode = await this.locator.gridIn(scope, input.location);
    if (input.code) checkGivenCode(input.code, BUILDING_CODE, gridCode, '<grid code>-B<serial>, e.g. 350206001001-07-B012');
    const code = await this.writes.write(actor, async ({ client, record }) => {
      await client.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [`building:${gridCode}`]);
      let code = input.code;
      if (code) {
        if ((await client.query(`SELECT 1 FROM ${this.t('buildings')} WHERE code = $1`, [code])).rowCount) throw DomainError.validation([{ field: 'code', message: `${code} is taken` }]);
      } else {
        const [row] = (await client.query<{ n: number | null }>(`SELECT max(substring(code FROM '-B([0-9]+)$')::int) AS n FROM ${this.t('buildings')} WHERE grid_code = $1`, [gridCode])).rows;
        code = `${gridCode}-B${String((row?.n ?? 0) + 1).padStart(3, '0')}`;
      }
      await client.query(
        `INSERT INTO ${this.t('buildings')} (code, name, address, location, floors, grid_code) VALUES ($1, $2, $3, public.ST_SetSRID(public.ST_MakePoint($4, $5), 4326), $6, $7)`,
        [code, input.name, input.address, input.location.longitude, input.location.latitude, input.floors, gridCode],
      );
      await record('building', code, gridCode, 'added', 'add', { name: input.name, address: input.address, floors: input.floors, grid_code: gridCode });
      return code;
    });
    return this.get(scope, code);
  }

  async update(actor: Actor, code: string, changes: BuildingChanges): Promise<BuildingView> {
    const scope = actor.principal.orgUnit;
    await this.writes.write(actor, async ({ client, record }) => {
      const row = (await client.query<{ name: string; address: string; floors: number; grid_code: string }>(`SELECT name, address, floors, grid_code FROM ${this.t('buildings')} WHERE code = $1 FOR UPDATE`, [code]))
        .rows[0];
      if (!row || !isWithinScope(scope, row.grid_code)) throw new DomainError('BUILDING.NOT_FOUND', `no building ${code}`);
      if (changes.floors !== undefined) {
        const [top] = (await client.query<{ floor: number | null }>(`SELECT max(floor) AS floor FROM ${this.t('houses')} WHERE building_code = $1`, [code])).rows;
        if (top?.floor != null && changes.floors < top.floor) throw DomainError.validation([{ field: 'floors', message: `the building has houses up to floor ${top.floor}` }]);
      }
      const params: unknown[] = [code];
      const sets: string[] = [];
      const history: Record<string, unknown> = {};
      for (const key of ['name', 'address', 'floors'] as const) {
        const value = changes[key];
        if (value === undefined || value === row[key]) continue;
        params.push(value);
        sets.push(`${key} = $${params.length}`);
        history[key] = { from: row[key], to: value };
      }
      if (sets.length === 0) return;
      await client.query(`UPDATE ${this.t('buildings')} SET ${sets.join(', ')}, updated_at = now(), version = version + 1 WHERE code = $1`, params);
      await record('building', code, row.grid_code, 'updated', 'update', history);
    });
    return this.get(scope, code);
  }

  async history(scope: string, code: string) {
    await this.get(scope, code);
    return this.writes.history('building', code);
  }
}
