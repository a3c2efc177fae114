import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { HealthRegistry, JsonLogger } from '@gm/telemetry';
import { MESSAGING_OPTIONS, type MessagingOptions } from './messaging-options';
import { natsConnectionOptions } from './nats-servers';

type Listener = (connected: boolean) => void;

/**
 * This service's NATS connection. Connecting never blocks start-up: a service whose NATS is
 * down still starts, answers `/healthz`, reports not ready on `/readyz`, and keeps accepting
 * work that it can store (the outbox publishes once NATS is back).
 */
@Injectable()
export class NatsClient implements OnModuleInit, OnApplicationShutdown {
  private nc: NatsConnection | undefined;
  private connected = false;
  private closing = false;
  private readonly listeners = new Set<Listener>();
  private readonly ready: Promise<NatsConnection>;
  private resolveReady!: (nc: NatsConnection) => void;

  constructor(
    @Inject(MESSAGING_OPTIONS) private readonly opts: MessagingOptions,
    private readonly health: HealthRegistry,
    private readonly logger: JsonLogger,
  ) {
    this.ready = new Promise((resolve) => (this.resolveReady = resolve));
  }

  onModuleInit(): void {
    this.health.register('nats', async () => {
      const nc = this.nc;
      if (!nc || !this.connected) throw new Error('not connected to NATS');
      await nc.flush();
    });
    void this.connectLoop();
  }

  /** Resolves once the first connection is up. */
  connection(): Promise<NatsConnection> {
    return this.ready;
  }

  /** The connection if it is up right now. */
  current(): NatsConnection | undefined {
    return this.connected ? this.nc : undefined;
  }

  isConnected(): boolean {
    return this.connected;
  }

  /** Called with `true` on every (re)connect and `false` on every disconnect. */
  onChange(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private async connectLoop(): Promise<void> {
    let attempt = 0;
    while (!this.closing) {
      try {
        const nc = await connect({
          ...natsConnectionOptions(this.opts.servers),
          name: `${this.opts.service}@${this.opts.tier}`,
          maxReconnectAttempts: -1,
          reconnectTimeWait: 250,
          pingInterval: 10_000,
          timeout: this.opts.requestTimeoutMs ?? 2000,
          // No stack captured per request for async traces: every JetStream publish is a request,
          // and the relay's publishes spent more time building those Errors than in nats.js's own
          // code (V8 profile, B4). Failures still carry their message, which is what the logs keep.
          noAsyncTraces: true,
        });
        this.nc = nc;
        this.setConnected(true);
        this.resolveReady(nc);
        this.logger.event('info', 'nats.connected', { server: nc.getServer() }, 'NatsClient');
        void this.watch(nc);
        return;
      } catch (err) {
        attempt += 1;
        if (attempt === 1 || attempt % 20 === 0) {
          this.logger.event('warn', 'nats.connect_failed', { attempt, error: errorText(err) }, 'NatsClient');
        }
        await sleep(Math.min(250 * attempt, 2000));
      }
    }
  }

  private async watch(nc: NatsConnection): Promise<void> {
    for await (const s of nc.status()) {
      if (s.type === 'disconnect') {
        this.setConnected(false);
        this.logger.event('warn', 'nats.disconnected', {}, 'NatsClient');
      } else if (s.type === 'reconnect') {
        this.setConnected(true);
        this.logger.event('info', 'nats.reconnected', { server: nc.getServer() }, 'NatsClient');
      }
    }
  }

  private setConnected(value: boolean): void {
    this.connected = value;
    for (const l of this.listeners) l(value);
  }

  async onApplicationShutdown(): Promise<void> {
    this.closing = true;
    this.connected = false;
    if (this.nc && !this.nc.isClosed()) {
      await this.nc.drain().catch(() => this.nc?.close());
    }
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export function errorText(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}
