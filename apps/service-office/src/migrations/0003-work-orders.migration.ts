import { Migration } from '@gm/persistence';

/**
 * Work orders (吹哨报到): one per whistled department, and every step of each (its receipts). The
 * case event log gains an index by case number, by which a work order names its case.
 */
export class WorkOrdersMigration extends Migration {
  override up(): void {
    this.addSql('CREATE INDEX case_event_log_case_no ON case_event_log (case_no, seq) WHERE case_no IS NOT NULL');
    this.addSql('CREATE SEQUENCE work_order_no');
    this.addSql(`CREATE TABLE work_orders (
      id uuid PRIMARY KEY,
      no text NOT NULL UNIQUE,
      department text NOT NULL,
      status text NOT NULL,
      case_key text NULL,
      case_no text NULL,
      category_code text NULL,
      grid_code text NOT NULL,
      org_unit text NOT NULL,
      title text NOT NULL,
      needed text NOT NULL,
      address text NOT NULL,
      latitude double precision NULL,
      longitude double precision NULL,
      whistled_by text NOT NULL,
      whistled_at timestamptz NOT NULL,
      respond_by timestamptz NOT NULL,
      arrive_by timestamptz NOT NULL,
      deadline timestamptz NOT NULL,
      acknowledged_at timestamptz NULL,
      arrived_at timestamptz NULL,
      closed_at timestamptz NULL,
      urge_count integer NOT NULL DEFAULT 0,
      urged_limits text[] NOT NULL DEFAULT '{}'
    )`);
    this.addSql('CREATE INDEX work_orders_department ON work_orders (department, whistled_at DESC)');
    this.addSql('CREATE INDEX work_orders_org_unit ON work_orders (org_unit text_pattern_ops, whistled_at DESC)');
    this.addSql('CREATE INDEX work_orders_case_no ON work_orders (case_no) WHERE case_no IS NOT NULL');
    this.addSql(`CREATE INDEX work_orders_open ON work_orders (deadline) WHERE status IN ('whistled', 'acknowledged', 'arrived')`);
    this.addSql(`CREATE TABLE work_order_steps (
      id bigserial PRIMARY KEY,
      work_order_id uuid NOT NULL REFERENCES work_orders (id),
      action text NOT NULL,
      at timestamptz NOT NULL,
      actor_subject text NOT NULL,
      actor_role text NOT NULL,
      actor_name text NULL,
      note text NULL,
      evidence text[] NOT NULL DEFAULT '{}',
      latitude double precision NULL,
      longitude double precision NULL,
      distance_m double precision NULL,
      overdue text NULL
    )`);
    this.addSql('CREATE INDEX work_order_steps_order ON work_order_steps (work_order_id, id)');
  }
}
