import { Inject, Injectable, Optional } from '@nestjs/common';
import { Events, Rpc, type BaseDataKind, type BaseDataRecordKind } from '@gm/contracts';
import { Outbox, RpcClient } from '@gm/messaging';
import { importCsv, SERVICE_CONFIG, ServiceSql, type CsvImportOptions, type CsvImportResult } from '@gm/platform';
import { JsonLogger, ServiceMetrics } from '@gm/telemetry';
import type { AppConfig } from '../config/config';
import { PiiCipher } from '../privacy/pii-cipher';
import { RecordVersions } from '../replication/record-versions';
import { ImportRecordsRepository } from './import.repository';
import { baseDataKind, type ImportDeps } from './base-data.kinds';

/** The record kind of each file kind. */
const RECORD_KIND: Record<BaseDataKind, BaseDataRecordKind> = {
  buildings: 'building',
  houses: 'house',
  households: 'household',
  residents: 'resident',
  organisations: 'organisation',
  'city-objects': 'city-object',
};

/** The order in which a whole district's files must be loaded (each refers to the one before). */
export const IMPORT_ORDER: readonly BaseDataKind[] = ['buildings', 'houses', 'households', 'residents', 'organisations', 'city-objects'];

/**
 * Imports base data from CSV through COPY: grids come from the org tree (system-admin), points are
 * resolved to grids by gis, identifiers are encrypted before they reach the database. Each file is
 * recorded, its updates leave change history, and an event without personal data announces it.
 */
@Injectable()
export class BaseDataImportService {
  constructor(
    private readonly sql: ServiceSql,
    private readonly rpc: RpcClient,
    private readonly cipher: PiiCipher,
    private readonly outbox: Outbox,
    private readonly logger: JsonLogger,
    @Inject(SERVICE_CONFIG) private readonly config: AppConfig,
    private readonly versions: RecordVersions,
    private readonly records: ImportRecordsRepository,
    @Optional() private readonly metrics?: ServiceMetrics,
  ) {}

  async import(kind: BaseDataKind, input: AsyncIterable<Buffer | string>, actor: string, opts: CsvImportOptions = {}): Promise<CsvImportResult> {
    const timeoutMs = this.config.own.LOOKUP_TIMEOUT_MS;
    const deps: ImportDeps = {
      schema: this.sql.schema,
      actor,
      cipher: this.cipher,
      cipherKeys: { keys: this.config.own.PII_KEYS, hashKey: this.config.own.PII_HASH_KEY, sealFormat: this.config.own.PII_SEAL_FORMAT },
      grids: async () => new Set((await this.rpc.request(Rpc.orgUnits, { level: 'grid' }, { timeoutMs })).units.map((u) => u.code)),
      // In a federation a tier imports its own subtree's records only (ADR 0012).
      scope: this.config.own.FEDERATION_ENABLED ? this.config.tier : undefined,
      locate: async (points) => (await this.rpc.request(Rpc.locate, { points: points.map((p) => ({ longitude: p.longitude, latitude: p.latitude })) }, { timeoutMs })).grids,
    };
    const base = baseDataKind(kind, deps);
    const result = await importCsv(
      this.sql,
      {
        ...base,
        after: async (client, _ctx, r) => {
          await this.records.recordFile(client, { importId: r.importId, kind, actor, rows: r.rows, inserted: r.inserted, updated: r.updated, rejected: r.rejected });
          if (r.inserted > 0) await this.records.recordInserted(client, kind, r.importId, actor, r.inserted);
          const grids = await this.records.touchedGrids(client, kind, base.stage.table);
          await this.outbox.addWith(client, this.sql.schema, Events.baseDataImported, { importId: r.importId, kind, rows: r.rows, inserted: r.inserted, updated: r.updated, grids });
          // In a federation, the versions of what this tier keeps go to the tiers above (ADR 0012).
          await this.versions.publish(client, RECORD_KIND[kind], 'written-now');
        },
      },
      input,
      this.metrics ? { ...opts, metrics: this.metrics } : opts,
    );
    this.logger.event('info', 'base_data.imported', { kind, rows: result.rows, inserted: result.inserted, updated: result.updated, rejected: result.rejected, ms: result.durationMs, rowsPerSecond: result.rowsPerSecond }, 'BaseDataImportService');
    return result;
  }
}
