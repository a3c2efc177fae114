import { Inject, Injectable } from '@nestjs/common';
import type pg from 'pg';
import { DomainError, Events, type Principal, type RECORD_ACTIONS, type RECORD_KINDS, type RESIDENT_ACTIONS } from '@gm/contracts';
import { Outbox } from '@gm/messaging';
import { ownerTierOf } from '@gm/domain';
import { SERVICE_CONFIG, ServiceSql } from '@gm/platform';
import { JsonLogger } from '@gm/telemetry';
import type { AppConfig } from '../config/config';
import { RecordVersions } from '../replication/record-versions';

/** Who wrote, as recorded in the history and the events. */
export interface Actor {
  readonly principal: Principal;
  readonly role: string;
}

type RecordKind = (typeof RECORD_KINDS)[number];
type RecordAction = (typeof RECORD_ACTIONS)[number];
type ResidentAction = (typeof RESIDENT_ACTIONS)[number];

/** What a write does inside its transaction: change rows, then say what changed. */
export interface WriteTx {
  readonly client: pg.PoolClient;
  /** Refuses (409 BASE_DATA.NOT_OWNER, naming the owner) a change to a grid another tier keeps; record() and resident() check the grid they are given. */
  owned(gridCode: string): void;
  /** A history row and `gm.base-data.record-changed.v1` (fields named, values only in the history). */
  record(kind: RecordKind, code: string, gridCode: string, action: RecordAction, history: string, changes: Record<string, unknown>): Promise<void>;
  /** A history row and `gm.resident.changed.v1` for a resident the write changed too (a household moving carries its members). */
  resident(id: string, gridCode: string, action: ResidentAction, history: string, changes: Record<string, unknown>): Promise<void>;
}

/** Free text the history keeps but no event carries. */
const NOT_A_FIELD = new Set(['reason']);

/**
 * Hand-made writes of base data: each in one transaction with its history rows and its events
 * (outbox), so that nothing is half-written and nothing written goes unannounced.
 */
@Injectable()
export class RecordWrites {
  constructor(
    private readonly sql: ServiceSql,
    private readonly outbox: Outbox,
    private readonly logger: JsonLogger,
    @Inject(SERVICE_CONFIG) private readonly config: AppConfig,
    private readonly versions: RecordVersions,
  ) {}

  /**
   * In a federation, hand-made changes are made at the tier that keeps the grid's base data (its
   * community by default) and nowhere else; a single instance keeps everything it holds.
   */
  owned(gridCode: string): void {
    if (!this.config.own.FEDERATION_ENABLED) return;
    const owner = ownerTierOf(gridCode, this.config.own.BASE_DATA_OWNER_LEVEL);
    if (owner === this.config.tier) return;
    const message = `grid ${gridCode}'s base data is kept by tier ${owner}, not by this tier (${this.config.tier}): make the change there`;
    throw new DomainError('BASE_DATA.NOT_OWNER', message, [{ field: 'gridCode', message }]);
  }

  async write<T>(actor: Actor, fn: (tx: WriteTx) => Promise<T>): Promise<T> {
    const by = { subject: actor.principal.subject, role: actor.role };
    const who = `${actor.principal.subject} (${actor.role})`;
    const written: { kind: string; code: string; action: string }[] = [];
    const result = await this.sql.transaction(async (client) => {
      const history = (entity: string, key: string, action: string, changes: Record<string, unknown>) =>
        client.query(`INSERT INTO ${this.sql.table('change_history')} (entity, entity_key, action, actor, changes) VALUES ($1, $2, $3, $4, $5)`, [entity, key, action, who, JSON.stringify(changes)]);
      const fields = (changes: Record<string, unknown>) => Object.keys(changes).filter((k) => !NOT_A_FIELD.has(k));
      return fn({
        client,
        owned: (gridCode) => this.owned(gridCode),
        record: async (kind, code, gridCode, action, historyAction, changes) => {
          this.owned(gridCode);
          await history(kind, code, historyAction, changes);
          await this.outbox.addWith(client, this.sql.schema, Events.recordChanged, { kind, code, gridCode, action, fields: fields(changes), by }, code);
          await this.versions.publish(client, kind, [code]);
          written.push({ kind, code, action });
        },
        resident: async (id, gridCode, action, historyAction, changes) => {
          this.owned(gridCode);
          await history('resident', id, historyAction, changes);
          await this.outbox.addWith(client, this.sql.schema, Events.residentChanged, { residentId: id, gridCode, fields: fields(changes), action, by }, id);
          await this.versions.publish(client, 'resident', [id]);
          written.push({ kind: 'resident', code: id, action });
        },
      });
    });
    for (const w of written) this.logger.event('info', 'base_data.written', w, 'RecordWrites');
    return result;
  }

  /** The change history of one record, oldest first (imports and hand-made writes alike). */
  history(entity: RecordKind | 'resident', key: string): Promise<{ action: string; actor: string; at: string; changes: unknown }[]> {
    return this.sql.query(`SELECT action, actor, at, changes FROM ${this.sql.table('change_history')} WHERE entity = $1 AND entity_key = $2 ORDER BY at, id`, [entity, key]);
  }
}

export function escapeLike(s: string): string {
  return s.replace(/[\\%_]/g, '\\$&');
}

/** Opaque cursors of code-ordered lists. */
export function encodeCodeCursor(code: string): string {
  return Buffer.from(JSON.stringify({ c: code })).toString('base64url');
}

export function decodeCodeCursor(s: string): string | undefined {
  try {
    const c = JSON.parse(Buffer.from(s, 'base64url').toString('utf8')) as { c?: unknown };
    if (typeof c.c === 'string' && c.c.length <= 80) return c.c;
  } catch {
    /* not ours */
  }
  return undefined;
}
