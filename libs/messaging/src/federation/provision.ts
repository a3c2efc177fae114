import { DiscardPolicy, RetentionPolicy, StorageType, type JetStreamManager, type StreamConfig } from '@nats-io/jetstream';
import type { FederationStream } from './topology';

const DAY_NS = 24 * 60 * 60 * 1e9;

export interface ProvisionResult {
  readonly created: string[];
  readonly updated: string[];
  readonly unchanged: string[];
  /** Streams of an earlier layout that were removed (`retireLegacyDownlink`). */
  readonly removed: string[];
  /**
   * Streams not created because a legacy `DOWNLINK` still holds their subjects (without
   * `retireLegacyDownlink`); every other stream was applied. Empty when nothing is held back.
   */
  readonly blocked: string[];
  /** Why `blocked` is not empty, and what to do. */
  readonly blockedBecause?: string;
}

/** The one down stream a parent held for all its children before each child got its own (`DOWNLINK_<child>`). */
export const LEGACY_DOWNLINK = 'DOWNLINK';

export interface ApplyOptions {
  /**
   * Remove a legacy `DOWNLINK` stream, whose subjects the per-child streams take over. Its
   * messages are gone with it: give it only once every child has caught up (each child's
   * `DOWNLINK_IN` holds the last message meant for it). Without it, the per-child down streams of
   * a parent that still has one are held back (`blocked`, with the reason); the rest is applied.
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
  const result: { -readonly [K in keyof ProvisionResult]: ProvisionResult[K] } = { created: [], updated: [], unchanged: [], removed: [], blocked: [] };
  const perChild = (name: string) => name.startsWith(`${LEGACY_DOWNLINK}_`) && name !== 'DOWNLINK_IN';
  let holdBack = false;
  if (streams.some((s) => perChild(s.name))) {
    const legacy = await streamInfo(jsm, LEGACY_DOWNLINK);
    if (legacy && opts.retireLegacyDownlink) {
      await jsm.streams.delete(LEGACY_DOWNLINK);
      result.removed.push(LEGACY_DOWNLINK);
    } else if (legacy) {
      holdBack = true;
      result.blockedBecause =
        `this tier still has the ${LEGACY_DOWNLINK} stream of earlier builds (${legacy.state.messages} messages), whose subjects each child's own DOWNLINK_<child> now takes: ` +
        "stop this tier's services, let every child catch up (its DOWNLINK_IN holds the last message meant for it), then apply with --retire-legacy-downlink";
    }
  }
  for (const def of streams) {
    if (holdBack && perChild(def.name) && !(await streamInfo(jsm, def.name))) {
      result.blocked.push(def.name);
      continue;
    }
    const config: Partial<StreamConfig> & { name: string } = {
      name: def.name,
      retention: RetentionPolicy.Limits,
      storage: StorageType.File,
      discard: DiscardPolicy.Old,
      max_age: def.max_age,
      // No age limit (0): keep a day's window of message ids, as with any other stream.
      duplicate_window: def.max_age === 0 ? DAY_NS : Math.min(DAY_NS, def.max_age),
      ...(def.max_msgs_per_subject !== undefined && { max_msgs_per_subject: def.max_msgs_per_subject }),
      num_replicas: 1,
      ...(def.subjects && { subjects: def.subjects }),
      ...(def.sources && { sources: def.sources }),
    };
    const existing = await streamInfo(jsm, def.name);
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

/** The stream's info, or undefined when there is no such stream (any other failure is thrown). */
async function streamInfo(jsm: JetStreamManager, name: string) {
  try {
    return await jsm.streams.info(name);
  } catch (err) {
    if (/stream not found/i.test(String(err instanceof Error ? err.message : err))) return undefined;
    throw err;
  }
}

function differs(current: StreamConfig, wanted: FederationStream): boolean {
  const subjects = (s: readonly string[] | undefined) => JSON.stringify([...(s ?? [])].sort());
  const sources = (s: readonly { name: string; filter_subject?: string; external?: { api: string; deliver?: string } }[] | undefined) =>
    JSON.stringify((s ?? []).map((x) => `${x.name}|${x.filter_subject ?? ''}|${x.external?.api ?? ''}|${x.external?.deliver ?? ''}`).sort());
  return (
    current.max_age !== wanted.max_age ||
    (wanted.max_msgs_per_subject !== undefined && current.max_msgs_per_subject !== wanted.max_msgs_per_subject) ||
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
