import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { ClientNats, NatsRecordBuilder } from '@nestjs/microservices';
import { firstValueFrom, timeout as rxTimeout, TimeoutError } from 'rxjs';
import { headers as natsHeaders } from '@nats-io/transport-node';
import { natsConnectionOptions } from '../nats-servers';
import {
  DomainError,
  Headers,
  remoteErrorSchema,
  scopedSubject,
  toFieldErrors,
  type RpcDefinition,
  type RpcRequest,
  type RpcResponse,
} from '@gm/contracts';
import { MESSAGING_OPTIONS, type MessagingOptions } from '../messaging-options';
import { injectTrace } from '../trace-headers';

export interface RpcCallOptions {
  /** The caller's `Bearer …` header, forwarded so that the callee verifies the token itself. */
  readonly authorization?: string | undefined;
  readonly timeoutMs?: number;
  /** For a delivery deferred by store-and-forward: when the caller's token was accepted. */
  readonly acceptedAt?: Date;
}

/**
 * Request/reply to another service of this tier over the Nest NATS transport. Requests and
 * replies are validated against the contract; a DomainError thrown by the callee comes back as
 * the same DomainError; an unreachable callee is `SERVICE.UNAVAILABLE`.
 */
@Injectable()
export class RpcClient implements OnApplicationShutdown {
  private readonly client: ClientNats;

  constructor(@Inject(MESSAGING_OPTIONS) private readonly opts: MessagingOptions) {
    this.client = new ClientNats({
      ...natsConnectionOptions(opts.servers),
      name: `${opts.service}-rpc@${opts.tier}`,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 250,
      timeout: opts.requestTimeoutMs ?? 2000,
    });
  }

  async request<R extends RpcDefinition>(def: R, payload: RpcRequest<R>, call: RpcCallOptions = {}): Promise<RpcResponse<R>> {
    const checked = def.request.safeParse(payload);
    if (!checked.success) throw DomainError.validation(toFieldErrors(checked.error.issues));
    const h = injectTrace(natsHeaders());
    if (call.authorization) h.set(Headers.authorization, call.authorization);
    if (call.acceptedAt) h.set(Headers.acceptedAt, call.acceptedAt.toISOString());
    const record = new NatsRecordBuilder(checked.data).setHeaders(h).build();
    let reply: unknown;
    try {
      reply = await firstValueFrom(
        this.client.send(scopedSubject(this.opts.namespace, def.pattern), record).pipe(rxTimeout(call.timeoutMs ?? 5000)),
      );
    } catch (err) {
      const remote = remoteErrorSchema.safeParse(err);
      if (remote.success) throw new DomainError(remote.data.code, remote.data.message, remote.data.fieldErrors);
      if (err instanceof TimeoutError) throw new DomainError('SERVICE.UNAVAILABLE', `${def.pattern}: no reply in time`);
      throw new DomainError('SERVICE.UNAVAILABLE', `${def.pattern}: ${err instanceof Error ? err.message : 'transport error'}`);
    }
    const parsed = def.response.safeParse(reply);
    if (!parsed.success) throw new DomainError('INTERNAL', `${def.pattern}: reply does not match the contract`);
    return parsed.data as RpcResponse<R>;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.client.close();
  }
}
