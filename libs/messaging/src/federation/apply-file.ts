import { readFileSync } from 'node:fs';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { natsConnectionOptions } from '../nats-servers';
import { applyStreams, parseStreamsFile, type ProvisionResult } from './provision';

export interface ApplyStreamsFileOptions {
  /** A tier's streams.json, as the federation CLI writes it. */
  readonly file: string;
  /** The tier's NATS server URLs; a user and password in them are used (as in NATS_URL). */
  readonly servers: readonly string[];
  /** The tier's JetStream domain. */
  readonly domain?: string | undefined;
  readonly retireLegacyDownlink?: boolean;
  /** How long to keep trying while the server does not answer (ms); 0 tries once. */
  readonly waitMs?: number;
  /** Between attempts (ms, default 1000). */
  readonly retryEveryMs?: number;
  /** Called after a failed attempt that will be retried. */
  readonly onRetry?: (attempt: number, error: unknown) => void;
}

/**
 * Applies a tier's streams.json to its NATS server: creates the streams, or updates them in
 * place. The deploy tooling's one step for streams (ADR 0022): `federation.js apply`, the image's
 * `apply-streams` command and the test harness's federation all run this, before the tier's
 * services start.
 */
export async function applyStreamsFile(opts: ApplyStreamsFileOptions): Promise<ProvisionResult> {
  const streams = parseStreamsFile(readFileSync(opts.file, 'utf8'), opts.file);
  const deadline = Date.now() + (opts.waitMs ?? 0);
  for (let attempt = 1; ; attempt++) {
    let nc: NatsConnection | undefined;
    try {
      nc = await connect({ ...natsConnectionOptions(opts.servers), timeout: 5000, name: 'apply-streams' });
      const jsm = await jetstreamManager(nc, { ...(opts.domain && { domain: opts.domain }) });
      return await applyStreams(jsm, streams, { retireLegacyDownlink: opts.retireLegacyDownlink ?? false });
    } catch (err) {
      if (Date.now() >= deadline) throw err;
      opts.onRetry?.(attempt, err);
      await new Promise((r) => setTimeout(r, opts.retryEveryMs ?? 1000));
    } finally {
      await nc?.close().catch(() => undefined);
    }
  }
}

/** One line naming what `applyStreamsFile` did, for a command's output. */
export function provisionSummary(label: string, r: ProvisionResult): string {
  const list = (name: string, xs: readonly string[]) => (xs.length > 0 ? ` ${name} [${xs.join(', ')}]` : '');
  return `${label}: created [${r.created.join(', ')}] updated [${r.updated.join(', ')}] unchanged [${r.unchanged.join(', ')}]${list('removed', r.removed)}${list('held back', r.blocked)}`;
}
