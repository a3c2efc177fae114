import { Migration } from '@gm/persistence';

/**
 * Departments' webhook subscriptions (ADR 0014): the case events service-office has heard (kept for
 * replay), which department each case is dispatched to now, the subscriptions, one delivery per
 * event and subscription (and per replay or re-delivery), and every attempt of each (the log).
 */
export class SubscriptionsMigration extends Migration {
  override up(): void {
    this.addSql(`CREATE TABLE case_event_log (
      seq bigserial PRIMARY KEY,
      event_id uuid NOT NULL UNIQUE,
      type text NOT NULL,
      case_key text NOT NULL,
      case_no text NULL,
      category_code text NULL,
      grid_code text NULL,
      occurred_at timestamptz NOT NULL,
      received_at timestamptz NOT NULL DEFAULT now(),
      envelope jsonb NOT NULL
    )`);
    this.addSql('CREATE INDEX case_event_log_occurred ON case_event_log (occurred_at)');
    this.addSql(`CREATE TABLE case_departments (
      case_key text PRIMARY KEY,
      department text NOT NULL,
      since timestamptz NOT NULL
    )`);
    this.addSql(`CREATE TABLE subscriptions (
      id uuid PRIMARY KEY,
      department text NOT NULL,
      url text NOT NULL,
      description text NOT NULL DEFAULT '',
      event_types text[] NOT NULL DEFAULT '{}',
      categories text[] NOT NULL DEFAULT '{}',
      areas text[] NOT NULL DEFAULT '{}',
      status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'disabled')),
      disabled_reason text NULL,
      secrets jsonb NOT NULL,
      created_by text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    )`);
    this.addSql('CREATE INDEX subscriptions_department ON subscriptions (department)');
    this.addSql(`CREATE TABLE deliveries (
      id bigserial PRIMARY KEY,
      subscription_id uuid NOT NULL REFERENCES subscriptions (id) ON DELETE CASCADE,
      event_seq bigint NOT NULL REFERENCES case_event_log (seq) ON DELETE CASCADE,
      event_id uuid NOT NULL,
      case_key text NOT NULL,
      -- One case's queue for one subscription (ordered per case): the only key the sender looks a case's earlier deliveries up by.
      chain text GENERATED ALWAYS AS (subscription_id::text || '/' || case_key) STORED,
      status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'dead')),
      replay boolean NOT NULL DEFAULT false,
      attempts int NOT NULL DEFAULT 0,
      next_attempt_at timestamptz NOT NULL DEFAULT now(),
      leased_until timestamptz NULL,
      first_attempt_at timestamptz NULL,
      last_status_code int NULL,
      last_error text NULL,
      last_latency_ms int NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      delivered_at timestamptz NULL
    )`);
    // At most one delivery of an event to a subscription waiting at a time (a replay of what is still waiting adds nothing).
    this.addSql(`CREATE UNIQUE INDEX deliveries_one_pending ON deliveries (subscription_id, event_id) WHERE status = 'pending'`);
    // The head of each case's queue per subscription (ordered per case), found among the pending ones.
    this.addSql(`CREATE INDEX deliveries_pending ON deliveries (chain, event_seq) WHERE status = 'pending'`);
    // The sender's walk over what is due, oldest first.
    this.addSql(`CREATE INDEX deliveries_due ON deliveries (next_attempt_at) WHERE status = 'pending'`);
    this.addSql('CREATE INDEX deliveries_by_subscription ON deliveries (subscription_id, id DESC)');
    this.addSql(`CREATE TABLE delivery_attempts (
      id bigserial PRIMARY KEY,
      delivery_id bigint NOT NULL REFERENCES deliveries (id) ON DELETE CASCADE,
      at timestamptz NOT NULL DEFAULT now(),
      status_code int NULL,
      latency_ms int NOT NULL,
      error text NULL
    )`);
    this.addSql('CREATE INDEX delivery_attempts_delivery ON delivery_attempts (delivery_id, id)');
  }
}
