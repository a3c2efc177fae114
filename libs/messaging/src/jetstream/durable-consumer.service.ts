import { Inject, Injectable, Optional, type OnApplicationShutdown } from '@nestjs/common';
import { AckPolicy, DeliverPolicy, type ConsumerInfo, type ConsumerMessages, type JsMsg } from '@nats-io/jetstream';
import { nanos } from '@nats-io/transport-node';
import { parseCloudEvent, scopedSubject, Headers, type CloudEvent, type StreamDefinition } from '@gm/contracts';
import { JsonLogger, oncePerScrape, ServiceMetrics, SpanKind, withSpan, type Counter } from '@gm/telemetry';
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

export interface DeliveryMeta {
  readonly redelivered: boolean;
  readonly streamSequence: number;
}

/** One event of a run handed to `handleBatch`. */
export interface BatchItem<T = unknown> {
  readonly event: CloudEvent<T>;
  readonly meta: DeliveryMeta;
  /**
   * Runs `fn` in this message's own span, whose parent is its publisher's trace context (as
   * `handle` runs), so that what `fn` writes (outbox rows) carries this message's trace.
   */
  within<T>(fn: () => Promise<T>): Promise<T>;
}

export type DurableConsumerSpec = ConsumerSource & {
  /** Durable name, `<service>-<purpose>`. */
  readonly durable: string;
  /**
   * Applies one event. Throwing makes the message redelivered later; the handler is expected to
   * be idempotent (use the Inbox), since delivery is at least once.
   */
  readonly handle: (event: CloudEvent, meta: DeliveryMeta) => Promise<void>;
  /**
   * Optional: applies several events together, all or nothing (typically in one transaction), in
   * stream order. It gets the messages that were already delivered and waiting when the consumer
   * came to them, at most `maxBatch`: a consumer that keeps up handles each message alone as it
   * comes (with `handle`), one that falls behind shares a transaction, its statements and its
   * commit among many instead of paying them per message, and so catches up. When it throws,
   * the same events are handled one by one with `handle`, so that one bad event neither holds the
   * others back nor is applied twice (the inbox).
   */
  readonly handleBatch?: (items: readonly BatchItem[]) => Promise<void>;
  /** At most this many events per `handleBatch` call (default 32). */
  readonly maxBatch?: number;
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
  /** Stream and durable of each consumer started, for the gauges read at scrape time. */
  private readonly started = new Map<string, { stream: string; durable: string }>();
  private readonly redeliveries: Counter | undefined;
  private readonly failures: Counter | undefined;

  constructor(
    @Inject(MESSAGING_OPTIONS) private readonly opts: MessagingOptions,
    private readonly nats: NatsClient,
    private readonly jetstream: JetStreamService,
    private readonly logger: JsonLogger,
    @Optional() private readonly metrics?: ServiceMetrics,
  ) {
    if (!metrics) return;
    this.redeliveries = metrics.meter.createCounter('gm.consumer.redeliveries', { description: 'Messages delivered again (a handler failed, or an ack was late)' });
    this.failures = metrics.meter.createCounter('gm.consumer.handler_failures', { description: 'Messages whose handler failed (negatively acknowledged, retried later)' });
    // Lag: what the stream holds for the consumer that it has not been given yet; and what it has
    // been given but not acknowledged. Read from the server, so they are true across replicas.
    // One round of consumer infos per scrape, shared by the three gauges.
    const infos = oncePerScrape(async () => {
      const nc = this.nats.current();
      if (!nc || this.started.size === 0) return undefined;
      const jsm = await this.jetstream.manager(nc);
      return Promise.all([...this.started.values()].map((c) => jsm.consumers.info(c.stream, c.durable).catch(() => undefined)));
    });
    const read = (pick: (info: ConsumerInfo) => number) => async () =>
      (await infos())?.flatMap((info) => (info ? [{ value: pick(info), attributes: { stream: info.stream_name, consumer: info.name } }] : []));
    metrics.observe('gm.consumer.pending', 'Messages in the stream not yet delivered to the consumer (its lag)', '{message}', read((i) => i.num_pending));
    metrics.observe('gm.consumer.ack_pending', 'Messages delivered to the consumer and not yet acknowledged', '{message}', read((i) => i.num_ack_pending));
    metrics.observe('gm.consumer.redelivered', 'Messages delivered more than once and not yet acknowledged (server view)', '{message}', read((i) => i.num_redelivered));
  }

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

        this.started.set(`${stream}/${spec.durable}`, { stream, durable: spec.durable });
        const consumer = await this.jetstream.client(nc).consumers.get(stream, spec.durable);
        // A consumer that applies runs together gets runs up to its batch size delivered at once.
        const messages = await consumer.consume({ max_messages: Math.max(64, spec.handleBatch ? (spec.maxBatch ?? 32) : 0) });
        this.running.add(messages);
        this.logger.event('info', 'consumer.started', { stream, durable: spec.durable }, 'DurableConsumers');
        try {
          for await (const run of runsOf(messages, spec.handleBatch ? (spec.maxBatch ?? 32) : 1)) {
            const again = run.filter((m) => m.redelivered).length;
            if (again > 0) this.redeliveries?.add(again, this.metrics!.labels({ consumer: spec.durable }));
            if (run.length === 1) await this.process(spec, run[0]!);
            else await this.processRun(spec, run);
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

  /**
   * Several messages that were waiting together: the valid ones go to `handleBatch` and are acked
   * once it has returned (committed); if it throws, each is handled on its own as usual.
   */
  private async processRun(spec: DurableConsumerSpec, run: readonly JsMsg[]): Promise<void> {
    const items: { msg: JsMsg; item: BatchItem }[] = [];
    for (const msg of run) {
      const parsed = parseCloudEvent(msg.data);
      if (!parsed.ok) {
        // Terminated as `process` does; not worth a span of its own here.
        await this.process(spec, msg);
        continue;
      }
      const meta = { redelivered: msg.redelivered, streamSequence: msg.seq };
        items.push({ msg, item: { event: parsed.event, meta, within: (fn) => withSpan(this.opts.service, `process ${parsed.event.type}`, this.spanOptions(spec, msg), fn) } });
    }
    if (items.length === 0) return;
    try {
      await spec.handleBatch!(items.map((i) => i.item));
    } catch (err) {
      this.logger.event('warn', 'consumer.batch_failed', { durable: spec.durable, count: items.length, error: errorText(err) }, 'DurableConsumers');
      for (const { msg } of items) await this.process(spec, msg);
      return;
    }
    for (const { msg } of items) msg.ack();
  }

  private spanOptions(spec: DurableConsumerSpec, msg: JsMsg) {
    return {
      kind: SpanKind.CONSUMER,
      parent: extractTrace(msg.headers),
      attributes: {
        'messaging.system': 'nats',
        'messaging.destination.name': msg.subject,
        'messaging.consumer.group.name': spec.durable,
        'messaging.message.id': msg.headers?.get(Headers.ceId) ?? '',
      },
    };
  }

  private async process(spec: DurableConsumerSpec, msg: JsMsg): Promise<void> {
    const type = msg.headers?.get(Headers.ceType) || 'unknown';
    if (msg.redelivered) this.redeliveries?.add(1, this.metrics!.labels({ consumer: spec.durable }));
    try {
      await withSpan(
        this.opts.service,
        `process ${type}`,
        this.spanOptions(spec, msg),
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
      this.failures?.add(1, this.metrics!.labels({ consumer: spec.durable }));
      msg.nak(delayMs);
    }
  }
}

/**
 * The messages of `messages` in runs: each run is what has been delivered and is waiting when the
 * previous run is done (at most `max`; with `max` 1, one message at a time as before). Messages are
 * taken off the subscription as they arrive, so a run never waits for more to come.
 */
async function* runsOf(messages: ConsumerMessages, max: number): AsyncGenerator<JsMsg[]> {
  const waiting: JsMsg[] = [];
  let ended = false;
  let failure: unknown;
  let arrived: (() => void) | undefined;
  const pump = (async () => {
    try {
      for await (const msg of messages) {
        waiting.push(msg);
        arrived?.();
      }
    } catch (err) {
      failure = err;
    } finally {
      ended = true;
      arrived?.();
    }
  })();
  try {
    for (;;) {
      if (waiting.length === 0) {
        if (ended) break;
        await new Promise<void>((resolve) => (arrived = resolve));
        arrived = undefined;
        continue;
      }
      yield waiting.splice(0, max);
    }
    if (failure !== undefined) throw failure;
  } finally {
    // Left early (shutdown): stop the subscription; what is still waiting is redelivered after ack_wait.
    messages.stop();
    await pump;
  }
}
