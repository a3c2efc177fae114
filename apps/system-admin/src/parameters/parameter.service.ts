import { Injectable } from '@nestjs/common';
import { DomainError, Events, caseRulesSchema, validate, type CaseRulesDocument, type Principal, type VersionedCaseRules } from '@gm/contracts';
import { DEFAULT_CASE_RULES, validateCaseRules } from '@gm/domain';
import { Outbox } from '@gm/messaging';
import { ServiceSql } from '@gm/platform';
import { JsonLogger } from '@gm/telemetry';

export const CASE_RULES_KEY = 'case-rules';

/**
 * Run-time parameters of the tier. The case rules are the first: held here, versioned, with
 * history; public-sentiment reads them over NATS and reloads when `gm.parameter.changed.v1` says so.
 * Until an administrator saves a version, the defaults shipped in libs/domain apply (version 0).
 */
@Injectable()
export class ParameterService {
  constructor(
    private readonly sql: ServiceSql,
    private readonly outbox: Outbox,
    private readonly logger: JsonLogger,
  ) {}

  async caseRules(): Promise<VersionedCaseRules> {
    const [row] = await this.sql.query<{ value: CaseRulesDocument; version: number; updated_at: Date }>(
      `SELECT value, version, updated_at FROM ${this.sql.table('parameters')} WHERE key = $1`,
      [CASE_RULES_KEY],
    );
    if (!row) return { version: 0, updatedAt: null, rules: caseRulesSchema.parse(DEFAULT_CASE_RULES) };
    return { version: row.version, updatedAt: row.updated_at.toISOString(), rules: row.value };
  }

  /**
   * Saves a new version of the case rules after checking shape and meaning. With `expectedVersion`
   * the save fails with 409 when someone else saved in between (optimistic concurrency).
   */
  async saveCaseRules(principal: Principal, role: string, input: unknown, expectedVersion: number | undefined): Promise<VersionedCaseRules> {
    const doc = validate(caseRulesSchema, input);
    validateCaseRules(doc);
    const saved = await this.sql.transaction(async (client) => {
      const current = (await client.query<{ version: number }>(`SELECT version FROM ${this.sql.table('parameters')} WHERE key = $1 FOR UPDATE`, [CASE_RULES_KEY])).rows[0];
      const currentVersion = current?.version ?? 0;
      if (expectedVersion !== undefined && expectedVersion !== currentVersion) {
        throw new DomainError('PARAMETER.VERSION_CONFLICT', `The case rules are at version ${currentVersion}, not ${expectedVersion}: reload and try again`);
      }
      const version = currentVersion + 1;
      const { rows } = await client.query<{ updated_at: Date }>(
        `INSERT INTO ${this.sql.table('parameters')} (key, value, version, updated_at, updated_by) VALUES ($1, $2, $3, now(), $4)
         ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, version = EXCLUDED.version, updated_at = EXCLUDED.updated_at, updated_by = EXCLUDED.updated_by
         RETURNING updated_at`,
        [CASE_RULES_KEY, JSON.stringify(doc), version, principal.subject],
      );
      await client.query(
        `INSERT INTO ${this.sql.table('parameter_history')} (key, version, value, changed_by, changed_role) VALUES ($1, $2, $3, $4, $5)`,
        [CASE_RULES_KEY, version, JSON.stringify(doc), principal.subject, role],
      );
      await this.outbox.addWith(client, this.sql.schema, Events.parameterChanged, { key: CASE_RULES_KEY, version, by: { subject: principal.subject, role } }, CASE_RULES_KEY);
      return { version, updatedAt: rows[0]!.updated_at.toISOString(), rules: doc };
    });
    this.outbox.committed();
    this.logger.event('info', 'parameter.changed', { key: CASE_RULES_KEY, version: saved.version, by: principal.subject }, 'ParameterService');
    return saved;
  }

  async history(key: string): Promise<{ version: number; changedAt: string; changedBy: string; changedRole: string }[]> {
    const rows = await this.sql.query<{ version: number; changed_at: Date; changed_by: string; changed_role: string }>(
      `SELECT version, changed_at, changed_by, changed_role FROM ${this.sql.table('parameter_history')} WHERE key = $1 ORDER BY version DESC LIMIT 100`,
      [key],
    );
    return rows.map((r) => ({ version: r.version, changedAt: r.changed_at.toISOString(), changedBy: r.changed_by, changedRole: r.changed_role }));
  }
}
