import { Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import {
  type CaseEscalatedUpV1,
  type CloudEvent,
  downlinkSubject,
  type EventHandlers,
  Events,
  handlerOf,
  UPLINK_FROM_ANY_CHILD,
} from '@gm/contracts';
import { DOWNLINK_IN, DurableConsumers, UPLINK_AGGREGATE, type BatchItem } from '@gm/messaging';
import { JsonLogger } from '@gm/telemetry';
import { TierPosition } from '../tier/tier-position';
import { EscalationReceiver, UPLINK_DURABLE } from './inbound/escalation-receiver';
import { DOWNLINK_DURABLE, ProgressReceiver } from './inbound/progress-receiver';
import { TierSummaryStore } from './tier-summary.store';

export { DOWNLINK_DURABLE, UPLINK_DURABLE };

/**
 * What a federated tier receives, routed by event type to the receiver of its family: escalations
 * and steps from its children (through `UPLINK_AGG`, which sources every child's UPLINK) and steps
 * on its escalated cases from its parent (through `DOWNLINK_IN`). Each event is applied once: the
 * inbox records its id in the transaction that applies it, so a redelivery, a replay after a cut or
 * a duplicate changes nothing.
 */
@Injectable()
export class FederationInbound implements OnApplicationBootstrap {
  private readonly fromChildHandlers: EventHandlers<'caseEscalatedUp' | 'caseProgressedUp' | 'tierSummary'> = {
    caseEscalatedUp: async (e) => void (await this.escalations.receive(e)),
    caseProgressedUp: (e) => this.progress.fromChild(e),
    tierSummary: (e) => this.summaries.receive(e, UPLINK_DURABLE),
  };

  private readonly fromParentHandlers: EventHandlers<'caseProgressedDown' | 'departmentCommandDown'> = {
    caseProgressedDown: (e) => this.progress.fromParent(e),
    // Departments' commands travel the same stream: service-office's to take (ADR 0015).
    departmentCommandDown: async () => undefined,
  };

  constructor(
    private readonly position: TierPosition,
    private readonly consumers: DurableConsumers,
    private readonly escalations: EscalationReceiver,
    private readonly progress: ProgressReceiver,
    private readonly summaries: TierSummaryStore,
    private readonly logger: JsonLogger,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.position.enabled) return;
    if (this.position.hasChildren) {
      this.consumers.start({
        provisionedStream: UPLINK_AGGREGATE,
        subjectFilter: UPLINK_FROM_ANY_CHILD,
        durable: UPLINK_DURABLE,
        handle: (event) => this.fromChild(event),
        // Escalations that arrived together are copied in one transaction (see fromChildren).
        handleBatch: (items) => this.fromChildren(items),
      });
    }
    if (this.position.parent) {
      this.consumers.start({
        provisionedStream: DOWNLINK_IN,
        subjectFilter: downlinkSubject(this.position.tier),
        durable: DOWNLINK_DURABLE,
        handle: (event) => this.fromParent(event),
      });
    }
  }

  async fromChild(event: CloudEvent): Promise<void> {
    const handle = handlerOf(this.fromChildHandlers, event);
    if (handle) return handle();
    // Other services' events travel in the same stream (the command centre's KPI increments): theirs to consume.
    this.logger.event('debug', 'federation.not_for_this_service', { type: event.type, from: 'child' }, 'FederationInbound');
  }

  async fromParent(event: CloudEvent): Promise<void> {
    const handle = handlerOf(this.fromParentHandlers, event);
    if (handle) return handle();
    this.logger.event('warn', 'federation.unexpected_event', { type: event.type, from: 'parent' }, 'FederationInbound');
  }

  /**
   * Events from children that were waiting together, in stream order: each run of consecutive
   * escalations is copied in one transaction (one commit, one flush writing all the copies), each in
   * its own span and claimed in the inbox as when alone; anything else (a step from a child, a
   * summary) is applied on its own in its place. When this throws, the consumer applies the same
   * events one by one (the inbox skips what was applied already).
   */
  async fromChildren(items: readonly BatchItem[]): Promise<void> {
    let run: BatchItem<CaseEscalatedUpV1>[] = [];
    for (const i of items) {
      if (i.event.type === Events.caseEscalatedUp.type) {
        run.push(i as BatchItem<CaseEscalatedUpV1>);
        continue;
      }
      await this.escalations.receiveTogether(run);
      run = [];
      await i.within(() => this.fromChild(i.event));
    }
    await this.escalations.receiveTogether(run);
  }
}
