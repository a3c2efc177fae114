import { Entity, PrimaryKey, Property, Unique } from '@mikro-orm/decorators/legacy';
import type { ReportCaseBody, ReportCaseResult, RemoteError } from '@gm/contracts';

export type PendingStatus = 'queued' | 'forwarded' | 'rejected';

/**
 * A report accepted from a handheld while public-sentiment could not be reached. The body and
 * the caller's token are kept only until it is forwarded (or rejected), then cleared.
 */
@Entity({ tableName: 'pending_reports' })
@Unique({ name: 'pending_reports_reporter_key', properties: ['reporterSubject', 'idempotencyKey'] })
export class PendingReport {
  @PrimaryKey({ type: 'uuid' })
  id!: string;

  @Property({ type: 'text' })
  reporterSubject!: string;

  @Property({ type: 'text' })
  idempotencyKey!: string;

  @Property({ type: 'text' })
  status: PendingStatus = 'queued';

  @Property({ type: 'jsonb', nullable: true })
  body?: ReportCaseBody | null;

  @Property({ type: 'text', nullable: true })
  authorizationHeader?: string | null;

  @Property({ type: 'timestamptz' })
  acceptedAt!: Date;

  @Property({ type: 'integer' })
  attempts = 0;

  @Property({ type: 'jsonb', nullable: true })
  lastError?: RemoteError | null;

  @Property({ type: 'jsonb', nullable: true })
  result?: ReportCaseResult | null;

  @Property({ type: 'timestamptz', nullable: true })
  forwardedAt?: Date | null;
}
