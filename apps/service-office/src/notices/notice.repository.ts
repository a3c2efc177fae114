import { Injectable } from '@nestjs/common';
import { ServiceSql } from '@gm/platform';

export interface NoticeRow {
  readonly id: string;
  readonly title: string;
  readonly body: string;
  readonly publisherUnit: string;
  readonly publishedBy: string;
  readonly publishedAt: Date;
  readonly roles: string[];
  readonly chosenUnits: string[];
  readonly returnInstructions: string | null;
  readonly returnDeadline: Date | null;
}

/** A notice as one person sees it: with their read time and their receipt unit's return. */
export interface ReceivedRow extends NoticeRow {
  readonly readAt: Date | null;
  readonly receiptUnit: string | null;
  readonly returnedAt: Date | null;
  readonly returnedBy: string | null;
}

export interface UnitReceiptRow {
  readonly unit: string;
  readonly name: string | null;
  readonly firstReadAt: Date | null;
  readonly readers: number;
  readonly text: string | null;
  readonly attachments: string[] | null;
  readonly submittedBy: string | null;
  readonly submittedAt: Date | null;
}

const NOTICE = `n.id, n.title, n.body, n.publisher_unit AS "publisherUnit", n.published_by AS "publishedBy", n.published_at AS "publishedAt", n.roles,
  n.chosen_units AS "chosenUnits", n.return_instructions AS "returnInstructions", n.return_deadline AS "returnDeadline"`;

/** The only place that queries notices, their recipients, reads and returns (plain SQL, `$n`). */
@Injectable()
export class NoticeRepository {
  constructor(private readonly sql: ServiceSql) {}

  private t(name: string): string {
    return this.sql.table(name);
  }

  async insert(n: NoticeRow, units: readonly { code: string; name: string | null }[]): Promise<void> {
    await this.sql.transaction(async (db) => {
      await db.query(
        `INSERT INTO ${this.t('notices')} (id, title, body, publisher_unit, published_by, published_at, roles, chosen_units, return_instructions, return_deadline)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
        [n.id, n.title, n.body, n.publisherUnit, n.publishedBy, n.publishedAt, n.roles, n.chosenUnits, n.returnInstructions, n.returnDeadline],
      );
      await db.query(`INSERT INTO ${this.t('notice_units')} (notice_id, unit_code, unit_name) SELECT $1, * FROM unnest($2::text[], $3::text[])`, [
        n.id,
        units.map((u) => u.code),
        units.map((u) => u.name),
      ]);
    });
  }

  /**
   * Notices addressed to a person: to one of the units on the path from the district down to theirs,
   * for everyone or for one of their roles. The receipt unit is the nearest such unit.
   */
  async received(subject: string, path: readonly string[], roles: readonly string[], f: { id?: string; unread?: boolean | undefined; limit: number; offset: number }): Promise<{ rows: ReceivedRow[]; total: number; unread: number }> {
    const params: unknown[] = [subject, [...path], [...roles]];
    const base = `FROM ${this.t('notices')} n
      CROSS JOIN LATERAL (SELECT u.unit_code FROM ${this.t('notice_units')} u WHERE u.notice_id = n.id AND u.unit_code = ANY ($2) ORDER BY length(u.unit_code) DESC LIMIT 1) ru
      LEFT JOIN ${this.t('notice_reads')} r ON r.notice_id = n.id AND r.subject = $1
      LEFT JOIN ${this.t('notice_returns')} ret ON ret.notice_id = n.id AND ret.unit_code = ru.unit_code
      WHERE (cardinality(n.roles) = 0 OR n.roles && $3::text[])`;
    const only = f.id ? ` AND n.id = $${params.push(f.id)}` : '';
    const unreadOnly = f.unread === true ? ' AND r.read_at IS NULL' : f.unread === false ? ' AND r.read_at IS NOT NULL' : '';
    const [rows, counts] = await Promise.all([
      this.sql.query<ReceivedRow>(
        `SELECT ${NOTICE}, r.read_at AS "readAt", ru.unit_code AS "receiptUnit", ret.submitted_at AS "returnedAt", ret.submitted_by AS "returnedBy"
         ${base}${only}${unreadOnly} ORDER BY n.published_at DESC, n.id LIMIT ${f.limit} OFFSET ${f.offset}`,
        params,
      ),
      this.sql.query<{ total: number; unread: number }>(`SELECT count(*)::int AS total, count(*) FILTER (WHERE r.read_at IS NULL)::int AS unread ${base}${only}${unreadOnly}`, params),
    ]);
    return { rows, total: counts[0]!.total, unread: counts[0]!.unread };
  }

  /** Notices published by units within a scope. */
  async published(under: string, f: { limit: number; offset: number }): Promise<{ rows: NoticeRow[]; total: number }> {
    const params = [under, `${under}%`];
    const where = `WHERE n.publisher_unit = $1 OR n.publisher_unit LIKE $2`;
    const [rows, count] = await Promise.all([
      this.sql.query<NoticeRow>(`SELECT ${NOTICE} FROM ${this.t('notices')} n ${where} ORDER BY n.published_at DESC, n.id LIMIT ${f.limit} OFFSET ${f.offset}`, params),
      this.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${this.t('notices')} n ${where}`, params),
    ]);
    return { rows, total: count[0]!.n };
  }

  async one(id: string): Promise<NoticeRow | undefined> {
    return (await this.sql.query<NoticeRow>(`SELECT ${NOTICE} FROM ${this.t('notices')} n WHERE n.id = $1`, [id]))[0];
  }

  /** Records a person's read once (the first read counts). */
  async read(noticeId: string, r: { subject: string; username: string; orgUnit: string; receiptUnit: string; at: Date }): Promise<void> {
    await this.sql.query(
      `INSERT INTO ${this.t('notice_reads')} (notice_id, subject, username, org_unit, receipt_unit, read_at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING`,
      [noticeId, r.subject, r.username, r.orgUnit, r.receiptUnit, r.at],
    );
  }

  /** A unit's return; a later one replaces it (and its time). */
  async submitReturn(noticeId: string, unit: string, r: { text: string; attachments: readonly string[]; by: string; at: Date }): Promise<void> {
    await this.sql.query(
      `INSERT INTO ${this.t('notice_returns')} (notice_id, unit_code, text, attachments, submitted_by, submitted_at) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (notice_id, unit_code) DO UPDATE SET text = excluded.text, attachments = excluded.attachments, submitted_by = excluded.submitted_by, submitted_at = excluded.submitted_at`,
      [noticeId, unit, r.text, [...r.attachments], r.by, r.at],
    );
  }

  async unitReceipts(noticeId: string): Promise<UnitReceiptRow[]> {
    return this.sql.query<UnitReceiptRow>(
      `SELECT u.unit_code AS unit, u.unit_name AS name, min(r.read_at) AS "firstReadAt", count(r.subject)::int AS readers,
         ret.text, ret.attachments, ret.submitted_by AS "submittedBy", ret.submitted_at AS "submittedAt"
       FROM ${this.t('notice_units')} u
       LEFT JOIN ${this.t('notice_reads')} r ON r.notice_id = u.notice_id AND r.receipt_unit = u.unit_code
       LEFT JOIN ${this.t('notice_returns')} ret ON ret.notice_id = u.notice_id AND ret.unit_code = u.unit_code
       WHERE u.notice_id = $1
       GROUP BY u.unit_code, u.unit_name, ret.text, ret.attachments, ret.submitted_by, ret.submitted_at
       ORDER BY u.unit_code`,
      [noticeId],
    );
  }

  async readers(noticeId: string): Promise<{ username: string; unit: string; receiptUnit: string; readAt: Date }[]> {
    return this.sql.query(
      `SELECT username, org_unit AS unit, receipt_unit AS "receiptUnit", read_at AS "readAt" FROM ${this.t('notice_reads')} WHERE notice_id = $1 ORDER BY read_at`,
      [noticeId],
    );
  }
}
