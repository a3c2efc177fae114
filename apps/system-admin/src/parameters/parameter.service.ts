import { Injectable } from '@nestjs/common';
import { DomainError, Events, PARAMETERS, validate, type ParameterKey, type ParameterSnapshot, type Principal } from '@gm/contracts';
import { DEFAULT_ASSESSMENT_SCHEME, DEFAULT_CASE_RULES, DEFAULT_CATALOGUE, validateAssessmentScheme, validateCaseRules, validateCatalogue } from '@gm/domain';
import { Outbox } from '@gm/messaging';
import { ServiceSql } from '@gm/platform';
import { JsonLogger } from '@gm/telemetry';

/** Per parameter: the default shipped with the code (version 0) and the checks beyond its shape (libs/domain). */
const RULES: { readonly [K in ParameterKey]: { readonly defaults: unknown; readonly check: (value: never) => unknown } } = {
  'case-rules': { defaults: DEFAULT_CASE_RULES, check: validateCaseRules },
  'case-catalogue': { defaults: DEFAULT_CATALOGUE, check: validateCatalogue },
  'assessment-scheme': { defaults: DEFAULT_ASSESSMENT_SCHEME, check: validateAssessmentScheme },
};

/**
 * Run-time parameters of the tier (the case rules, the category catalogue, the assessment
 * scheme): held here, versioned, with history; readers get them over NATS and reload when
 * `gm.parameter.changed.v1` says so.
 * Until an administrator saves a version, the defaults shipped in libs/domain apply (version 0).
 */
@Injectable()
export class ParameterService {
  constructor(
    private readonly sql: ServiceSql,
    private readonly outbox: Outbox,
    private readonly logger: JsonLogger,
  ) {}

  async get(key: ParameterKey): Promise<ParameterSnapshot> {
    const [row] = await this.sql.query<{ value: unknown; version: number; updated_at: Date }>(
      `SELECT value, version, updated_at FROM ${this.sql.table('parameters')} WHERE key = $1`,
      [key],
    );
    if (!row) return { key, version: 0, updatedAt: null, value: PARAMETERS[key].schema.parse(RULES[key].defaults) };
    return { key, version: row.version, updatedAt: row.updated_at.toISOString(), value: row.value };
  }

  async list(): Promise<(ParameterSnapshot & { description: string })[]> {
    const keys = Object.keys(PARAMETERS) as ParameterKey[];
    return Promise.all(keys.map(async (key) => ({ ...(await this.get(key)), description: PARAMETERS[key].description })));
  }

  /**
   * Saves a new version after checking shape and meaning. With `expectedVersion` the save fails
   * with 409 when someone else saved in between (optimistic concurrency).
   */
  async save(principal: Principal, role: string, key: ParameterKey, input: unknown, expectedVersion: number | undefined): Promise<ParameterSnapshot> {
    const value: unknown = validate(PARAMETERS[key].schema, input);
    RULES[key].check(value as never);
    const saved = await this.sql.transaction(async (client) => {
      const current = (await client.query<{ version: number }>(`SELECT version FROM ${this.sql.table('parameters')} WHERE key = $1 FOR UPDATE`, [key])).rows[0];
      const currentVersion = current?.version ?? 0;
      if (expectedVersion !== undefined && expectedVersion !== currentVersion) {
        throw new DomainError('PARAMETER.VERSION_CONFLICT', `${key} is at version ${currentVersion}, not ${expectedVersion}: reload and try again`);
      }
      const version = currentVersion + 1;
      const { rows } = await client.query<{ updated_at: Date }>(
        `INSERT INTO ${this.sql.table('parameters')} (key, value, version, updated_at, updated_by) VALUES ($1, $2, $3, now(), $4)
         ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, version = EXCLUDED.version, updated_at = EXCLUDED.updated_at, updated_by = EXCLUDED.updated_by
         RETURNING updated_at`,
        [key, JSON.stringify(value), version, principal.subject],
      );
      await client.query(`INSERT INTO ${this.sql.table('parameter_history')} (key, version, value, changed_by, changed_role) VALUES ($1, $2, $3, $4, $5)`, [
        key,
        version,
        JSON.stringify(value),
        principal.subject,
        role,
      ]);
      await this.outbox.addWith(client, this.sql.schema, Events.parameterChanged, { key, version, by: { subject: principal.subject, role } }, key);
      return { key, version, updatedAt: rows[0]!.updated_at.toISOString(), value };
    });
    this.logger.event('info', 'parameter.changed', { key, version: saved.version, by: principal.subject }, 'ParameterService');
    return saved;
  }

  async history(key: ParameterKey): Promise<{ version: number; changedAt: string; changedBy: string; changedRole: string }[]> {
    const rows = await this.sql.query<{ version: number; changed_at: Date; changed_by: string; changed_role: string }>(
      `SELECT version, changed_at, changed_by, changed_role FROM ${this.sql.table('parameter_history')} WHERE key = $1 ORDER BY version DESC LIMIT 100`,
      [key],
    );
    return rows.map((r) => ({ version: r.version, changedAt: r.changed_at.toISOString(), changedBy: r.changed_by, changedRole: r.changed_role }));
  }
}
