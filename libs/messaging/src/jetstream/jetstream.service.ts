import { Inject, Injectable } from '@nestjs/common';
import {
  DiscardPolicy,
  jetstream,
  jetstreamManager,
  RetentionPolicy,
  StorageType,
  type JetStreamClient,
  type JetStreamManager,
  type StreamConfig,
} from '@nats-io/jetstream';
import { nanos, type NatsConnection } from '@nats-io/transport-node';
import { streamName, streamSubjects, type StreamDefinition } from '@gm/contracts';
import { JsonLogger } from '@gm/telemetry';
import { MESSAGING_OPTIONS, type MessagingOptions } from '../messaging-options';
import { NatsClient } from '../nats-client.service';

/** JetStream access for this tier: stream set-up and clients bound to the current connection. */
@Injectable()
export class JetStreamService {
  constructor(
    @Inject(MESSAGING_OPTIONS) private readonly opts: MessagingOptions,
    private readonly nats: NatsClient,
    private readonly logger: JsonLogger,
  ) {}

  client(nc: NatsConnection): JetStreamClient {
    return jetstream(nc, { timeout: this.opts.requestTimeoutMs ?? 2000, ...(this.opts.jetstreamDomain && { domain: this.opts.jetstreamDomain }) });
  }

  manager(nc: NatsConnection): Promise<JetStreamManager> {
    return jetstreamManager(nc, { timeout: this.opts.requestTimeoutMs ?? 2000, ...(this.opts.jetstreamDomain && { domain: this.opts.jetstreamDomain }) });
  }

  streamName(def: StreamDefinition): string {
    return streamName(this.opts.namespace, def);
  }

  /** Creates the streams, or brings their configuration up to date. Idempotent. */
  async ensureStreams(defs: readonly StreamDefinition[]): Promise<void> {
    const nc = await this.nats.connection();
    const jsm = await this.manager(nc);
    for (const def of defs) {
      const config: Partial<StreamConfig> & { name: string } = {
        name: this.streamName(def),
        description: def.description,
        subjects: streamSubjects(this.opts.namespace, def),
        retention: RetentionPolicy.Limits,
        storage: StorageType.File,
        discard: DiscardPolicy.Old,
        max_age: nanos(def.maxAgeMs),
        duplicate_window: nanos(def.duplicateWindowMs),
        ...(def.maxMsgsPerSubject !== undefined && { max_msgs_per_subject: def.maxMsgsPerSubject }),
        num_replicas: 1,
      };
      const existing = await jsm.streams.info(config.name).catch(() => undefined);
      if (existing) {
        await jsm.streams.update(config.name, config);
      } else {
        await jsm.streams.add(config);
        this.logger.event('info', 'jetstream.stream_created', { stream: config.name, subjects: config.subjects }, 'JetStreamService');
      }
    }
  }
}
