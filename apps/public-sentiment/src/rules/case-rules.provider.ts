import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { Subscription } from '@nats-io/transport-node';
import { Events, PARAMETERS, Rpc, scopedSubject, validate, type ParameterKey } from '@gm/contracts';

/** The parameters the case engine runs by (the others are other services' business). */
type CaseParameter = Extract<ParameterKey, 'case-rules' | 'case-catalogue'>;
import { CaseClock, CategoryCatalogue, DEFAULT_CASE_RULES, validateCaseRules, validateCatalogue, type CaseRules } from '@gm/domain';
import { NatsClient, RpcClient } from '@gm/messaging';
import { SERVICE_CONFIG } from '@gm/platform';
import { JsonLogger } from '@gm/telemetry';
import type { AppConfig } from '../config/config';

/**
 * The rules this tier's case engine runs by: the category catalogue (parameter `case-catalogue`)
 * and the deadlines, escalation, working calendar, reopening window and duplicate search
 * (`case-rules`). They start as the defaults shipped in libs/domain (version 0) and follow what
 * system-admin holds: loaded at start, reloaded when system-admin announces a change
 * (`gm.parameter.changed.v1`, heard by every replica), and every `CASE_RULES_REFRESH_MS` in case an
 * announcement was missed. Without system-admin (a grid instance) the last ones known stay in force.
 */
@Injectable()
export class CaseRulesProvider implements OnApplicationBootstrap, OnApplicationShutdown {
  private rulesState = { version: 0, rules: DEFAULT_CASE_RULES, clock: new CaseClock(DEFAULT_CASE_RULES.calendar) };
  private catalogueState = { version: 0, catalogue: new CategoryCatalogue() };
  private timer: NodeJS.Timeout | undefined;
  private subscription: Subscription | undefined;

  constructor(
    private readonly rpc: RpcClient,
    private readonly nats: NatsClient,
    private readonly logger: JsonLogger,
    @Inject(SERVICE_CONFIG) private readonly config: AppConfig,
  ) {}

  get rules(): CaseRules {
    return this.rulesState.rules;
  }

  get clock(): CaseClock {
    return this.rulesState.clock;
  }

  /** Per parameter: the number of the latest load asked for, and of the latest whose answer was applied. */
  private readonly asked: Record<CaseParameter, number> = { 'case-rules': 0, 'case-catalogue': 0 };
  private readonly applied: Record<CaseParameter, number> = { 'case-rules': 0, 'case-catalogue': 0 };

  get catalogue(): CategoryCatalogue {
    return this.catalogueState.catalogue;
  }

  /** Versions in force (0 = the defaults shipped with the code). */
  get versions(): Record<CaseParameter, number> {
    return { 'case-rules': this.rulesState.version, 'case-catalogue': this.catalogueState.version };
  }

  onApplicationBootstrap(): void {
    void this.refresh();
    this.timer = setInterval(() => void this.refresh(), this.config.own.CASE_RULES_REFRESH_MS);
    this.timer.unref();
    void this.listen();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.subscription?.unsubscribe();
  }

  /** Loads both parameters from system-admin; keeps what is in force when it does not answer or sends something that does not validate. */
  async refresh(): Promise<Record<CaseParameter, number>> {
    await Promise.all([this.load('case-rules'), this.load('case-catalogue')]);
    return this.versions;
  }

  private async load(key: CaseParameter): Promise<void> {
    // Loads overlap (the timer, a change event); an answer older than one already applied must not
    // put an earlier version back (a slow answer to the timer's load arriving after the change event's).
    const asked = ++this.asked[key];
    try {
      const answer = await this.rpc.request(Rpc.parameter, { key }, { timeoutMs: 3_000 });
      if (asked < this.applied[key]) return;
      this.applied[key] = asked;
      if (answer.version === this.versions[key]) return;
      if (key === 'case-rules') {
        const rules = validateCaseRules(validate(PARAMETERS['case-rules'].schema, answer.value));
        this.rulesState = { version: answer.version, rules, clock: new CaseClock(rules.calendar) };
      } else {
        this.catalogueState = { version: answer.version, catalogue: validateCatalogue(validate(PARAMETERS['case-catalogue'].schema, answer.value)) };
      }
      this.logger.event('info', 'case.parameter_loaded', { key, version: answer.version }, 'CaseRulesProvider');
    } catch (err) {
      this.logger.event('debug', 'case.parameter_unavailable', { key, version: this.versions[key], error: err instanceof Error ? err.message : String(err) }, 'CaseRulesProvider');
    }
  }

  /** A plain subscription, not a durable consumer: every replica must hear the change. */
  private async listen(): Promise<void> {
    try {
      const nc = await this.nats.connection();
      const subject = scopedSubject(this.config.namespace, Events.parameterChanged.type);
      this.subscription = nc.subscribe(subject, { callback: () => void this.refresh() });
    } catch (err) {
      this.logger.event('warn', 'case.rules_listen_failed', { error: err instanceof Error ? err.message : String(err) }, 'CaseRulesProvider');
    }
  }
}
