import { Injectable } from '@nestjs/common';
import type pg from 'pg';
import { ServiceSql } from '@gm/platform';

type Db = Pick<pg.PoolClient, 'query'>;

export interface NewMessage {
  readonly recipient: string;
  readonly kind: 'case-status' | 'work-order';
  /** What made it (an event id): a recipient gets one message per source. */
  readonly sourceId: string;
  readonly title: { zh: string; en: string };
  readonly body: { zh: string; en: string };
  readonly ref: { type: 'case' | 'work-order'; id: string; no: string | null };
}

export interface MessageRow {
  readonly id: string;
  readonly kind: 'case-status' | 'work-order';
  readonly titleZh: string;
  readonly titleEn: string;
  readonly bodyZh: string;
  readonly bodyEn: string;
  readonly refType: 'case' | 'work-order';
  readonly refId: string;
  readonly refNo: string | null;
  readonly createdAt: Date;
  readonly readAt: Date | null;
}

/** The only place that queries the inbox and the cases whose reporters this tier tells (plain SQL, `$n`). */
@Injectable()
export class InboxRepository {
  constructor(private readonly sql: ServiceSql) {}

  private t(name: string): string {
    return this.sql.table(name);
  }

  transaction<T>(fn: (db: pg.PoolClient) => Promise<T>): Promise<T> {
    return this.sql.transaction(fn);
  }

  /** Adds messages (once per recipient and source); answers those that are new. */
  async add(db: Db, all: readonly NewMessage[]): Promise<NewMessage[]> {
    // One event may come twice in one batch (a redelivery beside the original): keep the first.
    const messages = [...new Map(all.map((m) => [`${m.recipient}\u0000${m.sourceId}`, m] as const)).values()];
    if (messages.length === 0) return [];
    const res = await db.query<{ recipient: string; source_id: string }>(
      `INSERT INTO ${this.t('inbox_messages')} (recipient, kind, source_id, title_zh, title_en, body_zh, body_en, ref_type, ref_id, ref_no)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[])
       ON CONFLICT (recipient, source_id) DO NOTHING RETURNING recipient, source_id`,
      [
        messages.map((m) => m.recipient),
        messages.map((m) => m.kind),
        messages.map((m) => m.sourceId),
        messages.map((m) => m.title.zh),
        messages.map((m) => m.title.en),
        messages.map((m) => m.body.zh),
        messages.map((m) => m.body.en),
        messages.map((m) => m.ref.type),
        messages.map((m) => m.ref.id),
        messages.map((m) => m.ref.no),
      ],
    );
    const fresh = new Set(res.rows.map((r) => `${r.recipient}\u0000${r.source_id}`));
    return messages.filter((m) => fresh.has(`${m.recipient}\u0000${m.sourceId}`));
  }

  async markReportedHere(db: Db, cases: readonly { caseKey: string; at: string }[]): Promise<void> {
    if (cases.length === 0) return;
    await db.query(`INSERT INTO ${this.t('reported_here')} (case_key, reported_at) SELECT * FROM unnest($1::text[], $2::timestamptz[]) ON CONFLICT DO NOTHING`, [
      cases.map((c) => c.caseKey),
      cases.map((c) => c.at),
    ]);
  }

  async reportedHere(db: Db, caseKeys: readonly string[]): Promise<Set<string>> {
    if (caseKeys.length === 0) return new Set();
    const res = await db.query<{ case_key: string }>(`SELECT case_key FROM ${this.t('reported_here')} WHERE case_key = ANY ($1)`, [[...new Set(caseKeys)]]);
    return new Set(res.rows.map((r) => r.case_key));
  }

  async page(recipients: readonly string[], f: { unread?: boolean | undefined; limit: number; offset: number }): Promise<{ rows: MessageRow[]; total: number; unread: number }> {
    const filter = f.unread === true ? ' AND read_at IS NULL' : f.unread === false ? ' AND read_at IS NOT NULL' : '';
    const [rows, counts] = await Promise.all([
      this.sql.query<MessageRow>(
        `SELECT id::text, kind, title_zh AS "titleZh", title_en AS "titleEn", body_zh AS "bodyZh", body_en AS "bodyEn", ref_type AS "refType", ref_id AS "refId",
           ref_no AS "refNo", created_at AS "createdAt", read_at AS "readAt"
         FROM ${this.t('inbox_messages')} m WHERE recipient = ANY ($1)${filter} ORDER BY m.id DESC LIMIT ${f.limit} OFFSET ${f.offset}`,
        [[...recipients]],
      ),
      this.sql.query<{ total: number; unread: number }>(
        `SELECT (SELECT count(*)::int FROM ${this.t('inbox_messages')} WHERE recipient = ANY ($1)${filter}) AS total,
                (SELECT count(*)::int FROM ${this.t('inbox_messages')} WHERE recipient = ANY ($1) AND read_at IS NULL) AS unread`,
        [[...recipients]],
      ),
    ]);
    return { rows, total: counts[0]!.total, unread: counts[0]!.unread };
  }

  /** Marks one message read; false when it is not one of these recipients'. */
  async read(recipients: readonly string[], id: string): Promise<boolean> {
    const res = await this.sql.query<{ id: string }>(
      `UPDATE ${this.t('inbox_messages')} SET read_at = coalesce(read_at, now()) WHERE id = $1 AND recipient = ANY ($2) RETURNING id::text`,
      [id, [...recipients]],
    );
    return res.length > 0;
  }

  async readAll(recipients: readonly string[]): Promise<number> {
    return (await this.sql.query<{ id: string }>(`UPDATE ${this.t('inbox_messages')} SET read_at = now() WHERE recipient = ANY ($1) AND read_at IS NULL RETURNING id::text`, [[...recipients]]))
      .length;
  }
}
