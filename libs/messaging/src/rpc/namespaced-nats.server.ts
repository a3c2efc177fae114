import { ServerNats, type MessageHandler, type NatsOptions } from '@nestjs/microservices';
import { scopedSubject, type Namespace } from '@gm/contracts';

/**
 * The Nest NATS transport, with every `@MessagePattern` subscribed under this tier's namespace:
 * `@MessagePattern('gm.rpc.case.report.v1')` listens on `gm.<namespace>.rpc.case.report.v1`.
 * Handlers keep the unscoped names from libs/contracts.
 */
export class NamespacedNatsServer extends ServerNats {
  constructor(
    private readonly ns: Namespace,
    options: Required<NatsOptions>['options'],
  ) {
    super(options);
  }

  override addHandler(pattern: unknown, callback: MessageHandler, isEventHandler?: boolean, extras?: Record<string, unknown>): void {
    const scoped = typeof pattern === 'string' && pattern.startsWith('gm.') ? scopedSubject(this.ns, pattern) : pattern;
    super.addHandler(scoped, callback, isEventHandler, extras);
  }
}
