import { readFileSync } from 'node:fs';
import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { applyStreams, errorText, JetStreamService, NatsClient, parseStreamsFile, sleep } from '@gm/messaging';
import { SERVICE_CONFIG } from '@gm/platform';
import { JsonLogger } from '@gm/telemetry';
import type { AppConfig } from '../../config/config';
import { TierPosition } from '../../tier/tier-position';

/**
 * Applies the tier's generated federation streams (`FEDERATION_STREAMS_FILE`) once NATS answers,
 * retrying; the consumers wait for them. The deploy CLI applies the same file
 * (`federation.js apply`); this is for deployments that give the file to the service instead.
 */
@Injectable()
export class FederationStreamProvisioner implements OnApplicationBootstrap {
  constructor(
    private readonly position: TierPosition,
    private readonly nats: NatsClient,
    private readonly jetstream: JetStreamService,
    private readonly logger: JsonLogger,
    @Inject(SERVICE_CONFIG) private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    const file = this.config.own.FEDERATION_STREAMS_FILE;
    if (this.position.enabled && file) void this.provision(file);
  }

  private async provision(file: string): Promise<void> {
    const streams = parseStreamsFile(readFileSync(file, 'utf8'), file);
    for (let attempt = 1; ; attempt++) {
      try {
        const nc = await this.nats.connection();
        const result = await applyStreams(await this.jetstream.manager(nc), streams);
        // Held back by a legacy DOWNLINK: everything else is applied; this needs the operator (README, "Upgrading a federation").
        if (result.blocked.length > 0) this.logger.event('error', 'federation.streams_held_back', { streams: result.blocked, why: result.blockedBecause ?? null }, 'FederationInbound');
        this.logger.event('info', 'federation.streams_applied', { ...result }, 'FederationInbound');
        return;
      } catch (err) {
        if (attempt === 1 || attempt % 30 === 0) this.logger.event('warn', 'federation.streams_not_applied', { file, attempt, error: errorText(err) }, 'FederationInbound');
        await sleep(2000);
      }
    }
  }
}
