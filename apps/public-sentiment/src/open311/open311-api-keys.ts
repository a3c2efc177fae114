import { createHash, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';

// Loaded by the config schema before Nest starts: no framework imports here.

const NAME = /^[a-z0-9][a-z0-9-]{0,39}$/;
const KEY = /^[A-Za-z0-9_-]{24,128}$/;

export interface Open311ApiKey {
  /** The client's name: the reporter subject of its requests is `open311:<name>`. */
  readonly name: string;
  readonly key: string;
}

/**
 * `OPEN311_API_KEYS`: the Open311 clients that may create service requests, as comma-separated
 * `name:key` pairs. Empty (the default) turns creating requests off; reading stays public.
 * Messages never repeat a value (keys are secrets).
 */
export const open311ApiKeysSchema = z
  .string()
  .default('')
  .transform((v) =>
    v
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)
      .map((pair): Open311ApiKey => {
        const at = pair.indexOf(':');
        return at < 0 ? { name: '', key: '' } : { name: pair.slice(0, at).trim(), key: pair.slice(at + 1).trim() };
      }),
  )
  .pipe(
    z
      .array(
        z.object({
          name: z.string().regex(NAME, 'each entry is name:key; a name is 1–40 lower-case letters, digits or "-"'),
          key: z.string().regex(KEY, 'each entry is name:key; a key is 24–128 letters, digits, "-" or "_"'),
        }),
      )
      .refine((keys) => new Set(keys.map((k) => k.name)).size === keys.length, 'client names must be unique')
      .refine((keys) => new Set(keys.map((k) => k.key)).size === keys.length, 'keys must be unique'),
  );

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

/** The configured keys, compared in constant time (over digests of equal length, every key tried). */
export class Open311ApiKeys {
  private readonly keys: readonly { name: string; digest: Buffer }[];

  constructor(keys: readonly Open311ApiKey[]) {
    this.keys = keys.map((k) => ({ name: k.name, digest: digest(k.key) }));
  }

  /** The name of the client holding `presented`, or undefined. */
  clientOf(presented: string | undefined): string | undefined {
    const d = digest(presented ?? '');
    let found: string | undefined;
    for (const k of this.keys) {
      if (timingSafeEqual(d, k.digest) && found === undefined && presented) found = k.name;
    }
    return found;
  }
}
