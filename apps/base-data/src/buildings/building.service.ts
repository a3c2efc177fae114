import { Injectable } from '@nestjs/common';
import { BUILDING_CODE, DomainError, type BuildingPage, type BuildingView } from '@gm/contracts';
import { isWithinScope } from '@gm/domain';
import { ServiceSql } from '@gm/platform';
import { checkGivenCode, GridLocator } from '../records/grid-locator';
import { Changes, codeForNew, pageByCode, Where } from '../records/codes-and-pages';
import { escapeLike, RecordWrites, type Actor } from '../records/record-writes';

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

  list(f: { scope: string; address?: string | undefined; cursor?: string | undefined; limit: number }): Promise<BuildingPage> {
    const where = new Where('b.grid_code', f.scope).add(f.address && `%${escapeLike(f.address)}%`, (p) => `b.address ILIKE ${p}`);
    return pageByCode(this.sql.query.bind(this.sql), this.select(), 'b.code', where, f);
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
      const code = await codeForNew(client, {
        table: this.t('buildings'),
        lock: `building:${gridCode}`,
        given: input.code,
        highest: [`SELECT max(substring(code FROM '-B([0-9]+)$')::int) AS n FROM ${this.t('buildings')} WHERE grid_code = $1`, [gridCode]],
        format: (n) => `${gridCode}-B${String(n).padStart(3, '0')}`,
      });
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
      const changed = new Changes(code);
      for (const key of ['name', 'address', 'floors'] as const) changed.compare(key, row[key], changes[key]);
      if (changed.empty) return;
      await changed.apply(client, this.t('buildings'));
      await record('building', code, row.grid_code, 'updated', 'update', changed.history);
    });
    return this.get(scope, code);
  }

  async history(scope: string, code: string) {
    await this.get(scope, code);
    return this.writes.history('building', code);
  }
}
