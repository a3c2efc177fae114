import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyStreamsFile, childrenOf, jetstreamDomainOf, leafUserOf, natsServerConfig, tierStreams, type FederationTier } from '@gm/messaging';
import { NATS_SERVER_BINARY } from './nats';
import { freePort, portAnswers, spawnProcess, waitFor, type Spawned } from './process-utils';

export interface FederatedNats {
  readonly code: string;
  readonly parent: string | null;
  /** Client URL for this tier's services, with their credentials. */
  readonly url: string;
  readonly clientPort: number;
  readonly domain: string;
  /** The user and password this tier's server authenticates with on its parent (leafnode), and the parent's client URL. */
  readonly leaf: { readonly user: string; readonly password: string; readonly parentClientUrl: string } | null;
  readonly running: boolean;
  /** This tier's generated streams.json (what the deploy step `apply-streams` applies). */
  readonly streamsFile: string;
  /** The passwords of the department users of this tier (`opts.departments`), by department. */
  readonly departmentPasswords: Readonly<Record<string, string>>;
  stop(): Promise<void>;
  start(): Promise<void>;
}

export interface TestFederation {
  readonly tiers: ReadonlyMap<string, FederatedNats>;
  tier(code: string): FederatedNats;
  close(): Promise<void>;
}

/**
 * One nats-server process per tier on loopback, configured from the org tree exactly as
 * deploy/local federation.js generates it (own JetStream domain, leafnode remote to the parent,
 * a leaf user per child with its permissions), with the federation streams applied.
 */
export async function startFederation(
  tiers: readonly FederationTier[],
  opts: {
    /** Tiers whose streams are left to the test (the deploy step `apply-streams`) instead of being applied here. */
    selfProvisioned?: readonly string[];
    /** Departments whose systems get a NATS user at every tier (ADR 0014). */
    departments?: readonly string[];
  } = {},
  attempt = 1,
): Promise<TestFederation> {
  const dir = mkdtempSync(join(tmpdir(), 'gm-fed-'));
  const children = childrenOf(tiers);
  const services = randomBytes(12).toString('hex');
  const leaf: Record<string, string> = Object.fromEntries(tiers.map((t) => [t.code, randomBytes(12).toString('hex')]));
  const ports = new Map<string, { client: number; leaf?: number }>();
  for (const t of tiers) ports.set(t.code, { client: await freePort(), ...(children.get(t.code)!.length > 0 && { leaf: await freePort() }) });

  const servers = new Map<string, FederatedNats>();
  const departments: Record<string, string> = Object.fromEntries((opts.departments ?? []).map((d) => [d, randomBytes(12).toString('hex')]));
  for (const t of tiers) {
    const p = ports.get(t.code)!;
    const conf = join(dir, `${t.code}.conf`);
    writeFileSync(
      conf,
      natsServerConfig({
        tier: t,
        children: children.get(t.code)!,
        ports: { client: p.client, leaf: p.leaf },
        parentLeafUrl: t.parent ? `nats-leaf://127.0.0.1:${ports.get(t.parent)!.leaf}` : undefined,
        storeDir: join(dir, `${t.code}-js`),
        passwords: { services, children: leaf, uplink: leaf[t.code], departments },
      }),
    );
    const streamsFile = join(dir, `${t.code}.streams.json`);
    writeFileSync(streamsFile, JSON.stringify(tierStreams(t, children.get(t.code)!), null, 2));
    let proc: Spawned | undefined;
    const server: FederatedNats = {
      streamsFile,
      departmentPasswords: departments,
      code: t.code,
      parent: t.parent,
      url: `nats://services:${services}@127.0.0.1:${p.client}`,
      clientPort: p.client,
      domain: jetstreamDomainOf(t.code),
      leaf: t.parent ? { user: leafUserOf(t.code), password: leaf[t.code]!, parentClientUrl: `nats://127.0.0.1:${ports.get(t.parent)!.client}` } : null,
      get running() {
        return proc !== undefined;
      },
      async start() {
        const started = spawnProcess(NATS_SERVER_BINARY(), ['-c', conf]);
        proc = started;
        try {
          await waitFor(`nats-server of tier ${t.code}`, () => portAnswers(p.client));
        } catch (err) {
          const said = (started.child as { lastStderr?: () => string }).lastStderr?.().trim();
          await started.stop('SIGKILL');
          proc = undefined;
          throw new Error(`${(err as Error).message}${said ? `; it said: ${said.slice(-600)}` : ''}`);
        }
      },
      async stop() {
        if (!proc) return;
        await proc.stop();
        proc = undefined;
        await waitFor(`nats-server of tier ${t.code} to stop`, async () => !(await portAnswers(p.client)));
      },
    };
    servers.set(t.code, server);
  }
  const closeAll = async () => {
    for (const s of servers.values()) await s.stop().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (const s of servers.values()) await s.start();
  } catch (err) {
    // Nothing left running. A port picked as free can be taken before its server binds it (by an
    // outgoing connection's ephemeral port, say): try again with fresh ports.
    await closeAll();
    if (attempt >= 3) throw err;
    return startFederation(tiers, opts, attempt + 1);
  }
  try {
    for (const t of tiers) {
      if (opts.selfProvisioned?.includes(t.code)) continue;
      const s = servers.get(t.code)!;
      await applyStreamsFile({ file: s.streamsFile, servers: [s.url], domain: jetstreamDomainOf(t.code), waitMs: 30_000, retryEveryMs: 200 });
    }
  } catch (err) {
    await closeAll();
    throw err;
  }
  return {
    tiers: servers,
    tier(code) {
      const s = servers.get(code);
      if (!s) throw new Error(`no tier ${code} in this federation`);
      return s;
    },
    close: closeAll,
  };
}

/** The demo users' chain of tiers (libs/auth demoUsers): district → street → community → grid -07. */
export const DEMO_CHAIN = { district: '350206', street: '350206001', community: '350206001001', grid: '350206001001-07' } as const;

/** The demo chain from `top` down to `bottom` as the tiers of a federation, `top` with no parent. */
export function demoChainTiers(top: keyof typeof DEMO_CHAIN = 'district', bottom: keyof typeof DEMO_CHAIN = 'grid'): FederationTier[] {
  const levels = Object.keys(DEMO_CHAIN) as (keyof typeof DEMO_CHAIN)[];
  const chain = levels.slice(levels.indexOf(top), levels.indexOf(bottom) + 1).map((l) => DEMO_CHAIN[l]);
  return chain.map((code, i) => ({ code, parent: i === 0 ? null : chain[i - 1]! }));
}
