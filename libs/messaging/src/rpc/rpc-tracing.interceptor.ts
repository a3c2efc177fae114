import { Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import type { NatsContext } from '@nestjs/microservices';
import { context, trace, SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { Observable } from 'rxjs';
import { extractTrace } from '../trace-headers';

/** Runs each NATS request handler in a SERVER span whose parent is the caller's trace context. */
@Injectable()
export class RpcTracingInterceptor implements NestInterceptor {
  constructor(private readonly service: string) {}

  intercept(ctx: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (ctx.getType() !== 'rpc') return next.handle();
    const nats = ctx.switchToRpc().getContext<NatsContext>();
    const parent = extractTrace(nats.getHeaders());
    const subject = nats.getSubject();
    const span = trace.getTracer(this.service).startSpan(
      `rpc ${subject}`,
      { kind: SpanKind.SERVER, attributes: { 'gm.service': this.service, 'rpc.system': 'nats', 'messaging.destination.name': subject } },
      parent,
    );
    const active = trace.setSpan(parent, span);
    return new Observable((subscriber) => {
      const sub = context.with(active, () =>
        next.handle().subscribe({
          next: (v) => subscriber.next(v),
          error: (e: unknown) => {
            span.setStatus({ code: SpanStatusCode.ERROR });
            span.end();
            subscriber.error(e);
          },
          complete: () => {
            span.end();
            subscriber.complete();
          },
        }),
      );
      return () => sub.unsubscribe();
    });
  }
}
