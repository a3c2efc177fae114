import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import type pg from 'pg';
import { baseDataRecordSubject, durableName, Events, streamName, Streams, type BaseDataRecordKind, type CloudEvent } from '@gm/contracts';
import { OrgUnitCode, ownerTierOf } from '@gm/domain';
import { DurableConsumers, JetStreamService, Outbox } from '@gm/messaging';
import { SERVICE_CONFIG, ServiceSql } from '@gm/platform';
import { JsonLogger } from '@gm/telemetry';
import type { AppConfig } from '../config/config';
import { PiiCipher } from '../privacy/pii-cipher';

/** Where each kind lives, and its key. */
const TABLES: Record<BaseDataRecordKind, { readonly table: string; readonly key: string }> = {
  building: { table: 'buildings', key: 'code' },
  house: { table: 'houses', key: 'code' },
  household: { table: 'households', key: 'code' },
  resident: { table: 'residents', key: 'id' },
  organisation: { table: 'organisations', key: 'code' },
  'city-object': { table: 'city_objects', key: 'code' },
  'pii-read': { table: 'pii_reads', key: 'id' },
};

/** Names (and an audit record's free-text reason) travel sealed (ADR 0012): the column, and the field that carries its box. */
const SEALED: Partial<Record<BaseDataRecordKind, readonly { readonly column: string; readonly box: string }[]>> = {
  resident: [{ column: 'name', box: 'name_box' }],
  organisation: [{ column: 'contact_name', box: 'contact_name_box' }],
  'pii-read': [{ column: 'reason', box: 'reason_box' }],
};

export const RECORDS_DURABLE = durableName('base-data', 'records');

type Record_ = Record<string, unknown>;

/**
 * Base data across tiers (ADR 0012), the way up: the tier that keeps a grid publishes each
 * version of each of its records, whole, on the record's own subject (`gm.<tier>.basedata.…`),
 * in the transaction that wrote it; its `BASEDATA_<tier>` stream keeps the newest versions, and
 * every ancestor's stream sources its children's. Each tier applies what its stream holds from the
 * tiers below: a version newer than its own replaces it, with a history row; an older or equal
 * one changes nothing (so a redelivery or a replay is harmless). A tier that joins empty reads
 * its stream from the start. Only in a federation; a single instance publishes nothing.
 */
@Injectable()
export class RecordVersions implements OnApplicationBootstrap {
  private readonly columns = new Map<string, string[]>();

  constructor(
    private readonly sql: ServiceSql,
    private readonly outbox: Outbox,
    private readonly cipher: PiiCipher,
    private readonly consumers: DurableConsumers,
    private readonly jetstream: JetStreamService,
    private readonly logger: JsonLogger,
    @Inject(SERVICE_CONFIG) private readonly config: AppConfig,
  ) {}

  private get federated(): boolean {
    return this.config.own.FEDERATION_ENABLED;
  }

  async onApplicationBootstrap(): Promise<void> {
    if (!this.federated) return;
    // The tier's own stream (its versions have to go somewhere even before the federation's
    // provisioning adds the children as sources; a later update by either keeps the other's part).
    await this.jetstream.ensureStreams([Streams.baseDataRecords]).catch((err: unknown) =>
      this.logger.event('warn', 'base_data.records_stream_not_ensured', { error: err instanceof Error ? err.message : String(err) }, 'RecordVersions'),
    );
    this.consumers.start({
      // Sourced records keep their keepers' subjects (`gm.<child>.basedata.…`).
      provisionedStream: streamName(this.config.namespace, Streams.baseDataRecords),
      subjectFilter: 'gm.*.basedata.>',
      durable: RECORDS_DURABLE,
      handle: (event) => this.apply(event),
    });
  }

  /**
   * Publishes, in the caller's transaction, the current version of the records of `kind` that
   * `which` names (keys, or every row written by this transaction), where this tier keeps them.
   */
  async publish(client: pg.PoolClient, kind: BaseDataRecordKind, which: readonly string[] | 'written-now'): Promise<number> {
    if (!this.federated || (which !== 'written-now' && which.length === 0)) return 0;
    // An audit record goes up from the tier where the read happened; base data from the tier that
    // keeps it, which is of the keepers' level (the district keeps none when communities do).
    const audit = kind === 'pii-read';
    if (!audit && OrgUnitCode.parse(this.config.tier).level !== this.config.own.BASE_DATA_OWNER_LEVEL) return 0;
    const { table, key } = TABLES[kind];
    const ours = audit ? 't.read_at_tier = $1' : 't.grid_code LIKE $1';
    const rows = (
      await client.query<{ s: Record_ }>(
        `SELECT to_jsonb(t) AS s FROM ${this.sql.table(table)} t WHERE ${ours} AND ${which === 'written-now' ? 't.updated_at = now()' : `t.${key}::text = ANY($2)`}`,
        [audit ? this.config.tier : `${this.config.tier}%`, ...(which === 'written-now' ? [] : [which])],
      )
    ).rows;
    const items = rows
      .map((r) => r.s)
      .filter((s) => audit || ownerTierOf(String(s['grid_code']), this.config.own.BASE_DATA_OWNER_LEVEL) === this.config.tier)
      .map((s) => {
        const keyValue = String(s[key]);
        const gridCode = String(s['grid_code']);
        return {
          data: { kind, key: keyValue, gridCode, version: Number(s['version']), state: this.sealed(kind, s) },
          subject: baseDataRecordSubject(this.config.namespace, gridCode, kind, keyValue),
          about: keyValue,
        };
      });
    await this.outbox.addManyWith(client, this.sql.schema, Events.baseDataRecord, items);
    return items.length;
  }

  /** Applies a version from a tier below: kept if newer than this tier's, with a history row. */
  async apply(event: CloudEvent): Promise<void> {
    if (event.gmtier === this.config.tier) return;
    const parsed = Events.baseDataRecord.schema.safeParse(event.data);
    if (!parsed.success) {
      // Redelivering it would not mend it: say so, and go on with the next.
      this.logger.event('error', 'base_data.record_invalid', { eventId: event.id, from: event.gmtier, issues: parsed.error.issues.map((i) => i.path.join('.')) }, 'RecordVersions');
      return;
    }
    const data = parsed.data;
    const { table, key } = TABLES[data.kind];
    const state = this.unsealed(data.kind, data.state);
    const columns = await this.columnsOf(table);
    const names = columns.filter((c) => c in state);
    const qualified = this.sql.table(table);
    const changed = await this.sql.transaction(async (client) => {
      const r = await client.query(
        `INSERT INTO ${qualified} AS t (${names.join(', ')}) SELECT ${names.join(', ')} FROM jsonb_populate_record(NULL::${qualified}, $1::jsonb)
         ON CONFLICT (${key}) DO UPDATE SET (${names.join(', ')}) = ROW(${names.map((n) => `EXCLUDED.${n}`).join(', ')})
         WHERE t.version < EXCLUDED.version
         RETURNING 1`,
        [JSON.stringify(state)],
      );
      if (!r.rowCount) return false;
      await client.query(`INSERT INTO ${this.sql.table('change_history')} (entity, entity_key, action, actor, changes) VALUES ($1, $2, 'replicated', $3, $4)`, [
        data.kind,
        data.key,
        `tier ${event.gmtier}`,
        JSON.stringify({ version: data.version, from: event.gmtier }),
      ]);
      return true;
    });
    if (changed) this.logger.event('debug', 'base_data.replicated', { kind: data.kind, key: data.key, version: data.version, from: event.gmtier }, 'RecordVersions');
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
