import { namespace, streamName, Streams } from './subjects';

/**
 * The names of the federation's streams, subjects and JetStream domains (the topology itself is
 * libs/messaging's `federation/topology.ts`, which builds from these). Like every other subject and
 * stream name, they are built here and nowhere else.
 */

/** Each child's stream of what it forwards up. */
export const UPLINK = 'UPLINK';
/** Each parent's stream that sources every direct child's UPLINK. */
export const UPLINK_AGGREGATE = 'UPLINK_AGG';
/** Each child's stream that sources its own `DOWNLINK_<child>` at the parent. */
export const DOWNLINK_IN = 'DOWNLINK_IN';
/** Each child's stream that sources its own `BASEDATA_TO_<child>` at the parent. */
export const BASEDATA_IN = 'BASEDATA_IN';

/** JetStream domain of a tier (`d<code>`, as JETSTREAM_DOMAIN in the deployments): unique, and free of `.`, `*`, `>` (and of `-`, kept out for the API prefixes). */
export function jetstreamDomainOf(code: string): string {
  if (!/^\d{6}(?:\d{3}(?:\d{3}(?:-\d{2})?)?)?$/.test(code)) throw new RangeError(`not an org unit code: ${code}`);
  return `d${code.replace('-', '_')}`;
}

/** The parent's stream of what goes down to one child. */
export function downlinkStreamOf(child: string): string {
  jetstreamDomainOf(child); // an org unit code
  return `DOWNLINK_${child.replace('-', '_')}`;
}

/** The parent's stream of the base data records that go down to one child's subtree. */
export function baseDataDownStreamOf(child: string): string {
  jetstreamDomainOf(child); // an org unit code
  return `BASEDATA_TO_${child.replace('-', '_')}`;
}

/** The child of a `BASEDATA_TO_<child>` stream name, or undefined for any other name. */
export function childOfBaseDataDownStream(name: string): string | undefined {
  const m = /^BASEDATA_TO_(\d{9}|\d{12}|\d{12}_\d{2})$/.exec(name);
  return m ? m[1]!.replace('_', '-') : undefined;
}

/** A tier's stream of base data records: `Streams.baseDataRecords` in the tier's namespace, as base-data names it. */
export function baseDataStreamOf(tier: string): string {
  jetstreamDomainOf(tier); // an org unit code
  return streamName(namespace(tier), Streams.baseDataRecords);
}

/** Everything a tier forwards up: `gm.<code>.uplink.>`. */
export const uplinkSubject = (code: string) => `gm.${code}.uplink.>`;
/** What came up from any child, in a parent's `UPLINK_AGG` (each child's own subject space). */
export const UPLINK_FROM_ANY_CHILD = 'gm.*.uplink.>';
/** One uplink event type from any child: `gm.*.uplink.kpi-increments.v1` for `gm.uplink.kpi-increments.v1`. */
export function uplinkEventFromAnyChild(eventType: string): string {
  if (!eventType.startsWith('gm.uplink.')) throw new Error(`not an uplink event type: ${eventType}`);
  return `gm.*.uplink.${eventType.slice('gm.uplink.'.length)}`;
}
/** Where the sourcing consumers of a child's two links deliver: in the child's own subject space, so that no other child can receive it. */
export const sourceDeliverPrefix = (child: string) => `gm.${child}.sourced`;
/** What a parent sends down to one child: `gm.<child>.downlink.>`. */
export const downlinkSubject = (child: string) => `gm.${child}.downlink.>`;
/** Base data records of any keeping tier (each record keeps its keeper's subject space). */
export const BASEDATA_OF_ANY_TIER = 'gm.*.basedata.>';

/** Every event of one aggregate, unscoped (`gm.case.>`): a consumer's filter within its tier's stream. */
export function eventsOf(aggregate: 'case' | 'resident' | 'worker'): string {
  return `gm.${aggregate}.>`;
}
