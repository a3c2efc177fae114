import { Inject, Injectable } from '@nestjs/common';
import { headers as natsHeaders } from '@nats-io/transport-node';
import { departmentFeed, departmentFeedSubject, Headers, type CloudEvent } from '@gm/contracts';
import { JetStreamService, MESSAGING_OPTIONS, NatsClient, type MessagingOptions } from '@gm/messaging';

/**
 * Republishes case events into each department's own feed stream (`DEPT_<department>_<tier>`,
 * ADR 0014), where the department's system reads with its own NATS credentials: a durable consumer,
 * replay from a sequence or a time. The event id is the message id, so a republished event is stored
 * once (the stream's duplicate window is a day).
 */
@Injectable()
export class DepartmentFeeds {
  private readonly ensured = new Set<string>();

  constructor(
    private readonly nats: NatsClient,
    private readonly jetstream: JetStreamService,
    @Inject(MESSAGING_OPTIONS) private readonly opts: MessagingOptions,
  ) {}

  async publish(items: readonly { department: string; event: CloudEvent }[]): Promise<void> {
    if (items.length === 0) return;
    const missing = [...new Set(items.map((i) => i.department))].filter((d) => !this.ensured.has(d));
    if (missing.length > 0) {
      await this.jetstream.ensureStreams(missing.map((d) => departmentFeed(d)));
      for (const d of missing) this.ensured.add(d);
    }
    const js = this.jetstream.client(await this.nats.connection());
    await Promise.all(
      items.map((i) =>
        js.publish(departmentFeedSubject(this.opts.namespace, i.department, i.event.type), JSON.stringify(i.event), {
          msgID: i.event.id,
          ...(i.event.traceparent && { headers: traceHeaders(i.event.traceparent) }),
        }),
      ),
    );
  }
}

/** The publisher's trace context travels with the copy, as with every event (W3C `traceparent` header). */
function traceHeaders(traceparent: string) {
  const h = natsHeaders();
  h.set(Headers.traceparent, traceparent);
  return h;
}
