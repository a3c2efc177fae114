/**
 * The NATS topology of a federation of tier instances, generated from the org tree: one
 * nats-server per tier with its own JetStream domain; each child connects to its parent as a
 * leafnode, authenticated as a user of the parent's tier account whose permissions allow only
 * what the child needs (ADR 0006); persistent data crosses tiers only through streams:
 *
 * - `UPLINK` at each child (Limits retention, bounded by age): what it forwards up;
 * - `UPLINK_AGG` at each parent: no subjects of its own, it *sources* every direct child's UPLINK
 *   through the child's domain, so a cut link only delays;
 * - `DOWNLINK_<child>` at each parent, one per child, with that child's subject space
 *   (`gm.<child>.downlink.>`);
 * - `DOWNLINK_IN` at each child: sources its own `DOWNLINK_<child>` at the parent (no filter);
 * - `BASEDATA_<tier>` at every tier: the versions of the base data records it keeps
 *   (`gm.<tier>.basedata.>`, the newest 64 per record, no age limit) and, sourced, its children's
 *   `BASEDATA_<child>`: a tier's stream holds its whole subtree's records (ADR 0012);
 * - `BASEDATA_TO_<child>` at each parent, one per child: what goes down to that child's subtree,
 *   taken by *local* filtered sources (subject tokens `<street>.<community>.<grid>` route a record,
 *   `baseDataRouteFilter`) from the parent's own publishes in `BASEDATA_<parent>` (an import split
 *   down, or a keeper's versions for its grids) and from what came down to the parent itself;
 * - `BASEDATA_IN` at each child: sources its own `BASEDATA_TO_<child>` at the parent (no filter).
 *
 * One down stream per child, not one with a filtered source per child, for two reasons. A child's
 * leaf user may create consumers on its own stream only, so it cannot read a sibling's part with a
 * filter of its choosing. And nats-server 2.9 checks an external source's filter against a *local*
 * stream of the same name: a middle tier, holding its own down stream for its children, lost its
 * `DOWNLINK_IN` whenever its server restarted ("filter subject does not overlap", seen with
 * `npm start` run twice; `test/e2e/federation.e2e-spec.ts` restarts the community and checks that
 * results still come down).
 *
 * Pure: it returns configuration text and stream definitions; applying them is the caller's job.
 */
import {
  BASEDATA_IN,
  baseDataDownStreamOf,
  baseDataRouteFilter,
  baseDataStreamOf,
  departmentFeed,
  DOWNLINK_IN,
  downlinkStreamOf,
  downlinkSubject,
  jetstreamDomainOf,
  namespace,
  scopedSubject,
  sourceDeliverPrefix,
  streamName,
  streamSubjects,
  Streams,
  UPLINK,
  UPLINK_AGGREGATE,
  uplinkSubject,
} from '@gm/contracts';

// The names are libs/contracts' (every subject and stream name is built there); re-exported for the topology's users.
export {
  BASEDATA_IN,
  baseDataDownStreamOf,
  baseDataStreamOf,
  childOfBaseDataDownStream,
  DOWNLINK_IN,
  downlinkStreamOf,
  downlinkSubject,
  jetstreamDomainOf,
  sourceDeliverPrefix,
  UPLINK,
  UPLINK_AGGREGATE,
  uplinkSubject,
} from '@gm/contracts';

/** A tier of the federation: its org unit code and its parent's (null for the top tier). */
export interface FederationTier {
  readonly code: string;
  readonly parent: string | null;
}

export interface TierPorts {
  readonly client: number;
  /** Where this tier accepts its children's leafnode connections (absent for a tier without children). */
  readonly leaf?: number | undefined;
}

export const TIER_ACCOUNT = 'TIER';
export const SYSTEM_ACCOUNT = 'SYS';
const DAY_NS = 24 * 60 * 60 * 1e9;

/** The leafnode user a child authenticates as on its parent. */
export function leafUserOf(child: string): string {
  return `leaf_${child.replace('-', '_')}`;
}


/**
 * What a child's leafnode user may do on its parent. Publish = what the child may send up;
 * subscribe = what the parent may send down to it. Besides the child's own subject space, only the
 * JetStream traffic of the two source relations: the parent's consumer on the child's UPLINK and
 * the child's consumer on its own down stream at the parent (`DOWNLINK_<child>`).
 */
export function leafPermissions(child: string, parent: string): { publish: string[]; publishDeny: string[]; subscribe: string[] } {
  const childApi = `$JS.${jetstreamDomainOf(child)}.API`;
  const parentApi = `$JS.${jetstreamDomainOf(parent)}.API`;
  const down = downlinkStreamOf(child);
  const baseDataDown = baseDataDownStreamOf(child);
  return {
    publish: [
      // its own subjects, among them the deliveries of the parent's source on its UPLINK (`gm.<child>.sourced.…`)
      `gm.${child}.>`,
      // the child's reads of the attachments of the tiers above it (answered in the child's space)
      `gm.${parent}.attachment.up.${child}.v1`,
      // replies to the parent's consumer requests
      '$JSC.R.>',
      // the child's own source on its down stream at the parent: create its consumer, ack and flow control
      `${parentApi}.CONSUMER.CREATE.${down}`,
      `${parentApi}.CONSUMER.CREATE.${down}.>`,
      `$JS.ACK.${down}.>`,
      `$JS.FC.${down}.>`,
      // and on its base data down stream there (`BASEDATA_TO_<child>`), its own and no other
      `${parentApi}.CONSUMER.CREATE.${baseDataDown}`,
      `${parentApi}.CONSUMER.CREATE.${baseDataDown}.>`,
      `$JS.ACK.${baseDataDown}.>`,
      `$JS.FC.${baseDataDown}.>`,
    ],
    // What the parent sends down to this child is the parent's to write: the child may not fill its own down stream there.
    publishDeny: [downlinkSubject(child)],
    subscribe: [
      // its own subjects, among them the deliveries of its source on its down stream at the parent
      `gm.${child}.>`,
      `${childApi}.CONSUMER.CREATE.${UPLINK}`,
      `${childApi}.CONSUMER.CREATE.${UPLINK}.>`,
      `$JS.ACK.${UPLINK}.>`,
      `$JS.FC.${UPLINK}.>`,
      // the parent's source on the child's base data records
      `${childApi}.CONSUMER.CREATE.${baseDataStreamOf(child)}`,
      `${childApi}.CONSUMER.CREATE.${baseDataStreamOf(child)}.>`,
      `$JS.ACK.${baseDataStreamOf(child)}.>`,
      `$JS.FC.${baseDataStreamOf(child)}.>`,
      '$JSC.R.>',
    ],
  };
}

/** The NATS user of a department's system at a tier (ADR 0014). */
export function departmentUserOf(department: string): string {
  departmentFeed(department); // a department code
  return `dept_${department}`;
}

/** The reply-subject prefix a department's client must use (nats.js `inboxPrefix`): its own, which no other department may read. */
export function departmentInboxPrefix(department: string): string {
  return `_INBOX_${departmentUserOf(department)}`;
}

/**
 * What a department's system may do at a tier: read its own feed stream (`DEPT_<department>_<tier>`)
 * through consumers of its own (durable or not, from any sequence or time), and nothing else: no
 * other stream, no subject of the tier's services, no publishing.
 */
export function departmentPermissions(tier: string, department: string): { publish: string[]; subscribe: string[] } {
  const stream = streamName(namespace(tier), departmentFeed(department));
  return {
    publish: [
      '$JS.API.INFO',
      `$JS.API.STREAM.INFO.${stream}`,
      `$JS.API.CONSUMER.CREATE.${stream}`,
      `$JS.API.CONSUMER.CREATE.${stream}.>`,
      `$JS.API.CONSUMER.DURABLE.CREATE.${stream}.>`,
      `$JS.API.CONSUMER.INFO.${stream}.>`,
      `$JS.API.CONSUMER.DELETE.${stream}.>`,
      `$JS.API.CONSUMER.NAMES.${stream}`,
      `$JS.API.CONSUMER.LIST.${stream}`,
      `$JS.API.CONSUMER.MSG.NEXT.${stream}.>`,
      `$JS.ACK.${stream}.>`,
    ],
    subscribe: [`${departmentInboxPrefix(department)}.>`],
  };
}

export interface ServerConfigInput {
  readonly tier: FederationTier;
  readonly children: readonly string[];
  readonly ports: TierPorts;
  /** The parent's leafnode port, for a tier with a parent. */
  readonly parentLeafUrl?: string | undefined;
  readonly storeDir: string;
  /** Passwords: the services' user of this tier, and each child's leaf user (by child code); this tier's own leaf password on its parent. */
  readonly passwords: {
    readonly services: string;
    readonly children: Readonly<Record<string, string>>;
    readonly uplink?: string | undefined;
    /** The departments whose systems connect to this tier, each with its password (ADR 0014). */
    readonly departments?: Readonly<Record<string, string>> | undefined;
    /**
     * The `system` user of the system account (monitoring, `nats server` requests), with a password
     * of its own (ADR 0017). Without it the services' password is used, as before: tests only.
     */
    readonly system?: string | undefined;
  };
  /**
   * TLS on the leafnode links (ADR 0017), file paths as the server sees them: `cert` and `key` of
   * this tier's leafnode listener (a tier with children), and `ca`, the authority that signed the
   * parent's listener certificate, which the remote to the parent verifies (a tier with a parent).
   * Without it the links are plain TCP, as before.
   */
  readonly leafTls?: { readonly cert?: string | undefined; readonly key?: string | undefined; readonly ca?: string | undefined } | undefined;
  readonly host?: string;
  /** Lines added at the top level (e.g. `http: 0.0.0.0:8222` for probes) and inside `jetstream { }` (e.g. `sync_interval: always`). */
  readonly extra?: { readonly top?: readonly string[]; readonly jetstream?: readonly string[] };
}

/** A password given as `$NAME` is written as a reference to that environment variable of the server (nats-server resolves it at start), so the file holds no secret. */
const VARIABLE = /^\$[A-Z_][A-Z0-9_]*$/;

/** nats-server configuration text of one tier (2.9 syntax). */
export function natsServerConfig(input: ServerConfigInput): string {
  const { tier, children, ports, passwords } = input;
  const host = input.host ?? '127.0.0.1';
  const q = (s: string) => (VARIABLE.test(s) ? s : JSON.stringify(s));
  const users = [`      { user: "services", password: ${q(passwords.services)} }`];
  for (const child of children) {
    const password = passwords.children[child];
    if (!password) throw new Error(`no leaf password for child ${child}`);
    const p = leafPermissions(child, tier.code);
    users.push(
      `      { user: ${q(leafUserOf(child))}, password: ${q(password)}, permissions: { publish: { allow: ${JSON.stringify(p.publish)}, deny: ${JSON.stringify(p.publishDeny)} }, subscribe: { allow: ${JSON.stringify(p.subscribe)} } } }`,
    );
  }
  for (const [department, password] of Object.entries(passwords.departments ?? {})) {
    const p = departmentPermissions(tier.code, department);
    users.push(
      `      { user: ${q(departmentUserOf(department))}, password: ${q(password)}, permissions: { publish: { allow: ${JSON.stringify(p.publish)} }, subscribe: { allow: ${JSON.stringify(p.subscribe)} } } }`,
    );
  }
  const lines = [
    `# Tier ${tier.code}${tier.parent ? `, child of ${tier.parent}` : ' (top)'} — generated from the org tree; do not edit by hand.`,
    `server_name: ${q(`gm-${tier.code}`)}`,
    `listen: ${q(`${host}:${ports.client}`)}`,
    `jetstream { store_dir: ${q(input.storeDir)}, domain: ${q(jetstreamDomainOf(tier.code))}${(input.extra?.jetstream ?? []).map((l) => `, ${l}`).join('')} }`,
    ...(input.extra?.top ?? []),
    'accounts {',
    `  ${SYSTEM_ACCOUNT} { users: [ { user: "system", password: ${q(passwords.system ?? passwords.services)} } ] }`,
    `  ${TIER_ACCOUNT} {`,
    '    jetstream: enabled',
    '    users: [',
    users.join('\n'),
    '    ]',
    '  }',
    '}',
    `system_account: ${SYSTEM_ACCOUNT}`,
  ];
  const leaf: string[] = [];
  const tls = input.leafTls;
  if (children.length > 0) {
    if (ports.leaf === undefined) throw new Error(`tier ${tier.code} has children but no leaf port`);
    leaf.push(`  listen: ${q(`${host}:${ports.leaf}`)}`);
    if (tls) {
      if (!tls.cert || !tls.key) throw new Error(`tier ${tier.code} has children: leaf TLS needs its listener's cert and key`);
      // Children must speak TLS here; they still authenticate with their leaf user's password.
      leaf.push(`  tls { cert_file: ${q(tls.cert)}, key_file: ${q(tls.key)} }`);
    }
  }
  if (tier.parent) {
    if (!input.parentLeafUrl || !passwords.uplink) throw new Error(`tier ${tier.code} needs its parent's leaf URL and its uplink password`);
    if (tls && !tls.ca) throw new Error(`tier ${tier.code} has a parent: leaf TLS needs the CA that signed the parent's certificate`);
    // The parent's certificate is checked against this CA and against the URL's host name.
    const remoteTls = tls?.ca ? `, tls { ca_file: ${q(tls.ca)} }` : '';
    if (VARIABLE.test(input.parentLeafUrl)) {
      // The whole URL (with the leaf user's password) from the environment: nats-leaf://leaf_<code>:<password>@<parent>:7422 (tls:// with leaf TLS)
      leaf.push(`  remotes: [ { url: ${input.parentLeafUrl}, account: ${TIER_ACCOUNT}${remoteTls} } ]`);
    } else {
      const url = new URL(input.parentLeafUrl);
      url.username = leafUserOf(tier.code);
      url.password = passwords.uplink;
      leaf.push(`  remotes: [ { url: ${q(url.toString())}, account: ${TIER_ACCOUNT}${remoteTls} } ]`);
    }
  }
  if (leaf.length > 0) lines.push('leafnodes {', ...leaf, '}');
  return `${lines.join('\n')}\n`;
}

/** A stream definition in the shape of the JetStream API (the fields this topology uses). */
export interface FederationStream {
  readonly name: string;
  readonly subjects?: string[];
  readonly max_age: number;
  readonly max_msgs_per_subject?: number;
  /** Sources: another tier's stream through its domain (`external`), or a stream of this tier. */
  readonly sources?: { name: string; filter_subject?: string; external?: { api: string; deliver: string } }[];
}

/** The streams a tier needs, given its parent and children. */
export function tierStreams(tier: FederationTier, children: readonly string[], maxAgeDays = 30): FederationStream[] {
  const maxAge = maxAgeDays * DAY_NS;
  const streams: FederationStream[] = [];
  if (tier.parent) {
    streams.push({ name: UPLINK, subjects: [uplinkSubject(tier.code)], max_age: maxAge });
    streams.push({
      name: DOWNLINK_IN,
      max_age: maxAge,
      sources: [{ name: downlinkStreamOf(tier.code), external: { api: `$JS.${jetstreamDomainOf(tier.parent)}.API`, deliver: sourceDeliverPrefix(tier.code) } }],
    });
  }
  if (children.length > 0) {
    streams.push({
      name: UPLINK_AGGREGATE,
      max_age: maxAge,
      sources: children.map((c) => ({ name: UPLINK, external: { api: `$JS.${jetstreamDomainOf(c)}.API`, deliver: sourceDeliverPrefix(c) } })),
    });
    for (const c of children) streams.push({ name: downlinkStreamOf(c), subjects: [downlinkSubject(c)], max_age: maxAge });
  }
  const baseData = baseDataStreamOf(tier.code);
  const perRecord = { max_age: Streams.baseDataRecords.maxAgeMs * 1e6, max_msgs_per_subject: Streams.baseDataRecords.maxMsgsPerSubject };
  streams.push({
    name: baseData,
    subjects: streamSubjects(namespace(tier.code), Streams.baseDataRecords),
    ...perRecord,
    ...(children.length > 0 && {
      sources: children.map((c) => ({ name: baseDataStreamOf(c), external: { api: `$JS.${jetstreamDomainOf(c)}.API`, deliver: sourceDeliverPrefix(c) } })),
    }),
  });
  if (tier.parent) {
    streams.push({
      name: BASEDATA_IN,
      ...perRecord,
      sources: [{ name: baseDataDownStreamOf(tier.code), external: { api: `$JS.${jetstreamDomainOf(tier.parent)}.API`, deliver: sourceDeliverPrefix(tier.code) } }],
    });
  }
  for (const c of children) {
    // This tier's own publishes for the child's subtree, and what came down for it from above; never
    // the child's own records coming back (a source filter on this tier's subjects, not `gm.*`).
    const route = baseDataRouteFilter(c);
    streams.push({
      name: baseDataDownStreamOf(c),
      ...perRecord,
      sources: [
        { name: baseData, filter_subject: `${scopedSubject(namespace(tier.code), 'gm.basedata')}.${route}` },
        ...(tier.parent ? [{ name: BASEDATA_IN, filter_subject: `gm.*.basedata.${route}` }] : []),
      ],
    });
  }
  return streams;
}

/** Direct children of each tier of a selection, checking that every parent named is in it. */
export function childrenOf(tiers: readonly FederationTier[]): Map<string, string[]> {
  const codes = new Set(tiers.map((t) => t.code));
  const children = new Map<string, string[]>(tiers.map((t) => [t.code, []]));
  for (const t of tiers) {
    if (t.parent === null) continue;
    if (!codes.has(t.parent)) throw new Error(`tier ${t.code} names parent ${t.parent}, which is not in the federation`);
    children.get(t.parent)!.push(t.code);
  }
  return children;
}
