/**
 * Generates the NATS side of a federation of tier instances from the org tree:
 *
 *   node deploy/local/dist/federation.js --org-units .local/district/org-units.csv --out .local/federation \
 *     [--tiers 350206,350206001,350206001001,350206001001-01,350206001001-02] [--host 127.0.0.1] [--base-port 14222]
 *
 * For each tier: `<out>/<code>/nats.conf` (its own JetStream domain, a leafnode listener for its
 * children and a remote to its parent, a permission-limited leaf user per child) and
 * `<out>/<code>/streams.json` (the UPLINK/UPLINK_AGG/DOWNLINK/DOWNLINK_IN definitions to apply);
 * `<out>/credentials.json` (mode 0600) holds the generated passwords. Without `--tiers`: the chain
 * district → first street → its first community → that community's first two grids.
 * Existing passwords in `<out>/credentials.json` are kept, so that re-running after adding a tier
 * changes only what the new tier touches.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { childrenOf, jetstreamDomainOf, natsServerConfig, tierStreams, type FederationTier } from '@gm/messaging';

interface Options {
  orgUnits: string;
  out: string;
  tiers?: string[];
  host: string;
  basePort: number;
}

interface OrgRow {
  code: string;
  level: string;
  parent: string | null;
}

function parseArgs(argv: string[]): Options {
  const get = (name: string) => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const orgUnits = get('org-units');
  const out = get('out');
  if (!orgUnits || !out) {
    throw new Error('usage: federation --org-units FILE.csv --out DIR [--tiers CODE,CODE,…] [--host 127.0.0.1] [--base-port 14222]');
  }
  const basePort = Number(get('base-port') ?? 14222);
  if (!Number.isInteger(basePort) || basePort < 1024 || basePort > 60000) throw new Error('--base-port must be a whole number from 1024 to 60000');
  const tiers = get('tiers')?.split(',').map((s) => s.trim()).filter(Boolean);
  return { orgUnits, out, host: get('host') ?? '127.0.0.1', basePort, ...(tiers && { tiers }) };
}

/** The org units file of the generator and of system-admin's import: `code,name,level,parent_code`. */
function readOrgUnits(file: string): Map<string, OrgRow> {
  const lines = readFileSync(file, 'utf8').trim().split(/\r?\n/);
  const header = lines.shift()?.split(',') ?? [];
  const col = (name: string) => {
    const i = header.indexOf(name);
    if (i < 0) throw new Error(`${file}: no column ${name}`);
    return i;
  };
  const [code, level, parent] = [col('code'), col('level'), col('parent_code')];
  const rows = new Map<string, OrgRow>();
  for (const line of lines) {
    const cells = line.split(',');
    rows.set(cells[code]!, { code: cells[code]!, level: cells[level]!, parent: cells[parent] || null });
  }
  return rows;
}

function defaultChain(units: Map<string, OrgRow>): string[] {
  const all = [...units.values()];
  const childrenOfUnit = (code: string) => all.filter((u) => u.parent === code).map((u) => u.code).sort();
  const district = all.find((u) => u.level === 'district');
  if (!district) throw new Error('the org units hold no district');
  const street = childrenOfUnit(district.code)[0];
  const community = street ? childrenOfUnit(street)[0] : undefined;
  if (!street || !community) throw new Error('the district has no street with a community');
  return [district.code, street, community, ...childrenOfUnit(community).slice(0, 2)];
}

function main(): void {
  const opts = parseArgs(process.argv.slice(2));
  const units = readOrgUnits(opts.orgUnits);
  const codes = opts.tiers ?? defaultChain(units);
  const tiers: FederationTier[] = codes.map((code) => {
    const unit = units.get(code);
    if (!unit) throw new Error(`tier ${code} is not in ${opts.orgUnits}`);
    // A tier's parent in the federation is its org-tree parent when that one is a tier too.
    return { code, parent: unit.parent && codes.includes(unit.parent) ? unit.parent : null };
  });
  if (tiers.filter((t) => t.parent === null).length !== 1) throw new Error('the tiers must form one tree: exactly one of them without its parent among them');
  const children = childrenOf(tiers);

  mkdirSync(opts.out, { recursive: true });
  const credentialsFile = join(opts.out, 'credentials.json');
  const credentials: Record<string, { services: string; uplink?: string }> = existsSync(credentialsFile)
    ? (JSON.parse(readFileSync(credentialsFile, 'utf8')) as Record<string, { services: string; uplink?: string }>)
    : {};
  const secret = () => randomBytes(18).toString('base64url');
  for (const t of tiers) {
    credentials[t.code] ??= { services: secret() };
    if (t.parent) credentials[t.code]!.uplink ??= secret();
  }

  const ports = new Map(tiers.map((t, i) => [t.code, { client: opts.basePort + i * 10, leaf: opts.basePort + i * 10 + 1 }]));
  for (const t of tiers) {
    const kids = children.get(t.code)!;
    const dir = join(opts.out, t.code);
    mkdirSync(dir, { recursive: true });
    const p = ports.get(t.code)!;
    const conf = natsServerConfig({
      tier: t,
      children: kids,
      ports: { client: p.client, ...(kids.length > 0 && { leaf: p.leaf }) },
      parentLeafUrl: t.parent ? `nats-leaf://${opts.host}:${ports.get(t.parent)!.leaf}` : undefined,
      storeDir: join(dir, 'jetstream'),
      passwords: {
        services: credentials[t.code]!.services,
        children: Object.fromEntries(kids.map((k) => [k, credentials[k]!.uplink!])),
        uplink: credentials[t.code]!.uplink,
      },
      host: opts.host,
    });
    writeFileSync(join(dir, 'nats.conf'), conf, { mode: 0o600 });
    writeFileSync(join(dir, 'streams.json'), `${JSON.stringify(tierStreams(t, kids), null, 2)}\n`);
    process.stdout.write(
      `${t.code.padEnd(16)} ${(units.get(t.code)!.level).padEnd(9)} domain ${jetstreamDomainOf(t.code).padEnd(17)} nats://${opts.host}:${p.client}` +
        `${kids.length > 0 ? `  leaf :${p.leaf} ← ${kids.join(', ')}` : ''}${t.parent ? `  → ${t.parent}` : ''}\n`,
    );
  }
  writeFileSync(credentialsFile, `${JSON.stringify(credentials, null, 2)}\n`, { mode: 0o600 });
  process.stdout.write(`wrote ${tiers.length} tiers to ${opts.out} (start each with: nats-server -c ${join(opts.out, '<code>', 'nats.conf')})\n`);
}

try {
  main();
} catch (err) {
  process.stderr.write(`federation: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(2);
}
