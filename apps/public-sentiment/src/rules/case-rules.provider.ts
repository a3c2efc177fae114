import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { Subscription } from '@nats-io/transport-node';
import { Events, Rpc, scopedSubject } from '@gm/contracts';
import { CaseClock, CategoryCatalogue, DEFAULT_CASE_RULES, validateCaseRules, type CaseRules } from '@gm/domain';
import { NatsClient, RpcClient } from '@gm/messaging';
import { SERVICE_CONFIG } from '@gm/platform';
import { JsonLogger } from '@gm/telemetry';
import type { AppConfig } from '../config/config';

/**
 * The rules this tier's case engine runs by: the category catalogue, deadlines, escalation, the
 * working calendar, the reopening window and the duplicate search. They start as the defaults
 * shipped in libs/domain (version 0) and follow what system-admin holds: loaded at start, reloaded
 * when system-admin announces a change (`gm.parameter.changed.v1`, heard by every replica), and
 * every `CASE_RULES_REFRESH_MS` in case an announcement was missed. Without system-admin (a grid
 * instance) the last rules known stay in force.
 */
@Injectable()
export class CaseRulesProvider implements OnApplicationBootstrap, OnApplicationShutdown {
  readonly catalogue = new CategoryCatalogue();
  private current: { version: number; rules: CaseRules; clock: CaseClock } = {
    version: 0,
    rules: DEFAULT_CASE_RULES,
    clock: new CaseClock(DEFAULT_CASE_RULES.calendar),
  };
  private timer: NodeJS.Timeout | undefined;
  private subscription: Subscription | undefined;

  constructor(
    private readonly rpc: RpcClient,
    private readonly nats: NatsClient,
    private readonly logger: JsonLogger,
    @Inject(SERVICE_CONFIG) private readonly config: AppConfig,
  ) {}

  get rules(): CaseRules {
    return this.current.rules;
  }

  get clock(): CaseClock {
    return this.current.clock;
  }

  get version(): number {
    return this.current.version;
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

  /** Loads the rules from system-admin; keeps the current ones when it does not answer or sends rules that do not validate. */
  async refresh(): Promise<number> {
    try {
      const answer = await this.rpc.request(Rpc.caseRules, {}, { timeoutMs: 3_000 });
      if (answer.version !== this.current.version) {
        const rules = validateCaseRules(answer.rules);
        this.current = { version: answer.version, rules, clock: new CaseClock(rules.calendar) };
        this.logger.event('info', 'case.rules_loaded', { version: answer.version }, 'CaseRulesProvider');
      }
    } catch (err) {
      this.logger.event('debug', 'case.rules_unavailable', { version: this.current.version, error: err instanceof Error ? err.message : String(err) }, 'CaseRulesProvider');
    }
    return this.current.version;
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
