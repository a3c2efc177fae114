import { Injectable } from '@nestjs/common';
import { Rpc } from '@gm/contracts';
import { DEFAULT_ASSESSMENT_SCHEME, validateAssessmentScheme, type AssessmentScheme } from '@gm/domain';
import { RpcClient } from '@gm/messaging';
import { JsonLogger } from '@gm/telemetry';

const TTL_MS = 30_000;

/**
 * The tier's assessment scheme (考核方案, a system-admin parameter), kept for half a minute; while
 * system-admin does not answer, the last one known (at first the default) stays in use.
 */
@Injectable()
export class AssessmentSchemeProvider {
  private state: { version: number; scheme: AssessmentScheme; loadedAt: number } = { version: 0, scheme: DEFAULT_ASSESSMENT_SCHEME, loadedAt: 0 };

  constructor(
    private readonly rpc: RpcClient,
    private readonly logger: JsonLogger,
  ) {}

  async current(): Promise<{ version: number; scheme: AssessmentScheme }> {
    if (Date.now() - this.state.loadedAt >= TTL_MS) {
      try {
        const answer = await this.rpc.request(Rpc.parameter, { key: 'assessment-scheme' }, { timeoutMs: 2_000 });
        this.state = { version: answer.version, scheme: answer.version === this.state.version && this.state.loadedAt > 0 ? this.state.scheme : validateAssessmentScheme(answer.value), loadedAt: Date.now() };
      } catch (err) {
        this.state = { ...this.state, loadedAt: Date.now() - TTL_MS / 2 };
        this.logger.event('debug', 'assessment.scheme_unavailable', { version: this.state.version, error: err instanceof Error ? err.message : String(err) }, 'AssessmentSchemeProvider');
      }
    }
    return { version: this.state.version, scheme: this.state.scheme };
  }
}
