import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type pg from 'pg';
import type { z } from 'zod';
import {
  BASEDATA_OF_ANY_TIER,
  type BaseDataRecordKind,
  baseDataRecordSubject,
  type CloudEvent,
  durableName,
  Events,
  streamName,
  Streams,
} from '@gm/contracts';
import { ORG_LEVELS, OrgUnitCode, ownerTierOf } from '@gm/domain';
import { BASEDATA_IN, childOfBaseDataDownStream, DurableConsumers, JetStreamService, NatsClient, Outbox, type BatchItem } from '@gm/messaging';
import { SERVICE_CONFIG, ServiceSql } from '@gm/platform';
import { JsonLogger } from '@gm/telemetry';
import type { AppConfig } from '../config/config';
import { PiiCipher } from '../privacy/pii-cipher';

/** Where each kind lives, and its key. */
const TABLES: Record<BaseDataRecordKind, { readonly table: string; readonly key: string; readonly keyType: 'text' | 'uuid' }> = {
  building: { table: 'buildings', key: 'code', keyType: 'text' },
  house: { table: 'houses', key: 'code', keyType: 'text' },
  household: { table: 'households', key: 'code', keyType: 'text' },
  resident: { table: 'residents', key: 'id', keyType: 'uuid' },
  organisation: { table: 'organisations', key: 'code', keyType: 'text' },
  'city-object': { table: 'city_objects', key: 'code', keyType: 'text' },
  'pii-read': { table: 'pii_reads', key: 'id', keyType: 'uuid' },
  'change-proposal': { table: 'change_proposals', key: 'id', keyType: 'uuid' },
};

/** Names (and an audit record's free-text reason) travel sealed (ADR 0012): the column, and the field that carries its box. */
const SEALED: Partial<Record<BaseDataRecordKind, readonly { readonly column: string; readonly box: string }[]>> = {
  resident: [{ column: 'name', box: 'name_box' }],
  organisation: [{ column: 'contact_name', box: 'contact_name_box' }],
  'pii-read': [{ column: 'reason', box: 'reason_box' }],
};

export const RECORDS_DURABLE = durableName('base-data', 'records');
export const RECORDS_DOWN_DURABLE = durableName('base-data', 'records-down');
/** Kinds that go down to a subtree (an audit record goes up only), parents before children. */
const DOWN_KINDS: readonly BaseDataRecordKind[] = ['building', 'house', 'household', 'resident', 'organisation', 'city-object'];

type Record_ = Record<string, unknown>;
type BaseDataRecordV1 = z.infer<typeof Events.baseDataRecord.schema>;

/**
 * Base data across tiers (ADR 0012).
 *
 * The way up: the tier that keeps a grid publishes each version of each of its records, whole, on
 * the record's own subject (`gm.<tier>.basedata.<street>.<community>.<grid>.<kind>.<key>`), in the
 * transaction that wrote it; its `BASEDATA_<tier>` stream keeps the newest versions, and every
 * ancestor's stream sources its children's.
 *
 * The way down: a tier above the keepers publishes what it imports for the subtrees of its
 * children that run an instance (those with a `BASEDATA_TO_<child>` stream here), and seeds a new
 * child's empty down stream with the child's whole subtree from its own copy; the topology routes
 * each record by its subject to the child's subtree, and each tier below reads its `BASEDATA_IN`.
 * The keeper accepts a record that came down as its own: it publishes the version it applied, so
 * its stream stays the one source of its records' versions, and its grids get them from it.
 *
 * Applying: a version newer than this tier's replaces it, with a history row; an older or equal
 * one changes nothing (so a redelivery or a replay is harmless). Messages that wait together are
 * applied together, one statement per kind and one transaction per run, so that a tier that joins
 * empty or comes back after a cut catches up at the pace of the database, not of a round trip per
 * record. Only in a federation; a single instance publishes nothing.
 *
 * Change proposals (五必报) travel the same way: made at a grid's own instance, a proposal's first
 * version goes up to the keeper of the grid's records, whose staff decide it; the decided version
 * comes back down to the grid (the worker sees it confirmed or rejected).
 */
@Injectable()
export class RecordVersions implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly columns = new Map<string, string[]>();
  private downChildren: { at: number; children: readonly string[] } | undefined;
  private seeding: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly sql: ServiceSql,
    private readonly outbox: Outbox,
    private readonly cipher: PiiCipher,
    private readonly consumers: DurableConsumers,
    private readonly jetstream: JetStreamService,
    private readonly nats: NatsClient,
    private readonly logger: JsonLogger,
    @Inject(SERVICE_CONFIG) private readonly config: AppConfig,
  ) {}

  private get federated(): boolean {
    return this.config.own.FEDERATION_ENABLED;
  }

  private get level() {
    return OrgUnitCode.parse(this.config.tier).level;
  }

  /** This tier keeps grids (it is of the keepers' level). */
  private get keeper(): boolean {
    return this.level === this.config.own.BASE_DATA_OWNER_LEVEL;
  }

  /** This tier is above the keepers: what it imports goes down to them. */
  private get aboveKeepers(): boolean {
    return ORG_LEVELS.indexOf(this.level) < ORG_LEVELS.indexOf(this.config.own.BASE_DATA_OWNER_LEVEL);
  }

  /** In a federation, whether this tier keeps the grid's records (publishes their versions). */
  keeps(gridCode: string): boolean {
    return this.federated && this.keeper && ownerTierOf(gridCode, this.config.own.BASE_DATA_OWNER_LEVEL) === this.config.tier;
  }

  async onApplicationBootstrap(): Promise<void> {
    if (!this.federated) return;
    // The tier's own stream (its versions have to go somewhere even before the federation's
    // provisioning adds the children as sources; a later update by either keeps the other's part).
    await this.jetstream.ensureStreams([Streams.baseDataRecords]).catch((err: unknown) =>
      this.logger.event('warn', 'base_data.records_stream_not_ensured', { error: err instanceof Error ? err.message : String(err) }, 'RecordVersions'),
    );
    const common = { handle: (event: CloudEvent) => this.applyAll([event]), handleBatch: (items: readonly BatchItem[]) => this.applyAll(items.map((i) => i.event)), maxBatch: 500, maxAckPending: 2000 };
    // Sourced records keep their keepers' subjects (`gm.<child>.basedata.…`).
    this.consumers.start({ provisionedStream: streamName(this.config.namespace, Streams.baseDataRecords), subjectFilter: BASEDATA_OF_ANY_TIER, durable: RECORDS_DURABLE, ...common });
    // What comes down from the parent (a tier with no parent never has this stream).
    if (this.level !== 'district') this.consumers.start({ provisionedStream: BASEDATA_IN, subjectFilter: BASEDATA_OF_ANY_TIER, durable: RECORDS_DOWN_DURABLE, ...common });
    // A keeper seeds its grids' read copies, a tier above the keepers its children's subtrees.
    if (this.aboveKeepers || this.keeper) {
      const seed = () => void this.seedNewChildren().finally(() => !this.stopped && (this.seeding = setTimeout(seed, this.config.own.BASE_DATA_SEED_CHECK_MS)));
      this.seeding = setTimeout(seed, 1000);
    }
  }

  onApplicationShutdown(): void {
    this.stopped = true;
    clearTimeout(this.seeding);
  }

  /**
   * Publishes, in the caller's transaction, the current version of the records of `kind` that
   * `which` names (keys, or every row written by this transaction): where this tier keeps them, on
   * their way up; where it is above their keepers, on their way down to the children that run an
   * instance (an import's rows; nothing else is written above the keepers).
   */
  async publish(client: pg.PoolClient, kind: BaseDataRecordKind, which: readonly string[] | 'written-now'): Promise<number> {
    if (!this.federated || (which !== 'written-now' && which.length === 0)) return 0;
    // An audit record goes up from the tier where the read happened; base data from the tier that
    // keeps it, or down from above to the subtrees that have a tier of their own.
    const audit = kind === 'pii-read';
    let scope: readonly string[];
    if (audit) scope = [];
    // A proposal goes up from the tier where the worker made it, and its decision down from the keeper.
    else if (kind === 'change-proposal') scope = [this.config.tier];
    else if (this.keeper) scope = [this.config.tier];
    else if (this.aboveKeepers) scope = await this.childrenBelow();
    else return 0;
    if (!audit && scope.length === 0) return 0;
    const { table, key, keyType } = TABLES[kind];
    const ours = audit ? 't.read_at_tier = $1' : 't.grid_code LIKE ANY($1)';
    const rows = (
      await client.query<{ s: Record_ }>(
        `SELECT to_jsonb(t) AS s FROM ${this.sql.table(table)} t WHERE ${ours} AND ${which === 'written-now' ? 't.updated_at = now()' : `t.${key} = ANY($2::${keyType}[])`}`,
        [audit ? this.config.tier : scope.map((u) => `${u}%`), ...(which === 'written-now' ? [] : [which])],
      )
    ).rows;
    const items = rows
      .map((r) => r.s)
      .filter((s) => audit || !this.keeper || ownerTierOf(String(s['grid_code']), this.config.own.BASE_DATA_OWNER_LEVEL) === this.config.tier)
      .map((s) => this.message(kind, s));
    await this.outbox.addManyWith(client, this.sql.schema, Events.baseDataRecord, items);
    return items.length;
  }

  private message(kind: BaseDataRecordKind, s: Record_) {
    const keyValue = String(s[TABLES[kind].key]);
    const gridCode = String(s['grid_code']);
    return {
      data: { kind, key: keyValue, gridCode, version: Number(s['version']), state: this.sealed(kind, s) },
      subject: baseDataRecordSubject(this.config.namespace, gridCode, kind, keyValue),
      about: keyValue,
    };
  }

  /** The children of this tier that run an instance: those with a down stream here (cached briefly). */
  private async childrenBelow(fresh = false): Promise<readonly string[]> {
    if (!fresh && this.downChildren && Date.now() - this.downChildren.at < 10_000) return this.downChildren.children;
    const jsm = await this.jetstream.manager(await this.nats.connection());
    const children: string[] = [];
    for await (const name of jsm.streams.names()) {
      const child = childOfBaseDataDownStream(name);
      if (child && child.startsWith(this.config.tier) && child !== this.config.tier) children.push(child);
    }
    this.downChildren = { at: Date.now(), children: children.sort() };
    return this.downChildren.children;
  }

  /**
   * A child's down stream that has never held a message is a child that joined after this tier's
   * data was written: it gets its whole subtree from this tier's copy (a keeper's grid: the
   * records it keeps), kind by kind, parents first,
   * in transactions of a few thousand records (the relay sends them as they commit).
   */
  private async seedNewChildren(): Promise<void> {
    try {
      const jsm = await this.jetstream.manager(await this.nats.connection());
      for (const child of await this.childrenBelow(true)) {
        const info = await jsm.streams.info(`BASEDATA_TO_${child.replace('-', '_')}`);
        if (info.state.last_seq > 0) continue;
        let sent = 0;
        for (const kind of DOWN_KINDS) {
          const { table, key } = TABLES[kind];
          let after = '';
          for (;;) {
            const n = await this.sql.transaction(async (client) => {
              const rows = (
                await client.query<{ s: Record_; k: string }>(
                  `SELECT to_jsonb(t) AS s, t.${key}::text AS k FROM ${this.sql.table(table)} t WHERE t.grid_code LIKE $1 AND t.${key}::text > $2 ORDER BY t.${key}::text LIMIT 5000`,
                  [`${child}%`, after],
                )
              ).rows;
              if (rows.length === 0) return 0;
              after = rows.at(-1)!.k;
              await this.outbox.addManyWith(client, this.sql.schema, Events.baseDataRecord, rows.map((r) => this.message(kind, r.s)));
              return rows.length;
            });
            sent += n;
            if (n === 0 || this.stopped) break;
          }
        }
        this.logger.event('info', 'base_data.child_seeded', { child, records: sent }, 'RecordVersions');
      }
    } catch (err) {
      this.logger.event('warn', 'base_data.seed_failed', { error: err instanceof Error ? err.message : String(err) }, 'RecordVersions');
    }
  }

  /** Applies versions from other tiers, in order: each kept if newer than this tier's, with a history row; one transaction. */
  async applyAll(events: readonly CloudEvent[]): Promise<void> {
    const versions: { from: string; data: BaseDataRecordV1 }[] = [];
    for (const event of events) {
      if (event.gmtier === this.config.tier) continue;
      const parsed = Events.baseDataRecord.schema.safeParse(event.data);
      if (!parsed.success) {
        // Redelivering it would not mend it: say so, and go on with the next.
        this.logger.event('error', 'base_data.record_invalid', { eventId: event.id, from: event.gmtier, issues: parsed.error.issues.map((i) => i.path.join('.')) }, 'RecordVersions');
        continue;
      }
      versions.push({ from: event.gmtier, data: parsed.data });
    }
    if (versions.length === 0) return;
    let republished = 0;
    await this.sql.transaction(async (client) => {
      // One statement per kind for as long as no record repeats; a record's second version waits for the next statement.
      let group = new Map<BaseDataRecordKind, { from: string; data: BaseDataRecordV1 }[]>();
      let seen = new Set<string>();
      const flush = async () => {
        for (const [kind, items] of group) republished += await this.applyKind(client, kind, items);
        group = new Map();
        seen = new Set();
      };
      for (const v of versions) {
        const id = `${v.data.kind}:${v.data.key}`;
        if (seen.has(id)) await flush();
        seen.add(id);
        const list = group.get(v.data.kind) ?? [];
        list.push(v);
        group.set(v.data.kind, list);
      }
      await flush();
    });
  }

  /** One statement for versions of one kind, distinct records; returns how many this tier republished as their keeper. */
  private async applyKind(client: pg.PoolClient, kind: BaseDataRecordKind, items: readonly { from: string; data: BaseDataRecordV1 }[]): Promise<number> {
    const { table, key } = TABLES[kind];
    const states = items.map((i) => this.unsealed(kind, i.data.state));
    const columns = await this.columnsOf(table);
    // The columns every version carries (a tier a migration behind sends fewer).
    const names = columns.filter((c) => states.every((s) => c in s));
    const qualified = this.sql.table(table);
    const changed = (
      await client.query<{ k: string }>(
        `INSERT INTO ${qualified} AS t (${names.join(', ')}) SELECT ${names.join(', ')} FROM jsonb_populate_recordset(NULL::${qualified}, $1::jsonb)
         ON CONFLICT (${key}) DO UPDATE SET (${names.join(', ')}) = ROW(${names.map((n) => `EXCLUDED.${n}`).join(', ')})
         WHERE t.version < EXCLUDED.version
         RETURNING t.${key}::text AS k`,
        [JSON.stringify(states)],
      )
    ).rows.map((r) => r.k);
    if (changed.length === 0) return 0;
    const applied = new Set(changed);
    const rows = items.filter((i) => applied.has(i.data.key));
    await client.query(
      `INSERT INTO ${this.sql.table('change_history')} (entity, entity_key, action, actor, changes)
       SELECT $1, k, 'replicated', 'tier ' || f, jsonb_build_object('version', v, 'from', f) FROM unnest($2::text[], $3::text[], $4::int[]) AS r(k, f, v)`,
      [kind, rows.map((r) => r.data.key), rows.map((r) => r.from), rows.map((r) => r.data.version)],
    );
    for (const r of rows) this.logger.event('debug', 'base_data.replicated', { kind, key: r.data.key, version: r.data.version, from: r.from }, 'RecordVersions');
    // What came down to the keeper is its own from now on: it publishes the version it applied. A
    // proposal that came up is not: its version goes on up by the streams' sources, and down only
    // once decided here.
    if (!this.keeper || kind === 'pii-read' || kind === 'change-proposal') return 0;
    const ours = rows.filter((r) => ownerTierOf(r.data.gridCode, this.config.own.BASE_DATA_OWNER_LEVEL) === this.config.tier).map((r) => r.data.key);
    return this.publish(client, kind, ours);
  }

  private sealed(kind: BaseDataRecordKind, s: Record_): Record_ {
    const out = { ...s };
    for (const { column, box } of SEALED[kind] ?? []) {
      const clear = out[column];
      delete out[column];
      out[box] = typeof clear === 'string' ? `\\x${this.cipher.sealName(clear).toString('hex')}` : null;
    }
    return out;
  }

  private unsealed(kind: BaseDataRecordKind, s: Record_): Record_ {
    const out = { ...s };
    for (const { column, box } of SEALED[kind] ?? []) {
      const sealed = out[box];
      delete out[box];
      out[column] = typeof sealed === 'string' ? this.cipher.openName(Buffer.from(sealed.slice(2), 'hex')) : null;
    }
    return out;
  }

  private async columnsOf(table: string): Promise<string[]> {
    let columns = this.columns.get(table);
    if (!columns) {
      columns = (
        await this.sql.query<{ c: string }>(`SELECT column_name AS c FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2 ORDER BY ordinal_position`, [this.sql.schema, table])
      ).map((r) => r.c);
      this.columns.set(table, columns);
    }
    return columns;
  }
}
