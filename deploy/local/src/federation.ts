/**
 * Generates the NATS side of a federation of tier instances from the org tree:
 *
 *   node deploy/local/dist/federation.js --org-units .local/district/org-units.csv --out .local/federation \
 *     [--tiers 350206,350206001,350206001001,350206001001-01,350206001001-02] [--host 127.0.0.1] [--base-port 14222] [--tls]
 *
 * For each tier: `<out>/<code>/nats.conf` (its own JetStream domain, a leafnode listener for its
 * children and a remote to its parent, a permission-limited leaf user per child) and
 * `<out>/<code>/streams.json` (the UPLINK/UPLINK_AGG/DOWNLINK_<child>/DOWNLINK_IN definitions to apply);
 * `<out>/credentials.json` (mode 0600) holds the generated passwords, among them one per department of
 * the category catalogue at every tier: its system connects as `dept_<department>` and reads its own
 * feed stream only (ADR 0014), and the system account's own `system` user (ADR 0017). Without
 * `--tiers`: the chain district → first street → its first community → that community's first two grids.
 * Existing passwords in `<out>/credentials.json` are kept, so that re-running after adding a tier
 * changes only what the new tier touches. `<out>/tiers.json` lists the tiers with their URLs.
 *
 * `--tls`: the leafnode links speak TLS (ADR 0017). A local certificate authority is made once in
 * `<out>/tls/` (`ca.pem`, and `ca-key.pem` with mode 0600; kept across runs), and each tier with
 * children gets `<out>/<code>/leaf-cert.pem` and `leaf-key.pem` for its leafnode listener, for the
 * name `--host` (made again only when missing or issued for another host). A child checks its
 * parent's certificate against `ca.pem` and connects with `tls://`. Needs `openssl` on the PATH.
 * Production certificates come from cert-manager instead (k8s/overlays).
 *
 * Applying the streams to a running tier (creates them, or updates them in place: a new child's
 * source and subjects; no restart):
 *
 *   node deploy/local/dist/federation.js apply --out .local/federation --tier 350206001001 [--url nats://127.0.0.1:14242]
 *
 * Adding a child to a running parent: re-run the generator with the new tier, reload the parent's
 * configuration (`nats-server --signal reload=<pid>`, or SIGHUP: its new leaf user), `apply` on the
 * parent, then start the child and `apply` there.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join, resolve } from 'node:path';
import { DEFAULT_CATALOGUE } from '@gm/domain';
import { applyStreamsFile, childrenOf, jetstreamDomainOf, natsServerConfig, provisionSummary, tierStreams, type FederationTier } from '@gm/messaging';

interface Options {
  orgUnits: string;
  out: string;
  tiers?: string[];
  host: string;
  basePort: number;
  tls: boolean;
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
    throw new Error('usage: federation --org-units FILE.csv --out DIR [--tiers CODE,CODE,…] [--host 127.0.0.1] [--base-port 14222] [--tls]');
  }
  const basePort = Number(get('base-port') ?? 14222);
  if (!Number.isInteger(basePort) || basePort < 1024 || basePort > 60000) throw new Error('--base-port must be a whole number from 1024 to 60000');
  const tiers = get('tiers')?.split(',').map((s) => s.trim()).filter(Boolean);
  return { orgUnits, out, host: get('host') ?? '127.0.0.1', basePort, tls: argv.includes('--tls'), ...(tiers && { tiers }) };
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
  type TierCredentials = { services: string; system?: string; uplink?: string; departments?: Record<string, string> };
  const credentials: Record<string, TierCredentials> = existsSync(credentialsFile) ? (JSON.parse(readFileSync(credentialsFile, 'utf8')) as Record<string, TierCredentials>) : {};
  const secret = () => randomBytes(18).toString('base64url');
  for (const t of tiers) {
    credentials[t.code] ??= { services: secret() };
    credentials[t.code]!.system ??= secret();
    if (t.parent) credentials[t.code]!.uplink ??= secret();
    const departments = (credentials[t.code]!.departments ??= {});
    for (const d of Object.keys(DEFAULT_CATALOGUE.departments)) departments[d] ??= secret();
  }

  const ports = new Map(tiers.map((t, i) => [t.code, { client: opts.basePort + i * 10, leaf: opts.basePort + i * 10 + 1 }]));
  // Absolute paths: nats-server reads them relative to its working directory, not to its config file.
  const ca = opts.tls ? localCertificateAuthority(resolve(opts.out, 'tls')) : undefined;
  const listing: { code: string; level: string; parent: string | null; url: string; domain: string; leafPort: number | null; leafTls: boolean }[] = [];
  for (const t of tiers) {
    const kids = children.get(t.code)!;
    const dir = join(opts.out, t.code);
    mkdirSync(dir, { recursive: true });
    const p = ports.get(t.code)!;
    const listener = ca && kids.length > 0 ? issueLeafCertificate(ca, resolve(dir), t.code, opts.host) : undefined;
    const conf = natsServerConfig({
      tier: t,
      children: kids,
      ports: { client: p.client, ...(kids.length > 0 && { leaf: p.leaf }) },
      parentLeafUrl: t.parent ? `${ca ? 'tls' : 'nats-leaf'}://${opts.host}:${ports.get(t.parent)!.leaf}` : undefined,
      storeDir: join(dir, 'jetstream'),
      passwords: {
        services: credentials[t.code]!.services,
        children: Object.fromEntries(kids.map((k) => [k, credentials[k]!.uplink!])),
        uplink: credentials[t.code]!.uplink,
        departments: credentials[t.code]!.departments,
        system: credentials[t.code]!.system,
      },
      host: opts.host,
      ...(ca && { leafTls: { ...listener, ...(t.parent && { ca: ca.cert }) } }),
    });
    writeFileSync(join(dir, 'nats.conf'), conf, { mode: 0o600 });
    writeFileSync(join(dir, 'streams.json'), `${JSON.stringify(tierStreams(t, kids), null, 2)}\n`);
    listing.push({
      code: t.code,
      level: units.get(t.code)!.level,
      parent: t.parent,
      url: `nats://${opts.host}:${p.client}`,
      domain: jetstreamDomainOf(t.code),
      leafPort: kids.length > 0 ? p.leaf : null,
      leafTls: ca !== undefined,
    });
    process.stdout.write(
      `${t.code.padEnd(16)} ${(units.get(t.code)!.level).padEnd(9)} domain ${jetstreamDomainOf(t.code).padEnd(17)} nats://${opts.host}:${p.client}` +
        `${kids.length > 0 ? `  leaf${ca ? ' (TLS)' : ''} :${p.leaf} ← ${kids.join(', ')}` : ''}${t.parent ? `  → ${t.parent}` : ''}\n`,
    );
  }
  writeFileSync(credentialsFile, `${JSON.stringify(credentials, null, 2)}\n`, { mode: 0o600 });
  writeFileSync(join(opts.out, 'tiers.json'), `${JSON.stringify(listing, null, 2)}\n`);
  process.stdout.write(`wrote ${tiers.length} tiers to ${opts.out} (start each with: nats-server -c ${join(opts.out, '<code>', 'nats.conf')})\n`);
}

interface CertificateAuthority {
  readonly cert: string;
  readonly key: string;
  readonly config: string;
}

/** OpenSSL settings of the local CA and of the leafnode listeners' certificates (no system openssl.cnf involved). */
const OPENSSL_CONFIG = [
  '[req]',
  'distinguished_name = dn',
  'prompt = no',
  '[dn]',
  'CN = gm federation',
  '[ca]',
  'basicConstraints = critical, CA:TRUE, pathlen:0',
  'keyUsage = critical, keyCertSign, cRLSign',
  'subjectKeyIdentifier = hash',
  '[leaf]',
  'basicConstraints = critical, CA:FALSE',
  'keyUsage = critical, digitalSignature',
  'extendedKeyUsage = serverAuth',
  'subjectKeyIdentifier = hash',
  'authorityKeyIdentifier = keyid',
  'subjectAltName = $ENV::GM_LEAF_SAN',
  '',
].join('\n');

/** `san`: the subjectAltName of a leaf certificate (the config names it, so every command needs a value). */
function openssl(args: string[], san = 'DNS:localhost'): string {
  try {
    return execFileSync('openssl', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, GM_LEAF_SAN: san } });
  } catch (err) {
    const e = err as { code?: string; stderr?: string; message: string };
    if (e.code === 'ENOENT') throw new Error('--tls needs openssl on the PATH (apt-get install openssl)');
    throw new Error(`openssl ${args[0]} failed: ${(e.stderr ?? e.message).trim()}`);
  }
}

const EC_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

/** The federation's local CA in `dir`, made once (its key readable by the owner only). */
function localCertificateAuthority(dir: string): CertificateAuthority {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const ca = { cert: join(dir, 'ca.pem'), key: join(dir, 'ca-key.pem'), config: join(dir, 'openssl.cnf') };
  writeFileSync(ca.config, OPENSSL_CONFIG);
  if (!existsSync(ca.cert) || !existsSync(ca.key)) {
    privateFile(ca.key);
    openssl(['req', '-x509', '-config', ca.config, '-extensions', 'ca', ...EC_KEY, '-keyout', ca.key, '-out', ca.cert, '-days', '3650', '-subj', `/CN=gm federation local CA ${randomBytes(4).toString('hex')}`]);
  }
  return ca;
}

/** An empty file readable by its owner only, for openssl to write a key into (it keeps the mode). */
function privateFile(path: string): void {
  writeFileSync(path, '', { mode: 0o600 });
  chmodSync(path, 0o600);
}

/** Whether `cert` was signed by the CA and names `san` (`IP:…` or `DNS:…`) among its subject alternative names. */
function issuedFor(ca: CertificateAuthority, cert: string, san: string): boolean {
  const names = openssl(['x509', '-in', cert, '-noout', '-ext', 'subjectAltName'])
    .split(/[\n,]/)
    .map((n) => n.trim().replace(/^IP Address:/, 'IP:'));
  if (!names.includes(san)) return false;
  try {
    openssl(['verify', '-CAfile', ca.cert, cert]);
    return true;
  } catch {
    return false;
  }
}

/** A tier's leafnode listener certificate for `host`, signed by the local CA; kept while it names that host and that CA signed it. */
function issueLeafCertificate(ca: CertificateAuthority, dir: string, code: string, host: string): { cert: string; key: string } {
  const cert = join(dir, 'leaf-cert.pem');
  const key = join(dir, 'leaf-key.pem');
  const san = isIP(host) ? `IP:${host}` : `DNS:${host}`;
  if (existsSync(cert) && existsSync(key) && issuedFor(ca, cert, san)) return { cert, key };
  const csr = join(dir, 'leaf.csr');
  privateFile(key);
  openssl(['req', '-new', '-config', ca.config, ...EC_KEY, '-keyout', key, '-out', csr, '-subj', `/CN=gm-${code} leafnodes`]);
  openssl(
    ['x509', '-req', '-in', csr, '-CA', ca.cert, '-CAkey', ca.key, '-set_serial', `0x${randomBytes(16).toString('hex')}`, '-days', '825', '-extfile', ca.config, '-extensions', 'leaf', '-out', cert],
    san,
  );
  rmSync(csr, { force: true });
  return { cert, key };
}

/** `apply`: the tier's generated streams onto its running server, as its services' user. */
async function apply(argv: string[]): Promise<void> {
  const get = (name: string) => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const out = get('out');
  const tier = get('tier');
  if (!out || !tier) throw new Error('usage: federation apply --out DIR --tier CODE [--url nats://host:port] [--retire-legacy-downlink]');
  const dir = join(out, tier);
  if (!existsSync(join(dir, 'streams.json'))) throw new Error(`${dir}/streams.json is missing: generate the federation first`);
  const credentials = JSON.parse(readFileSync(join(out, 'credentials.json'), 'utf8')) as Record<string, { services: string }>;
  const password = credentials[tier]?.services;
  if (!password) throw new Error(`no credentials for tier ${tier} in ${out}/credentials.json`);
  const server = new URL(get('url') ?? `nats://${/listen: "([^"]+)"/.exec(readFileSync(join(dir, 'nats.conf'), 'utf8'))?.[1] ?? '127.0.0.1:4222'}`);
  server.username = 'services';
  server.password = encodeURIComponent(password);
  const r = await applyStreamsFile({
    file: join(dir, 'streams.json'),
    servers: [server.toString()],
    domain: jetstreamDomainOf(tier),
    retireLegacyDownlink: argv.includes('--retire-legacy-downlink'),
  });
  process.stdout.write(`${provisionSummary(tier, r)}\n`);
  if (r.blocked.length > 0) throw new Error(r.blockedBecause ?? 'some streams were held back');
}

const argv = process.argv.slice(2);
const run = argv[0] === 'apply' ? apply(argv.slice(1)) : Promise.resolve().then(main);
run.catch((err: unknown) => {
  process.stderr.write(`federation: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(2);
});
