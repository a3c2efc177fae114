import { Injectable } from '@nestjs/common';
import type { CaseState, Urgency } from '@gm/contracts';
import { ServiceSql } from '@gm/platform';

/** Filters of the public (Open311) list; every query is bounded to the tier's own grids. */
export interface PublicCaseFilter {
  readonly tier: string;
  readonly caseNos?: readonly string[] | undefined;
  readonly categories?: readonly string[] | undefined;
  readonly states?: readonly CaseState[] | undefined;
  /** Reported at or after / at or before. */
  readonly from?: Date | undefined;
  readonly to?: Date | undefined;
}

/** A case with what the public may learn of it, and its latest public transition. */
export interface PublicCaseRow {
  id: string;
  caseNo: string;
  state: CaseState;
  categoryCode: string;
  urgency: Urgency;
  triage: string;
  description: string;
  address: string | null;
  latitude: number;
  longitude: number;
  reportedAt: Date;
  deadlineAt: Date | null;
  mediaUrl: string | null;
  assigneeKind: string | null;
  assigneeCode: string | null;
  /** The case this one was merged into. */
  primaryCaseNo: string | null;
  lastAction: string | null;
  lastAt: Date | null;
  lastNote: string | null;
  lastDetails: Record<string, unknown> | null;
}

/** A public transition of a case (an Open311 service request update). */
export interface PublicUpdateRow {
  updateId: string;
  caseNo: string;
  categoryCode: string;
  action: string;
  toState: CaseState;
  at: Date;
  note: string | null;
  details: Record<string, unknown>;
  primaryCaseNo: string | null;
}

/**
 * What the public may read of a tier's cases (Open311 requests and their updates): read-only
 * queries on the service's plain pool (`$n` placeholders), always bounded to the tier's grids.
 */
@Injectable()
export class Open311ReadModel {
  constructor(private readonly sql: ServiceSql) {}

  private t = (name: string) => this.sql.table(name);

  /**
   * One page of the public (Open311) list of a tier's cases, newest first, each with the latest of
   * its transitions whose action is in `publicActions` (what the public is told).
   */
  publicPage(f: PublicCaseFilter, publicActions: readonly string[], offset: number, limit: number): Promise<PublicCaseRow[]> {
    const params: unknown[] = [`${f.tier}%`, publicActions];
    const where = ['c.grid_code LIKE $1'];
    const add = (clause: (p: string) => string, value: unknown) => {
      params.push(value);
      where.push(clause(`$${params.length}`));
    };
    if (f.caseNos) add((p) => `c.case_no = ANY(${p}::text[])`, f.caseNos);
    if (f.categories) add((p) => `c.category_code = ANY(${p}::text[])`, f.categories);
    if (f.states) add((p) => `c.state = ANY(${p}::text[])`, f.states);
    if (f.from) add((p) => `c.reported_at >= ${p}`, f.from);
    if (f.to) add((p) => `c.reported_at <= ${p}`, f.to);
    params.push(limit, offset);
    return this.sql.query<PublicCaseRow>(
      `SELECT c.id, c.case_no AS "caseNo", c.state, c.category_code AS "categoryCode", c.urgency, c.triage, c.description, c.address,
              ST_Y(c.location) AS latitude, ST_X(c.location) AS longitude, c.reported_at AS "reportedAt", c.deadline_at AS "deadlineAt",
              c.media_url AS "mediaUrl", c.assignee_kind AS "assigneeKind", c.assignee_code AS "assigneeCode", p.case_no AS "primaryCaseNo",
              last.action AS "lastAction", last.at AS "lastAt", last.note AS "lastNote", last.details AS "lastDetails"
         FROM ${this.t('cases')} c
         LEFT JOIN ${this.t('cases')} p ON p.id = c.primary_case_id
         LEFT JOIN LATERAL (
           SELECT t.action, t.at, t.note, t.details FROM ${this.t('case_transitions')} t
            WHERE t.case_id = c.id AND t.action = ANY($2::text[]) ORDER BY t.id DESC LIMIT 1
         ) last ON true
        WHERE ${where.join(' AND ')}
        ORDER BY c.reported_at DESC, c.id DESC LIMIT $${params.length - 1} OFFSET $${params.length}`,
      params,
    );
  }

  /** A case of the tier by id (an Open311 token), or null. */
  async publicCaseNoById(tier: string, id: string): Promise<string | null> {
    const [row] = await this.sql.query<{ caseNo: string }>(`SELECT case_no AS "caseNo" FROM ${this.t('cases')} WHERE id = $1 AND grid_code LIKE $2`, [id, `${tier}%`]);
    return row?.caseNo ?? null;
  }

  /** Transitions of a tier's cases with a public action, at or after `from` and before `to`, oldest first. */
  publicUpdates(tier: string, publicActions: readonly string[], from: Date, to: Date, offset: number, limit: number): Promise<PublicUpdateRow[]> {
    return this.sql.query<PublicUpdateRow>(
      `SELECT t.id::text AS "updateId", c.case_no AS "caseNo", c.category_code AS "categoryCode", t.action, t.to_state AS "toState",
              t.at, t.note, t.details, p.case_no AS "primaryCaseNo"
         FROM ${this.t('case_transitions')} t
         JOIN ${this.t('cases')} c ON c.id = t.case_id
         LEFT JOIN ${this.t('cases')} p ON t.action = 'merge' AND p.id = (t.details->>'primaryCaseId')::uuid
        WHERE c.grid_code LIKE $1 AND t.action = ANY($2::text[]) AND t.at >= $3 AND t.at < $4
        ORDER BY t.at, t.id LIMIT $5 OFFSET $6`,
      [`${tier}%`, publicActions, from, to, limit, offset],
    );
  }
}
