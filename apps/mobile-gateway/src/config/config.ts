import { z } from 'zod';
import { envBool, repositoryWebRoot, serviceConfigSchema, serviceUpstreams } from '@gm/platform/config';

export const configSchema = serviceConfigSchema('mobile-gateway', { port: 3006, schema: 'mobile_gateway' }, {
  /** How long a handheld waits for public-sentiment before the report is queued here instead. */
  REPORT_RPC_TIMEOUT_MS: z.coerce.number().int().min(100).max(30_000).default(3000),
  /** Patrol points whose accuracy (metres) is worse than this are left out of the track (and counted). */
  PATROL_MAX_ACCURACY_M: z.coerce.number().positive().max(10_000).default(50),
  /** A patrol covered the part of its grid within this many metres of its track. */
  PATROL_COVERAGE_WITHIN_M: z.coerce.number().positive().max(1000).default(50),
  /** How often queued reports are retried (also retried at once when NATS reconnects). */
  REPORT_FORWARD_INTERVAL_MS: z.coerce.number().int().min(100).max(600_000).default(2000),
  /** The tier's S3-compatible object storage for photos and other attachments; without it, attachments are refused. */
  S3_ENDPOINT: z.url('S3_ENDPOINT must be a URL such as http://127.0.0.1:9000').optional(),
  S3_ACCESS_KEY: z.string().min(1).optional(),
  S3_SECRET_KEY: z.string().min(1).optional(),
  S3_REGION: z.string().min(1).default('us-east-1'),
  /**
   * The object storage as phones and browsers reach it (e.g. https://files.district.example or
   * http://192.168.1.20:9000), used to sign the photo links handed to them. Unset: S3_ENDPOINT,
   * which is right only when the services and the devices reach the storage by the same name.
   */
  S3_PUBLIC_ENDPOINT: z.url('S3_PUBLIC_ENDPOINT must be a URL such as https://files.example.org').optional(),
  /**
   * Browser origins allowed to upload to and read from the bucket directly (presigned PUT/GET from
   * the staff console and the handheld app), comma-separated, or `*`; set as the bucket's CORS
   * rules when the bucket is first used. Unset: the bucket's CORS rules are left as they are.
   */
  S3_CORS_ORIGINS: z
    .string()
    .transform((v) => v.split(',').map((s) => s.trim()).filter(Boolean))
    .pipe(z.array(z.union([z.literal('*'), z.url({ message: 'S3_CORS_ORIGINS: origins such as http://127.0.0.1:3005, or *' })])).min(1))
    .optional(),
  /** Default: `gm-<tier code>`. */
  S3_BUCKET: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'S3_BUCKET: 3–63 lower-case letters, digits, "." or "-"').optional(),
  /**
   * This instance is one tier of a federation: readers here may see attachments held by the tiers
   * above and below it (fetched over NATS on first read and kept in this tier's bucket), and this
   * tier answers its parent's and children's reads of its own. Requires NATS_NAMESPACE unset or
   * equal to TIER_CODE.
   */
  FEDERATION_ENABLED: envBool.default(false),
  /**
   * When this tier takes over a case escalated from below, fetch its attachments held by other
   * tiers at once (so they stay visible if the link to them fails later); otherwise only on first read.
   */
  ATTACHMENT_PREFETCH: envBool.default(true),
  /** Largest attachment a handheld may upload (bytes). */
  ATTACHMENT_MAX_BYTES: z.coerce.number().int().min(1024).max(100 * 1024 * 1024).default(20 * 1024 * 1024),
  /**
   * Folder of the built web app (apps/web/dist), whose handheld page is served at `/`. Default: the
   * build beside this service in the repository, if there is one; without it only the API is served.
   */
  WEB_ROOT: z.string().min(1).optional(),
  /** Where the handheld's calls of `/svc/<service>/…` go: `<service>=<URL>` pairs, comma-separated. */
  HANDHELD_UPSTREAMS: serviceUpstreams.optional(),
  /** The OIDC issuer as the phone reaches it (default OIDC_ISSUER) and the app's client id. */
  HANDHELD_OIDC_AUTHORITY: z.url().optional(),
  HANDHELD_OIDC_CLIENT_ID: z.string().min(1).default('gm-web'),
  /** A report's GPS fix less accurate than this (metres) makes the handheld ask: wait for a better one, or send it as it is. */
  HANDHELD_REPORT_MAX_ACCURACY_M: z.coerce.number().positive().max(10_000).default(30),
});
export type AppConfig = z.infer<typeof configSchema>;

/** The web app's folder, if the handheld is to be served. */
export function webRootOf(config: AppConfig): string | undefined {
  return config.own.WEB_ROOT ?? repositoryWebRoot(__dirname, 'handheld.html');
}
