import { Migration } from '@gm/persistence';

export class BoundariesMigration extends Migration {
  override up(): void {
    this.addSql(`CREATE TABLE boundaries (
      code text PRIMARY KEY,
      level text NOT NULL CHECK (level IN ('district', 'street', 'community', 'grid')),
      name text NOT NULL,
      parent_code text NULL,
      geom public.geometry(MultiPolygon, 4326) NOT NULL,
      area_m2 double precision NOT NULL,
      updated_at timestamptz NOT NULL DEFAULT now()
    )`);
    this.addSql(`CREATE INDEX boundaries_geom_gist ON boundaries USING gist (geom)`);
    // Point → grid looks at grids only.
    this.addSql(`CREATE INDEX boundaries_grid_geom_gist ON boundaries USING gist (geom) WHERE level = 'grid'`);
    this.addSql(`CREATE INDEX boundaries_parent_idx ON boundaries (parent_code)`);
    this.addSql(`CREATE INDEX boundaries_level_idx ON boundaries (level, code)`);
    this.addSql(`CREATE TABLE boundary_imports (
      id uuid PRIMARY KEY,
      imported_at timestamptz NOT NULL DEFAULT now(),
      actor text NOT NULL,
      features integer NOT NULL,
      inserted integer NOT NULL,
      updated integer NOT NULL,
      coverage jsonb NOT NULL
    )`);
  }
}
