import { Migration } from '@gm/persistence';

/**
 * The "1+5+N" base data. Every record carries its grid. Residents' ID and phone numbers exist only
 * inside `pii` (AES-256-GCM, key id in the box and in `pii_key`), as keyed hashes for exact search,
 * and as masks for display.
 */
export class BaseDataMigration extends Migration {
  override up(): void {
    this.addSql(`CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public`);
    this.addSql(`CREATE TABLE buildings (
      code text PRIMARY KEY,
      name text NOT NULL,
      address text NOT NULL,
      location public.geometry(Point, 4326) NOT NULL,
      floors integer NOT NULL,
      grid_code text NOT NULL,
      updated_at timestamptz NOT NULL DEFAULT now()
    )`);
    this.addSql(`CREATE INDEX buildings_grid_idx ON buildings (grid_code text_pattern_ops)`);
    this.addSql(`CREATE INDEX buildings_location_gist ON buildings USING gist (location)`);
    this.addSql(`CREATE INDEX buildings_address_trgm ON buildings USING gin (address public.gin_trgm_ops)`);
    this.addSql(`CREATE TABLE houses (
      code text PRIMARY KEY,
      building_code text NOT NULL REFERENCES buildings (code),
      floor integer NOT NULL,
      room text NOT NULL,
      area_m2 numeric(8, 2) NOT NULL,
      use text NOT NULL CHECK (use IN ('owner_occupied', 'rented', 'vacant', 'commercial')),
      grid_code text NOT NULL,
      updated_at timestamptz NOT NULL DEFAULT now()
    )`);
    this.addSql(`CREATE INDEX houses_building_idx ON houses (building_code)`);
    this.addSql(`CREATE INDEX houses_grid_idx ON houses (grid_code text_pattern_ops)`);
    this.addSql(`CREATE TABLE households (
      code text PRIMARY KEY,
      house_code text NOT NULL REFERENCES houses (code),
      grid_code text NOT NULL,
      updated_at timestamptz NOT NULL DEFAULT now()
    )`);
    this.addSql(`CREATE INDEX households_house_idx ON households (house_code)`);
    this.addSql(`CREATE INDEX households_grid_idx ON households (grid_code text_pattern_ops)`);
    this.addSql(`CREATE TABLE residents (
      id uuid PRIMARY KEY,
      id_hash bytea NOT NULL UNIQUE,
      id_masked text NOT NULL,
      phone_hash bytea NULL,
      phone_masked text NULL,
      pii bytea NOT NULL,
      pii_key integer NOT NULL,
      name text NOT NULL,
      sex text NOT NULL,
      birth_date date NOT NULL,
      -- No foreign key: imports check the reference explicitly (and report the line); a
      -- per-row FK lookup doubled the time of a million-row import.
      household_code text NOT NULL,
      relation text NOT NULL,
      residence_type text NOT NULL CHECK (residence_type IN ('registered', 'floating', 'tenant')),
      focus_class text NOT NULL CHECK (focus_class IN ('none', 'key', 'vulnerable', 'special')),
      tags text[] NOT NULL DEFAULT '{}',
      party_member boolean NOT NULL DEFAULT false,
      grid_code text NOT NULL,
      updated_at timestamptz NOT NULL DEFAULT now(),
      version integer NOT NULL DEFAULT 1
    )`);
    this.addSql(`CREATE INDEX residents_grid_name_idx ON residents (grid_code text_pattern_ops, name)`);
    this.addSql(`CREATE INDEX residents_household_idx ON residents (household_code)`);
    this.addSql(`CREATE INDEX residents_phone_hash_idx ON residents (phone_hash) WHERE phone_hash IS NOT NULL`);
    this.addSql(`CREATE INDEX residents_focus_idx ON residents (grid_code text_pattern_ops) WHERE focus_class <> 'none'`);
    this.addSql(`CREATE TABLE organisations (
      code text PRIMARY KEY,
      name text NOT NULL,
      type text NOT NULL,
      address text NOT NULL,
      location public.geometry(Point, 4326) NOT NULL,
      contact_name text NULL,
      contact_pii bytea NULL,
      contact_pii_key integer NULL,
      contact_phone_masked text NULL,
      contact_phone_hash bytea NULL,
      grid_code text NOT NULL,
      updated_at timestamptz NOT NULL DEFAULT now()
    )`);
    this.addSql(`CREATE INDEX organisations_grid_idx ON organisations (grid_code text_pattern_ops)`);
    this.addSql(`CREATE TABLE city_objects (
      code text PRIMARY KEY,
      class_code text NOT NULL CHECK (class_code ~ '^[0-9]{4}$'),
      name text NOT NULL,
      owner_department text NOT NULL,
      maintainer text NOT NULL,
      state text NOT NULL CHECK (state IN ('normal', 'damaged', 'lost', 'removed')),
      location public.geometry(Point, 4326) NOT NULL,
      grid_code text NOT NULL,
      updated_at timestamptz NOT NULL DEFAULT now()
    )`);
    this.addSql(`CREATE INDEX city_objects_grid_idx ON city_objects (grid_code text_pattern_ops)`);
    this.addSql(`CREATE INDEX city_objects_location_gist ON city_objects USING gist (location)`);
    this.addSql(`CREATE TABLE change_history (
      id bigserial PRIMARY KEY,
      entity text NOT NULL,
      entity_key text NOT NULL,
      action text NOT NULL,
      actor text NOT NULL,
      at timestamptz NOT NULL DEFAULT now(),
      changes jsonb NOT NULL
    )`);
    this.addSql(`CREATE INDEX change_history_entity_idx ON change_history (entity, entity_key, at)`);
    this.addSql(`CREATE TABLE pii_reads (
      id uuid PRIMARY KEY,
      at timestamptz NOT NULL DEFAULT now(),
      actor_subject text NOT NULL,
      actor_username text NULL,
      actor_role text NOT NULL,
      actor_unit text NOT NULL,
      resident_id uuid NOT NULL,
      fields text[] NOT NULL,
      reason text NOT NULL
    )`);
    this.addSql(`CREATE INDEX pii_reads_resident_idx ON pii_reads (resident_id, at)`);
    this.addSql(`CREATE TABLE imports (
      id uuid PRIMARY KEY,
      kind text NOT NULL,
      actor text NOT NULL,
      at timestamptz NOT NULL DEFAULT now(),
      rows integer NOT NULL,
      inserted integer NOT NULL,
      updated integer NOT NULL,
      rejected integer NOT NULL
    )`);
  }
}
