import { z } from 'zod';
import { envBool, repositoryWebRoot, serviceConfigSchema, serviceUpstreams } from '@gm/platform/config';

export const configSchema = serviceConfigSchema('command-centre', { port: 3005, schema: 'command_centre' }, {
  /** Comment lines sent on idle live streams so that proxies keep them open. */
  LIVE_HEARTBEAT_MS: z.coerce.number().int().min(1000).max(120_000).default(15_000),
  /** At most this many missed events are replayed to a client reconnecting with Last-Event-ID. */
  LIVE_REPLAY_LIMIT: z.coerce.number().int().min(0).max(10_000).default(500),
  /**
   * This instance is one tier of a federation: the assessment's increments go up to the parent
   * (through UPLINK) and, above the grids, the children's come in (UPLINK_AGG).
   */
  FEDERATION_ENABLED: envBool.default(false),
  /** Time zone of the days that KPIs are counted by. */
  KPI_TIME_ZONE: z
    .string()
    .refine((tz) => {
      try {
        new Intl.DateTimeFormat('en', { timeZone: tz });
        return true;
      } catch {
        return false;
      }
    }, 'expected an IANA time zone such as Asia/Shanghai')
    .default('Asia/Shanghai'),
  /** A worker whose last position is older than this is not suggested for dispatch (off duty, or the phone is off). */
  DISPATCH_POSITION_MAX_AGE_MS: z.coerce.number().int().min(60_000).max(7 * 24 * 3_600_000).default(4 * 3_600_000),
  /**
   * Folder of the built staff console (apps/web/dist), served at `/`. Default: the build beside
   * this service in the repository, if there is one; without it the console is not served.
   */
  WEB_ROOT: z.string().min(1).optional(),
  /**
   * Where the console's API calls go: `/svc/<service>/…` is passed to the tier's service,
   * comma-separated `<service>=<URL>` pairs. Without it the console can reach only command-centre.
   */
  CONSOLE_UPSTREAMS: serviceUpstreams.optional(),
  /** The OIDC issuer as the browser reaches it (default OIDC_ISSUER) and the console's client id. */
  CONSOLE_OIDC_AUTHORITY: z.url().optional(),
  CONSOLE_OIDC_CLIENT_ID: z.string().min(1).default('gm-web'),
});
export type AppConfig = z.infer<typeof configSchema>;

/** The console's folder, if one is to be served. */
export function webRootOf(config: AppConfig): string | undefined {
  return config.own.WEB_ROOT ?? repositoryWebRoot(__dirname, 'index.html');
}
