import { Module, type DynamicModule, type Provider } from '@nestjs/common';
import { MESSAGING_OPTIONS, type MessagingOptions } from './messaging-options';
import { NatsClient } from './nats-client.service';
import { JetStreamService } from './jetstream/jetstream.service';
import { DurableConsumers } from './jetstream/durable-consumer.service';
import { Inbox } from './inbox/inbox.service';
import { Outbox } from './outbox/outbox.service';
import { OUTBOX_RELAY_OPTIONS, OutboxRelay, type OutboxRelayOptions } from './outbox/outbox-relay.service';
import { RpcClient } from './rpc/rpc-client.service';

export interface MessagingModuleOptions extends MessagingOptions {
  /** Enables the transactional outbox and its relay (needs the PersistenceModule). */
  readonly outbox?: OutboxRelayOptions;
}

@Module({})
export class MessagingModule {
  static forRoot(opts: MessagingModuleOptions): DynamicModule {
    const providers: Provider[] = [
      { provide: MESSAGING_OPTIONS, useValue: opts },
      NatsClient,
      JetStreamService,
      DurableConsumers,
      Inbox,
      RpcClient,
    ];
    if (opts.outbox) {
      providers.push(Outbox, OutboxRelay, { provide: OUTBOX_RELAY_OPTIONS, useValue: opts.outbox });
    }
    return {
      module: MessagingModule,
      global: true,
      providers,
      exports: providers,
    };
  }
}
