import { DiscardPolicy, RetentionPolicy, StorageType, type JetStreamManager, type StreamConfig } from '@nats-io/jetstream';
import type { FederationStream } from './topology';

const DAY_NS = 24 * 60 * 60 * 1e9;

export interface ProvisionResult {
  readonly created: string[];
  readonly updated: string[];
  readonly unchanged: string[];
  /** Streams of an earlier layout that were removed (`retireLegacyDownlink`). */
  readonly removed: string[];
}

/** The one down stream a parent held for all its children before each child got its own (`DOWNLINK_<child>`). */
export const LEGACY_DOWNLINK = 'DOWNLINK';

export interface ApplyOptions {
  /**
   * Remove a legacy `DOWNLINK` stream, whose subjects the per-child streams take over. Its
   * messages are gone with it: give it only once every child has caught up (each child's
   * `DOWNLINK_IN` holds the last message meant for it). Without it, a parent that still has one
   * is refused with a message saying so.
   */
  readonly retireLegacyDownlink?: boolean;
}

/**
 * Creates a tier's federation streams or brings them to the generated definition (a new
 * child's DOWNLINK_<child>, a new source on UPLINK_AGG) on the running server: adding a child never
 * needs a restart of its parent. Limits retention (sourcing from other retentions is undefined
 * before 2.14), file storage, a day's de-duplication window by `Nats-Msg-Id`.
 */
export async function applyStreams(jsm: JetStreamManager, streams: readonly FederationStream[], opts: ApplyOptions = {}): Promise<ProvisionResult> {
  const result: ProvisionResult = { created: [], updated: [], unchanged: [], removed: [] };
  if (streams.some((s) => s.name.startsWith(`${LEGACY_DOWNLINK}_`) && s.name !== 'DOWNLINK_IN')) {
    const legacy = await jsm.streams.info(LEGACY_DOWNLINK).catch(() => undefined);
    if (legacy) {
      if (!opts.retireLegacyDownlink) {
        throw new Error(
          `this tier still has the ${LEGACY_DOWNLINK} stream of earlier builds (${legacy.state.messages} messages), whose subjects each child's own DOWNLINK_<child> now takes: ` +
            'once every child has caught up (its DOWNLINK_IN holds the last message meant for it), apply again with --retire-legacy-downlink',
        );
      }
      await jsm.streams.delete(LEGACY_DOWNLINK);
      result.removed.push(LEGACY_DOWNLINK);
    }
  }
  for (const def of streams) {
    const config: Partial<StreamConfig> & { name: string } = {
      name: def.name,
      retention: RetentionPolicy.Limits,
      storage: StorageType.File,
      discard: DiscardPolicy.Old,
      max_age: def.max_age,
      duplicate_window: Math.min(DAY_NS, def.max_age),
      num_replicas: 1,
      ...(def.subjects && { subjects: def.subjects }),
      ...(def.sources && { sources: def.sources }),
    };
    const existing = await jsm.streams.info(def.name).catch(() => undefined);
    if (!existing) {
      await jsm.streams.add(config);
      result.created.push(def.name);
    } else if (differs(existing.config, def)) {
      await jsm.streams.update(def.name, config);
      result.updated.push(def.name);
    } else {
      result.unchanged.push(def.name);
    }
  }
  return result;
}

function differs(current: StreamConfig, wanted: FederationStream): boolean {
  const subjects = (s: readonly string[] | undefined) => JSON.stringify([...(s ?? [])].sort());
  const sources = (s: readonly { name: string; filter_subject?: string; external?: { api: string; deliver?: string } }[] | undefined) =>
    JSON.stringify((s ?? []).map((x) => `${x.name}|${x.filter_subject ?? ''}|${x.external?.api ?? ''}|${x.external?.deliver ?? ''}`).sort());
  return (
    current.max_age !== wanted.max_age ||
    (wanted.subjects !== undefined && subjects(current.subjects) !== subjects(wanted.subjects)) ||
    sources(current.sources) !== sources(wanted.sources)
  );
}

/** Reads a streams.json written by the federation CLI, refusing anything that is not a list of stream definitions. */
export function parseStreamsFile(text: string, name = 'streams.json'): FederationStream[] {
  const value: unknown = JSON.parse(text);
  const ok =
    Array.isArray(value) &&
    value.every(
      (s: unknown) =>
        typeof s === 'object' && s !== null && typeof (s as FederationStream).name === 'string' && typeof (s as FederationStream).max_age === 'number',
    );
  if (!ok) throw new Error(`${name}: expected a JSON list of streams, each with a name and a max_age`);
  return value as FederationStream[];
}
