import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP, type LookupFunction } from 'node:net';

/**
 * Where webhooks may go (ADR 0014): https to public addresses. Plain http, and addresses that are
 * private, loopback, link-local or otherwise not public, only for hosts the tier's allow-list names
 * (`WEBHOOK_ALLOW_HOSTS`: `host` or `host:port`, e.g. a department's system on the district's own
 * network, or a test's receiver). Checked when a subscription is saved and again on every connection
 * (the name may resolve elsewhere by then).
 */
const NOT_PUBLIC = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  NOT_PUBLIC.addSubnet(net, prefix, 'ipv4');
}
for (const [net, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const) {
  NOT_PUBLIC.addSubnet(net, prefix, 'ipv6');
}

export function isPublicAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return !NOT_PUBLIC.check(address, 'ipv4');
  if (family === 6) {
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
    if (mapped) return !NOT_PUBLIC.check(mapped[1]!, 'ipv4');
    return !NOT_PUBLIC.check(address, 'ipv6');
  }
  return false;
}

export class WebhookTargets {
  private readonly allow: ReadonlySet<string>;

  constructor(allowHosts: readonly string[]) {
    this.allow = new Set(allowHosts.map((h) => h.trim().toLowerCase()).filter(Boolean));
  }

  /** Whether the allow-list names this URL's host (alone, or with the URL's port). */
  allowed(url: URL): boolean {
    const host = hostOf(url);
    return this.allow.has(host) || this.allow.has(`${host}:${portOf(url)}`);
  }

  /** Why this URL may not receive webhooks, or undefined when it may. */
  async problem(raw: string): Promise<string | undefined> {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      return 'not a URL';
    }
    if (url.username || url.password) return 'the URL may not carry a user name or password (deliveries are signed instead)';
    if (url.hash) return 'the URL may not have a #fragment';
    const allowed = this.allowed(url);
    if (url.protocol !== 'https:' && !(url.protocol === 'http:' && allowed)) return `must be https (http only for hosts this tier allows: WEBHOOK_ALLOW_HOSTS)`;
    if (allowed) return undefined;
    const host = hostOf(url);
    const addresses = isIP(host) ? [host] : await resolveAll(host);
    if (addresses === undefined || addresses.length === 0) return `the host ${host} does not resolve`;
    const blocked = addresses.find((a) => !isPublicAddress(a));
    return blocked ? `the host resolves to ${blocked}, a private or loopback address this tier does not allow (WEBHOOK_ALLOW_HOSTS)` : undefined;
  }

  /** A `lookup` for outgoing connections that refuses non-public addresses unless the host is allowed. */
  lookupFor(url: URL): LookupFunction | undefined {
    if (this.allowed(url)) return undefined;
    return ((hostname: string, options: object, callback: (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void) => {
      dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
        if (err) return callback(err, '', 0);
        const list = addresses as LookupAddress[];
        const blocked = list.find((a) => !isPublicAddress(a.address));
        if (blocked) {
          const refused = Object.assign(new Error(`refused: ${hostname} resolves to a non-public address`), { code: 'EADDRNOTALLOWED' });
          return callback(refused, '', 0);
        }
        if ((options as { all?: boolean }).all) return callback(null, list);
        return callback(null, list[0]!.address, list[0]!.family);
      });
    }) as LookupFunction;
  }
}

function hostOf(url: URL): string {
  return url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
}

function portOf(url: URL): string {
  return url.port || (url.protocol === 'https:' ? '443' : '80');
}

function resolveAll(host: string): Promise<string[] | undefined> {
  return new Promise((resolve) => dnsLookup(host, { all: true }, (err, addresses) => resolve(err ? undefined : addresses.map((a) => a.address))));
}
