import { Injectable } from '@nestjs/common';
import { DomainError, Events, PARAMETERS, validate, type ParameterKey, type ParameterSnapshot, type Principal } from '@gm/contracts';
import { DEFAULT_ASSESSMENT_SCHEME, DEFAULT_CASE_RULES, DEFAULT_CATALOGUE, validateAssessmentScheme, validateCaseRules, validateCatalogue } from '@gm/domain';
import { Outbox } from '@gm/messaging';
import { JsonLogger } from '@gm/telemetry';
import { ParameterRepository } from './parameter.repository';

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
    private readonly parameters: ParameterRepository,
    private readonly outbox: Outbox,
    private readonly logger: JsonLogger,
  ) {}

  async get(key: ParameterKey): Promise<ParameterSnapshot> {
    const row = await this.parameters.current(key);
    if (!row) return { key, version: 0, updatedAt: null, value: PARAMETERS[key].schema.parse(RULES[key].defaults) };
    return { key, version: row.version, updatedAt: row.updatedAt.toISOString(), value: row.value };
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
    const saved = await this.parameters.transaction(async (client) => {
      const currentVersion = await this.parameters.lockVersion(client, key);
      if (expectedVersion !== undefined && expectedVersion !== currentVersion) {
        throw new DomainError('PARAMETER.VERSION_CONFLICT', `${key} is at version ${currentVersion}, not ${expectedVersion}: reload and try again`);
      }
      const version = currentVersion + 1;
      const updatedAt = await this.parameters.save(client, key, value, version, { subject: principal.subject, role });
      await this.outbox.addWith(client, this.parameters.schema, Events.parameterChanged, { key, version, by: { subject: principal.subject, role } }, key);
      return { key, version, updatedAt: updatedAt.toISOString(), value };
    });
    this.logger.event('info', 'parameter.changed', { key, version: saved.version, by: principal.subject }, 'ParameterService');
    return saved;
  }

  async history(key: ParameterKey): Promise<{ version: number; changedAt: string; changedBy: string; changedRole: string }[]> {
    return (await this.parameters.history(key)).map((r) => ({ ...r, changedAt: r.changedAt.toISOString() }));
  }
}
