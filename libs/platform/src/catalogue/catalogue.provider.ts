import { Injectable } from '@nestjs/common';
import { PARAMETERS, Rpc, validate } from '@gm/contracts';
import { DEFAULT_CATALOGUE, validateCatalogue, type CategoryCatalogue } from '@gm/domain';
import { RpcClient } from '@gm/messaging';
import { JsonLogger } from '@gm/telemetry';

const TTL_MS = 30_000;

/**
 * The tier's category catalogue (which department owns which category: command-centre's KPIs and
 * dispatch, service-office's departments), read from system-admin
 * and kept for half a minute; while system-admin does not answer, the last one known (at first the
 * default shipped in libs/domain) stays in use.
 */
@Injectable()
export class CatalogueProvider {
  private state = { version: 0, catalogue: validateCatalogue(DEFAULT_CATALOGUE), loadedAt: 0 };

  constructor(
    private readonly rpc: RpcClient,
    private readonly logger: JsonLogger,
  ) {}

  async current(): Promise<CategoryCatalogue> {
    if (Date.now() - this.state.loadedAt < TTL_MS) return this.state.catalogue;
    try {
      const answer = await this.rpc.request(Rpc.parameter, { key: 'case-catalogue' }, { timeoutMs: 2_000 });
      if (answer.version !== this.state.version || this.state.loadedAt === 0) {
        this.state = { version: answer.version, catalogue: validateCatalogue(validate(PARAMETERS['case-catalogue'].schema, answer.value)), loadedAt: Date.now() };
      } else this.state.loadedAt = Date.now();
    } catch (err) {
      this.state.loadedAt = Date.now() - TTL_MS / 2;
      this.logger.event('debug', 'catalogue.unavailable', { error: err instanceof Error ? err.message : String(err) }, 'CatalogueProvider');
    }
    return this.state.catalogue;
  }
}
