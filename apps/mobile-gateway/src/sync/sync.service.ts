import { Injectable } from '@nestjs/common';
import { MikroORM, type EntityManager } from '@mikro-orm/postgresql';
import { z } from 'zod';
import {
  CHANGE_PROPOSAL_KINDS,
  caseActionBodySchema,
  caseActionSchema,
  DomainError,
  Rpc,
  patrolPointsBodySchema,
  patrolStartBodySchema,
  patrolStopBodySchema,
  postPositionsBodySchema,
  visitBodySchema,
  reportCaseBodySchema,
  toFieldErrors,
  type CoveredWorker,
  type Principal,
  type SyncBody,
  type SyncItem,
  type SyncItemAnswer,
  type SyncResult,
} from '@gm/contracts';
import { RpcClient } from '@gm/messaging';
import { errorBodyOf } from '@gm/platform';
import { JsonLogger } from '@gm/telemetry';
import { AttachmentService } from '../attachments/attachment.service';
import { PatrolService } from '../patrols/patrol.service';
import { PositionService } from '../positions/position.service';
import { tableOf } from '../service-table';
import { VisitService } from '../visits/visit.service';
import { ReportService } from '../reports/report.service';
import { HandoverService } from '../handovers/handover.service';

const caseActionItemSchema = z.object({ caseId: z.uuid('caseId must be a UUID'), action: caseActionSchema, body: caseActionBodySchema.default({}) }).strict();
const proposalItemSchema = z.object({ kind: z.enum(CHANGE_PROPOSAL_KINDS), body: z.unknown() }).strict();

/** The stored answer to an item: replayed as it was. */
interface Recorded {
  readonly type: SyncItem['type'];
  readonly status: number;
  readonly answer: { result?: unknown; error?: SyncItemAnswer['error'] };
}

/** Another copy of the same item got there first (two copies of a batch at once): answer from its record. */
class RecordedAlready extends Error {}

/**
 * A handheld's queue, item by item, in the order sent (ADR 0013): each item goes the way its own
 * endpoint goes, so a synced report is the same case a direct one would be. An item's answer is
 * recorded under the caller and its client id once it is final: in the same transaction as what
 * the item changed where the gateway writes it (positions, patrols, visits), or after the service
 * that keeps it confirmed it (reports, proposals, task actions; the first two are idempotent by
 * client id there, which covers the moment between). A replayed item is answered from the record
 * and changes nothing. Answers that are not final are not recorded: a report queued because the
 * case service is away (202: send it again to learn its case), and a failure of this side (5xx).
 */
@Injectable()
export class SyncService {
  constructor(
    private readonly orm: MikroORM,
    private readonly reports: ReportService,
    private readonly positions: PositionService,
    private readonly patrols: PatrolService,
    private readonly rpc: RpcClient,
    private readonly visits: VisitService,
    private readonly attachments: AttachmentService,
    private readonly handovers: HandoverService,
    private readonly logger: JsonLogger,
  ) {}

  async sync(principal: Principal, authorization: string, body: SyncBody, english: boolean): Promise<SyncResult> {
    await this.handovers.seen(principal);
    // Whom the caller covers now (A/B posts): their tasks are the caller's to act on, asked once per batch.
    const covering = body.items.some((i) => i.type === 'case-action') ? await this.handovers.covering(principal) : [];
    const items: SyncItemAnswer[] = [];
    for (const item of body.items) items.push(await this.one(principal, authorization, item, english, covering));
    const refused = items.filter((a) => a.status >= 400).length;
    this.logger.event('info', 'sync.batch', { items: items.length, replayed: items.filter((a) => a.replayed).length, refused }, 'SyncService');
    return { items };
  }

  private async one(principal: Principal, authorization: string, item: SyncItem, english: boolean, covering: readonly CoveredWorker[]): Promise<SyncItemAnswer> {
    const earlier = await this.recorded(principal, item.clientId);
    if (earlier) return this.replay(item, earlier, english);
    const answer = (status: number, result: unknown): SyncItemAnswer => ({ clientId: item.clientId, type: item.type, status, replayed: false, result });
    // For the changes the gateway writes itself: the record in their transaction; a second copy finds it taken and rolls back.
    const recordIn = (status: number) => async (tx: EntityManager, result: unknown) => {
      if (!(await this.record(tx, principal, item, status, { result }))) throw new RecordedAlready();
    };
    try {
      switch (item.type) {
        case 'report': {
          const body = this.parse(reportCaseBodySchema, item.body);
          if (body.clientId !== undefined && body.clientId !== item.clientId) {
            throw DomainError.validation([{ field: 'clientId', message: "must be the item's clientId (or left out)" }]);
          }
          const outcome = await this.reports.submit(principal, authorization, { ...body, clientId: item.clientId });
          if (outcome.kind === 'queued') return answer(202, outcome.receipt);
          await this.record(this.orm.em.fork(), principal, item, 201, { result: outcome.result });
          return { ...answer(201, outcome.result), replayed: outcome.replayed };
        }
        case 'positions': {
          const body = this.parse(postPositionsBodySchema, item.body);
          return answer(202, await this.positions.accept(principal, body, new Date(), recordIn(202)));
        }
        case 'change-proposal': {
          // Kept by base-data (idempotent by proposer and clientId, which covers the moment before the record here).
          const body = this.parse(proposalItemSchema, item.body);
          const proposal = await this.rpc.request(Rpc.proposeChange, { clientId: item.clientId, kind: body.kind, body: body.body }, { authorization, timeoutMs: 5000 });
          await this.record(this.orm.em.fork(), principal, item, 201, { result: proposal });
          return answer(201, proposal);
        }
        case 'case-action': {
          const body = this.parse(caseActionItemSchema, item.body);
          // Photos named as evidence must be the worker's own and really uploaded, as for reports.
          await this.attachments.verifyEvidence(principal, body.body.evidence ?? []);
          const view = await this.rpc.request(Rpc.caseAction, { caseId: body.caseId, action: body.action, body: body.body, covering: [...covering] }, { authorization, timeoutMs: 5000 });
          await this.record(this.orm.em.fork(), principal, item, 200, { result: view });
          return answer(200, view);
        }
        case 'visit': {
          return answer(201, await this.visits.visit(principal, authorization, this.parse(visitBodySchema, item.body), recordIn(201)));
        }
        case 'patrol-start':
        case 'patrol-points':
        case 'patrol-stop': {
          const view =
            item.type === 'patrol-start'
              ? await this.patrols.start(principal, this.parse(patrolStartBodySchema, item.body), recordIn(201))
              : item.type === 'patrol-points'
                ? await this.patrols.points(principal, this.parse(patrolPointsBodySchema, item.body), recordIn(201))
                : await this.patrols.stop(principal, authorization, this.parse(patrolStopBodySchema, item.body), recordIn(201));
          return answer(201, view);
        }
      }
    } catch (err) {
      if (err instanceof RecordedAlready) return this.replay(item, (await this.recorded(principal, item.clientId))!, english);
      if (!(err instanceof DomainError)) {
        this.logger.error(err instanceof Error ? err : new Error(String(err)), 'SyncService');
        return { clientId: item.clientId, type: item.type, status: 500, replayed: false, error: errorBodyOf(new DomainError('INTERNAL'), english) };
      }
      const error = errorBodyOf(err, english);
      // A refusal is final (the same item would be refused again); a failure of a service this one needs is not.
      if (error.statusCode < 500) await this.record(this.orm.em.fork(), principal, item, error.statusCode, { error });
      return { clientId: item.clientId, type: item.type, status: error.statusCode, replayed: false, error };
    }
  }

  private parse<S extends z.ZodType>(schema: S, body: unknown): z.infer<S> {
    const parsed = schema.safeParse(body);
    if (!parsed.success) throw DomainError.validation(toFieldErrors(parsed.error.issues));
    return parsed.data;
  }

  private replay(item: SyncItem, earlier: Recorded, english: boolean): SyncItemAnswer {
    if (earlier.type !== item.type) {
      const error = errorBodyOf(new DomainError('CASE.IDEMPOTENCY_CONFLICT', `clientId ${item.clientId} was used for a ${earlier.type} item`, [{ field: 'clientId', message: `already used for a ${earlier.type} item` }]), english);
      return { clientId: item.clientId, type: item.type, status: error.statusCode, replayed: true, error };
    }
    return { clientId: item.clientId, type: item.type, status: earlier.status, replayed: true, ...earlier.answer };
  }

  private async recorded(principal: Principal, clientId: string): Promise<Recorded | undefined> {
    const rows = await this.orm.em.fork().execute<{ type: SyncItem['type']; status: number; answer: Recorded['answer'] }[]>(
      `SELECT type, status, answer FROM ${tableOf(this.orm.em, 'sync_items')} WHERE subject = ? AND client_id = ?`,
      [principal.subject, clientId],
    );
    return rows[0];
  }

  /** Records a final answer; false when another copy of the item recorded one first. */
  private async record(em: EntityManager, principal: Principal, item: SyncItem, status: number, answer: Recorded['answer']): Promise<boolean> {
    const rows = await em.execute<{ n: number }[]>(
      `INSERT INTO ${tableOf(em, 'sync_items')} (subject, client_id, type, status, answer) VALUES (?, ?, ?, ?, ?) ON CONFLICT (subject, client_id) DO NOTHING RETURNING 1 AS n`,
      [principal.subject, item.clientId, item.type, status, JSON.stringify(answer)],
    );
    return rows.length > 0;
  }
}
