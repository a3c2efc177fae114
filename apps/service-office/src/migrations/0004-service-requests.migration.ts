import { Migration } from '@gm/persistence';

/** Resident services (代办服务): requests taken for a resident, and every step of each. No personal data: the resident is base-data's id. */
export class ServiceRequestsMigration extends Migration {
  override up(): void {
    this.addSql('CREATE SEQUENCE service_request_no');
    this.addSql(`CREATE TABLE service_requests (
      id uuid PRIMARY KEY,
      no text NOT NULL UNIQUE,
      service_code text NOT NULL,
      resident_id uuid NOT NULL,
      grid_code text NOT NULL,
      status text NOT NULL,
      step_index integer NOT NULL DEFAULT 0,
      materials text[] NOT NULL DEFAULT '{}',
      taken_by text NOT NULL,
      taken_at timestamptz NOT NULL,
      deadline timestamptz NOT NULL,
      closed_at timestamptz NULL
    )`);
    this.addSql('CREATE INDEX service_requests_grid ON service_requests (grid_code text_pattern_ops, taken_at DESC)');
    this.addSql(`CREATE INDEX service_requests_open ON service_requests (deadline) WHERE status = 'open'`);
    this.addSql(`CREATE TABLE service_request_steps (
      id bigserial PRIMARY KEY,
      request_id uuid NOT NULL REFERENCES service_requests (id),
      action text NOT NULL,
      step text NOT NULL,
      at timestamptz NOT NULL,
      actor text NOT NULL,
      role text NOT NULL,
      note text NULL
    )`);
    this.addSql('CREATE INDEX service_request_steps_request ON service_request_steps (request_id, id)');
  }
}
