import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { AckPolicy, DeliverPolicy, type ConsumerMessages, type JsMsg } from '@nats-io/jetstream';
import { nanos } from '@nats-io/transport-node';
import { parseCloudEvent, scopedSubject, Headers, type CloudEvent, type StreamDefinition } from '@gm/contracts';
import { JsonLogger, SpanKind, withSpan } from '@gm/telemetry';
import { MESSAGING_OPTIONS, type MessagingOptions } from '../messaging-options';
import { errorText, NatsClient, sleep } from '../nats-client.service';
import { extractTrace } from '../trace-headers';
import { JetStreamService } from './jetstream.service';

/**
 * Where a consumer reads: a stream of this tier's own (created if missing; the filter is unscoped,
 * e.g. `gm.case.>`), or a stream set up by the federation provisioner (`UPLINK_AGG`,
 * `DOWNLINK_IN`), waited for if missing, with a full subject filter (NATS 2.9 takes one filter).
 */
export type ConsumerSource =
  | { readonly stream: StreamDefinition; readonly filterSubject: string }
  | { readonly provisionedStream: string; readonly subjectFilter: string };

export type DurableConsumerSpec = ConsumerSource & {
  /** Durable name, `<service>-<purpose>`. */
  readonly durable: string;
  /**
   * Applies one event. Throwing makes the message redelivered later; the handler is expected to
   * be idempotent (use the Inbox), since delivery is at least once.
   */
  readonly handle: (event: CloudEvent, meta: { redelivered: boolean; streamSequence: number }) => Promise<void>;
  readonly ackWaitMs?: number;
  readonly maxAckPending?: number;
};

/**
 * Runs durable pull consumers with explicit acks. Each message is processed in a span whose parent
 * is the publisher's trace context. A message that is not a valid event of a known type is
 * terminated (acknowledged, never redelivered) and logged with the reason, rather than
 * crash-looping the consumer.
 */
@Injectable()
export class DurableConsumers implements OnApplicationShutdown {
  private stopped = false;
  private readonly running = new Set<ConsumerMessages>();
  private readonly loops: Promise<void>[] = [];

  constructor(
    @Inject(MESSAGING_OPTIONS) private readonly opts: MessagingOptions,
    private readonly nats: NatsClient,
    private readonly jetstream: JetStreamService,
    private readonly logger: JsonLogger,
  ) {}

  start(spec: DurableConsumerSpec): void {
    this.loops.push(this.supervise(spec));
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    for (const m of this.running) await m.close().catch(() => undefined);
    // Give the loops a moment to finish the message in hand, without holding the process open.
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.all(this.loops), new Promise<void>((r) => (timer = setTimeout(r, 3000)))]);
    clearTimeout(timer);
  }

  private async supervise(spec: DurableConsumerSpec): Promise<void> {
    const stream = 'stream' in spec ? this.jetstream.streamName(spec.stream) : spec.provisionedStream;
    let waitingLogged = false;
    while (!this.stopped) {
      try {
        const nc = await this.nats.connection();
        if (!this.nats.isConnected()) {
          await sleep(250);
          continue;
        }
        const jsm = await this.jetstream.manager(nc);
        if ('stream' in spec) {
          await this.jetstream.ensureStreams([spec.stream]);
        } else if (!(await jsm.streams.info(stream).catch(() => undefined))) {
          // Not provisioned yet: wait quietly (one line in the log), it is the operator's step.
          if (!waitingLogged) this.logger.event('warn', 'consumer.stream_missing', { stream, durable: spec.durable }, 'DurableConsumers');
          waitingLogged = true;
          await sleep(2000);
          continue;
        }
        const config = {
          durable_name: spec.durable,
          ack_policy: AckPolicy.Explicit,
          deliver_policy: DeliverPolicy.All,
          filter_subject: 'stream' in spec ? scopedSubject(this.opts.namespace, spec.filterSubject) : spec.subjectFilter,
          ack_wait: nanos(spec.ackWaitMs ?? 30_000),
          max_ack_pending: spec.maxAckPending ?? 256,
        };
        const existing = await jsm.consumers.info(stream, spec.durable).catch(() => undefined);
        if (existing) await jsm.consumers.update(stream, spec.durable, config);
        else await jsm.consumers.add(stream, config);

        const consumer = await this.jetstream.client(nc).consumers.get(stream, spec.durable);
        const messages = await consumer.consume({ max_messages: 64 });
        this.running.add(messages);
        this.logger.event('info', 'consumer.started', { stream, durable: spec.durable }, 'DurableConsumers');
        try {
          for await (const msg of messages) {
            await this.process(spec, msg);
            if (this.stopped) break;
          }
        } finally {
          this.running.delete(messages);
        }
      } catch (err) {
        if (this.stopped) break;
        this.logger.event('warn', 'consumer.interrupted', { durable: spec.durable, error: errorText(err) }, 'DurableConsumers');
        await sleep(1000);
      }
    }
  }

  private async process(spec: DurableConsumerSpec, msg: JsMsg): Promise<void> {
    const type = msg.headers?.get(Headers.ceType) || 'unknown';
    try {
      await withSpan(
        this.opts.service,
        `process ${type}`,
        {
          kind: SpanKind.CONSUMER,
          parent: extractTrace(msg.headers),
          attributes: {
            'messaging.system': 'nats',
            'messaging.destination.name': msg.subject,
            'messaging.consumer.group.name': spec.durable,
            'messaging.message.id': msg.headers?.get(Headers.ceId) ?? '',
          },
        },
        async () => {
          const parsed = parseCloudEvent(msg.data);
          if (!parsed.ok) {
            this.logger.event('error', 'consumer.poison_message', { durable: spec.durable, seq: msg.seq, reason: parsed.reason, eventId: parsed.id }, 'DurableConsumers');
            msg.term(parsed.reason);
            return;
          }
          await spec.handle(parsed.event, { redelivered: msg.redelivered, streamSequence: msg.seq });
          msg.ack();
        },
      );
    } catch (err) {
      const delayMs = Math.min(1000 * 2 ** Math.min(msg.info.deliveryCount - 1, 5), 30_000);
      this.logger.event('warn', 'consumer.handler_failed', { durable: spec.durable, seq: msg.seq, attempt: msg.info.deliveryCount, error: errorText(err), retryInMs: delayMs }, 'DurableConsumers');
      msg.nak(delayMs);
    }
  }
}
