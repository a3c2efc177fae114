import { ServerNats, type MessageHandler, type NatsContext, type NatsOptions } from '@nestjs/microservices';
import { context, trace, SpanKind, type Span } from '@opentelemetry/api';
import { scopedSubject, type Namespace } from '@gm/contracts';
import { extractTrace } from '../trace-headers';

/**
 * The Nest NATS transport, with every `@MessagePattern` subscribed under this tier's namespace:
 * `@MessagePattern('gm.rpc.case.report.v1')` listens on `gm.<namespace>.rpc.case.report.v1`.
 * Handlers keep the unscoped names from libs/contracts.
 *
 * Each request runs in a SERVER span whose parent is the caller's trace context (from the NATS
 * headers), opened and closed by Nest's processing hooks. Not an interceptor: a global
 * interceptor would also wrap every HTTP route, and costs Nest 12 on Fastify half its throughput.
 */
export class NamespacedNatsServer extends ServerNats {
  private readonly spans = new WeakMap<object, Span>();

  constructor(
    private readonly ns: Namespace,
    options: Required<NatsOptions>['options'],
    service: string,
  ) {
    super(options);
    const tracer = trace.getTracer(service);
    this.setOnProcessingStartHook((_transport: unknown, ctx: unknown, done: () => Promise<unknown>) => {
      const nats = ctx as NatsContext;
      const parent = extractTrace(nats.getHeaders());
      const subject = nats.getSubject();
      const span = tracer.startSpan(
        `rpc ${subject}`,
        { kind: SpanKind.SERVER, attributes: { 'gm.service': service, 'rpc.system': 'nats', 'messaging.destination.name': subject } },
        parent,
      );
      this.spans.set(nats, span);
      return context.with(trace.setSpan(parent, span), done);
    });
    this.setOnProcessingEndHook((_transport: unknown, ctx: unknown) => {
      this.spans.get(ctx as object)?.end();
    });
  }

  override addHandler(pattern: unknown, callback: MessageHandler, isEventHandler?: boolean, extras?: Record<string, unknown>): void {
    const scoped = typeof pattern === 'string' && pattern.startsWith('gm.') ? scopedSubject(this.ns, pattern) : pattern;
    super.addHandler(scoped, callback, isEventHandler, extras);
  }
}
