import { Injectable } from '@nestjs/common';
import type pg from 'pg';
import type { OrganisationPage, OrganisationView } from '@gm/contracts';
import { SqlRepository } from '@gm/platform';
import { Changes, codeForNew, pageByCode, Where } from '../records/codes-and-pages';
import { escapeLike } from '../records/record-writes';
import type { OrganisationFilter } from './organisation.service';

/** The contact's phone number as stored: encrypted box, its key id, mask and keyed hash (all null when none). */
export type SealedPhone = [Buffer | null, number | null, string | null, Buffer | null];

export interface NewOrganisationRow {
  readonly code: string;
  readonly name: string;
  readonly type: string;
  readonly address: string;
  readonly location: { readonly longitude: number; readonly latitude: number };
  readonly contactName: string | null;
  readonly contactPhone: SealedPhone;
  readonly gridCode: string;
}

/** An organisation as an update locks it. */
export interface LockedOrganisation {
  readonly name: string;
  readonly type: string;
  readonly address: string;
  readonly contact_name: string | null;
  readonly grid_code: string;
}

/** The only place that reads or writes organisations (plain pool, `$n`); writes run in the caller's transaction. */
@Injectable()
export class OrganisationRepository extends SqlRepository {
  private select = () => `
    SELECT code, name, type, address, json_build_object('longitude', public.ST_X(location), 'latitude', public.ST_Y(location)) AS location,
           contact_name AS "contactName", contact_phone_masked AS "contactPhone", grid_code AS "gridCode", version
    FROM ${this.table('organisations')}`;

  /** One page of the organisations of the unit's subtree, by code, optionally of one type or with `name` in their name. */
  page(f: OrganisationFilter): Promise<OrganisationPage> {
    const where = new Where('grid_code', f.scope).add(f.type, (p) => `type = ${p}`).add(f.name && `%${escapeLike(f.name)}%`, (p) => `name LIKE ${p}`);
    return pageByCode(this.sql.query.bind(this.sql), this.select(), 'code', where, f);
  }

  async byCode(code: string): Promise<OrganisationView | undefined> {
    const [row] = await this.sql.query<OrganisationView>(`${this.select()} WHERE code = $1`, [code]);
    return row;
  }

  /** The given code (which must be free) or the grid's next serial formatted by `format`; one registration per grid at a time (codeForNew). */
  codeForNew(client: pg.PoolClient, gridCode: string, given: string | undefined, format: (serial: number) => string): Promise<string> {
    return codeForNew(client, {
      table: this.table('organisations'),
      lock: `organisation:${gridCode}`,
      given,
      highest: [`SELECT max(substring(code FROM '-ORG([0-9]+)$')::int) AS n FROM ${this.table('organisations')} WHERE grid_code = $1`, [gridCode]],
      format,
    });
  }

  async insert(client: pg.PoolClient, row: NewOrganisationRow): Promise<void> {
    await client.query(
      `INSERT INTO ${this.table('organisations')} (code, name, type, address, location, contact_name, contact_pii, contact_pii_key, contact_phone_masked, contact_phone_hash, grid_code)
         VALUES ($1, $2, $3, $4, public.ST_SetSRID(public.ST_MakePoint($5, $6), 4326), $7, $8, $9, $10, $11, $12)`,
      [row.code, row.name, row.type, row.address, row.location.longitude, row.location.latitude, row.contactName, ...row.contactPhone, row.gridCode],
    );
  }

  /** The organisation, locked until the transaction ends, or undefined. */
  async lockForUpdate(client: pg.PoolClient, code: string): Promise<LockedOrganisation | undefined> {
    return (await client.query<LockedOrganisation>(`SELECT name, type, address, contact_name, grid_code FROM ${this.table('organisations')} WHERE code = $1 FOR UPDATE`, [code])).rows[0];
  }

  /** Applies the changes to the organisation, raising its version. */
  update(client: pg.PoolClient, changes: Changes): Promise<void> {
    return changes.apply(client, this.table('organisations'));
  }
}
