import { z } from 'zod';
import { envBool, serviceConfigSchema } from '@gm/platform/config';

const key32 = (name: string) =>
  z
    .string()
    .refine((v) => Buffer.from(v, 'base64').length === 32, `${name} must be 32 bytes, base64-encoded (e.g. openssl rand -base64 32)`);

export const configSchema = serviceConfigSchema('base-data', { port: 3001, schema: 'base_data' }, {
  /**
   * Keys that encrypt residents' ID and phone numbers (XChaCha20-Poly1305; AES-256-GCM for boxes of format 1): `id:base64,id:base64,…`, the
   * first one current. Keep retired keys listed until `rotate-pii-keys` has re-encrypted every row.
   */
  PII_KEYS: z
    .string()
    .transform((v) => v.split(',').map((s) => s.trim()).filter(Boolean))
    .pipe(
      z
        .array(z.string().regex(/^\d{1,5}:[A-Za-z0-9+/=]+$/, 'each key is id:base64'))
        .min(1)
        .refine((keys) => keys.every((k) => Buffer.from(k.split(':')[1]!, 'base64').length === 32), 'every key must be 32 bytes (base64)')
        .refine((keys) => new Set(keys.map((k) => k.split(':')[0])).size === keys.length, 'key ids must be unique'),
    ),
  /**
   * The box format new seals use: 2 (XChaCha20-Poly1305, ADR 0018), or 1 (AES-256-GCM) while any
   * tier of the federation still runs a version that cannot open format 2. Both formats always open;
   * `rotate-pii-keys` rewrites boxes of the other format.
   */
  PII_SEAL_FORMAT: z.enum(['1', '2'], { message: 'PII_SEAL_FORMAT is 1 or 2' }).default('2').transform((v) => Number(v) as 1 | 2),
  /** Key of the keyed hash (HMAC-SHA256) that makes ID and phone numbers searchable by exact value. */
  PII_HASH_KEY: key32('PII_HASH_KEY'),
  /** Largest CSV accepted over HTTP. */
  IMPORT_MAX_BYTES: z.coerce.number().int().min(1024).max(2 ** 34).default(2 ** 30),
  /** How long a gis or system-admin lookup may take during an import. */
  LOOKUP_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(15_000),
  /** This instance is one tier of a federation: hand-made changes are accepted only for the grids it keeps (ADR 0012). */
  FEDERATION_ENABLED: envBool.default(false),
  /** Which tier keeps a grid's base data: the grid's ancestor at this level (ADR 0012). */
  BASE_DATA_OWNER_LEVEL: z.enum(['district', 'street', 'community', 'grid']).default('community'),
  /** How often a tier above the keepers looks for a child that joined with an empty down stream, to send it its subtree (ADR 0012). */
  BASE_DATA_SEED_CHECK_MS: z.coerce.number().int().min(200).max(3_600_000).default(30_000),
});
export type AppConfig = z.infer<typeof configSchema>;
