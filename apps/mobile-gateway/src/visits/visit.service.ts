import { Injectable } from '@nestjs/common';
import { MikroORM, type EntityManager } from '@mikro-orm/postgresql';
import { DomainError, Rpc, type DiaryView, type Principal, type VisitView, type visitBodySchema } from '@gm/contracts';
import { OrgUnitCode } from '@gm/domain';
import { RpcClient } from '@gm/messaging';
import type { z } from 'zod';
import type { AlsoInTx } from '../patrols/patrol.service';
import { tableOf } from '../service-table';

type VisitInput = z.output<typeof visitBodySchema>;

interface VisitRow {
  id: string;
  worker_username: string;
  grid_code: string;
  at: Date | string;
  household_code: string | null;
  resident_id: string | null;
  notes: string;
  tags: string[];
  case_id: string | null;
}

interface DiaryRow {
  day: string;
  worker_username: string;
  grid_code: string;
  text: string;
  facts: DiaryView['facts'];
  status: DiaryView['status'];
  submitted_at: Date | string | null;
}

/** The working day of a log: the tier's calendar day (China Standard Time, no daylight saving). */
const DAY_OFFSET = '+08:00';

const TAG_LABELS: Record<string, string> = { need: '需求', dispute: '矛盾纠纷', hazard: '安全隐患', hardship: '困难帮扶' };

/**
 * Visits (走访) to a household or a resident of the worker's own grid (base-data says whose grid a
 * record is in), and the daily log (民情日记): drafted from the day's patrols, visits and synced
 * reports, edited by the worker, submitted once; the community's staff read their workers' logs.
 */
@Injectable()
export class VisitService {
  constructor(
    private readonly orm: MikroORM,
    private readonly rpc: RpcClient,
  ) {}

  async visit(principal: Principal, authorization: string, body: VisitInput, alsoInTx?: AlsoInTx<VisitView>): Promise<VisitView> {
    const record = body.householdCode !== undefined ? { householdCode: body.householdCode } : { residentId: body.residentId! };
    const field = body.householdCode !== undefined ? 'householdCode' : 'residentId';
    const { gridCode } = await this.rpc.request(Rpc.recordGrid, record, { authorization, timeoutMs: 5000 }).catch((err: unknown) => {
      if (err instanceof DomainError && err.code.endsWith('.NOT_FOUND')) throw DomainError.validation([{ field, message: 'no such record in your grid' }]);
      throw err;
    });
    if (!OrgUnitCode.parse(principal.orgUnit).contains(OrgUnitCode.parse(gridCode))) throw new DomainError('AUTH.OUT_OF_SCOPE', `the record is in grid ${gridCode}, outside your unit`);
    return this.orm.em.fork().transactional(async (tx) => {
      await tx.execute(
        `INSERT INTO ${tableOf(tx, 'visits')} (id, worker_subject, worker_username, grid_code, at, household_code, resident_id, notes, tags, case_client_id)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?::text[], ?) ON CONFLICT (id) DO NOTHING`,
        [body.visitId, principal.subject, principal.username ?? principal.subject, gridCode, body.at, body.householdCode ?? null, body.residentId ?? null, body.notes, `{${body.tags.join(',')}}`, body.caseClientId ?? null],
      );
      const view = await this.one(tx, principal, body.visitId);
      if (!view) throw new DomainError('AUTH.FORBIDDEN', 'that visit id belongs to another worker');
      await alsoInTx?.(tx, view);
      return view;
    });
  }

  /** The day's log: the one kept (draft or submitted), else a draft made from the day's field work. */
  async diary(principal: Principal, day: string): Promise<DiaryView> {
    const em = this.orm.em.fork();
    const kept = await this.kept(em, principal.subject, day);
    if (kept) return diaryOf(kept);
    const facts = await this.facts(em, principal, day);
    return { date: day, worker: principal.username ?? principal.subject, gridCode: principal.orgUnit, status: 'draft', text: facts.text, facts: facts.counts, submittedAt: null };
  }

  async saveDiary(principal: Principal, day: string, text: string, submit: boolean): Promise<DiaryView> {
    const em = this.orm.em.fork();
    const kept = await this.kept(em, principal.subject, day);
    if (kept?.status === 'submitted') throw new DomainError('DIARY.SUBMITTED', `the log of ${day} was submitted at ${new Date(kept.submitted_at!).toISOString()} and is kept as it was`);
    const { counts } = await this.facts(em, principal, day);
    await em.execute(
      `INSERT INTO ${tableOf(em, 'diaries')} (worker_subject, day, worker_username, grid_code, text, facts, status, submitted_at) VALUES (?, ?, ?, ?, ?, ?, ?, ${submit ? 'now()' : 'NULL'})
       ON CONFLICT (worker_subject, day) DO UPDATE SET text = EXCLUDED.text, facts = EXCLUDED.facts, status = EXCLUDED.status, submitted_at = EXCLUDED.submitted_at, updated_at = now()
       WHERE ${tableOf(em, 'diaries')}.status = 'draft'`,
      [principal.subject, day, principal.username ?? principal.subject, principal.orgUnit, text, JSON.stringify(counts), submit ? 'submitted' : 'draft'],
    );
    return diaryOf((await this.kept(em, principal.subject, day))!);
  }

  /** Submitted logs of the workers of the caller's unit, for a day. */
  async diaries(scope: string, day: string): Promise<DiaryView[]> {
    const em = this.orm.em.fork();
    const rows = await em.execute<DiaryRow[]>(
      `SELECT to_char(day, 'YYYY-MM-DD') AS day, worker_username, grid_code, text, facts, status, submitted_at FROM ${tableOf(em, 'diaries')}
       WHERE grid_code LIKE ? AND day = ? AND status = 'submitted' ORDER BY grid_code, worker_username`,
      [`${scope}%`, day],
    );
    return rows.map(diaryOf);
  }

  async visits(principal: Principal, limit: number): Promise<VisitView[]> {
    const em = this.orm.em.fork();
    return (await em.execute<VisitRow[]>(`${this.select(em)} WHERE v.worker_subject = ? ORDER BY v.at DESC LIMIT ?`, [principal.subject, limit])).map(visitOf);
  }

  private select(em: EntityManager): string {
    // A case raised from the visit: the report item synced with that clientId, once stored.
    return `SELECT v.*, (SELECT s.answer->'result'->>'caseId' FROM ${tableOf(em, 'sync_items')} s WHERE s.subject = v.worker_subject AND s.client_id = v.case_client_id AND s.type = 'report') AS case_id
              FROM ${tableOf(em, 'visits')} v`;
  }

  private async one(em: EntityManager, principal: Principal, id: string): Promise<VisitView | undefined> {
    const row = (await em.execute<VisitRow[]>(`${this.select(em)} WHERE v.id = ? AND v.worker_subject = ?`, [id, principal.subject]))[0];
    return row ? visitOf(row) : undefined;
  }

  private async kept(em: EntityManager, subject: string, day: string): Promise<DiaryRow | undefined> {
    return (
      await em.execute<DiaryRow[]>(
        `SELECT to_char(day, 'YYYY-MM-DD') AS day, worker_username, grid_code, text, facts, status, submitted_at FROM ${tableOf(em, 'diaries')} WHERE worker_subject = ? AND day = ?`,
        [subject, day],
      )
    )[0];
  }

  /** The day's patrols, visits and synced reports, and a draft text made of them (Chinese, as the log is kept). */
  private async facts(em: EntityManager, principal: Principal, day: string): Promise<{ counts: DiaryView['facts']; text: string }> {
    const from = `${day}T00:00:00${DAY_OFFSET}`;
    const until = new Date(Date.parse(from) + 24 * 3600_000).toISOString();
    const params = [principal.subject, from, until];
    const patrols = await em.execute<{ started_at: string; distance_m: number; coverage: number | null }[]>(
      `SELECT started_at, distance_m, coverage FROM ${tableOf(em, 'patrols')} WHERE worker_subject = ? AND started_at >= ? AND started_at < ? ORDER BY started_at`,
      params,
    );
    const visits = await em.execute<VisitRow[]>(`${this.select(em)} WHERE v.worker_subject = ? AND v.at >= ? AND v.at < ? ORDER BY v.at`, params);
    const reports = await em.execute<{ n: number }[]>(
      `SELECT count(*)::int AS n FROM ${tableOf(em, 'sync_items')} WHERE subject = ? AND type = 'report' AND status = 201 AND received_at >= ? AND received_at < ?`,
      params,
    );
    const distanceM = patrols.reduce((a, p) => a + Number(p.distance_m), 0);
    const lines = [`${day} 民情日记`];
    if (patrols.length > 0) {
      const covered = patrols.filter((p) => p.coverage !== null).map((p) => Number(p.coverage));
      lines.push(`巡查 ${patrols.length} 次，共 ${(distanceM / 1000).toFixed(1)} 公里${covered.length > 0 ? `，覆盖网格约 ${Math.round(Math.max(...covered) * 100)}%` : ''}。`);
    }
    for (const v of visits) {
      const who = v.household_code ? `走访住户 ${v.household_code}` : '走访居民';
      const tags = v.tags.map((t) => TAG_LABELS[t] ?? t).join('、');
      lines.push(`${who}${tags ? `（${tags}）` : ''}：${v.notes}`);
    }
    if (reports[0]!.n > 0) lines.push(`上报问题 ${reports[0]!.n} 件。`);
    if (lines.length === 1) lines.push('今日暂无巡查、走访和上报记录。');
    return { counts: { patrols: patrols.length, distanceM: Math.round(distanceM), visits: visits.length, reports: reports[0]!.n }, text: lines.join('\n') };
  }
}

function visitOf(r: VisitRow): VisitView {
  return {
    id: r.id,
    worker: r.worker_username,
    gridCode: r.grid_code,
    at: new Date(r.at).toISOString(),
    householdCode: r.household_code,
    residentId: r.resident_id,
    notes: r.notes,
    tags: r.tags as VisitView['tags'],
    caseId: r.case_id,
  };
}

function diaryOf(r: DiaryRow): DiaryView {
  return {
    date: r.day,
    worker: r.worker_username,
    gridCode: r.grid_code,
    status: r.status,
    text: r.text,
    facts: r.facts,
    submittedAt: r.submitted_at ? new Date(r.submitted_at).toISOString() : null,
  };
}
