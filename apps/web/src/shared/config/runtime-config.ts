/** What the tier's command-centre tells the console at run time (`/config.json`): one build serves every tier. */
export interface RuntimeConfig {
  readonly tier: string;
  readonly oidc: { readonly authority: string; readonly clientId: string };
  /** Services this tier's console can reach through `/svc/<service>/…`. */
  readonly services: readonly string[];
  /** The handheld's: a report's GPS fix less accurate than this (metres) asks before sending. */
  readonly reportMaxAccuracyM?: number;
}

let loaded: RuntimeConfig | undefined;

export async function loadRuntimeConfig(): Promise<RuntimeConfig> {
  const res = await fetch('/config.json', { cache: 'no-store' });
  if (!res.ok) throw new Error(`/config.json: HTTP ${res.status}`);
  loaded = (await res.json()) as RuntimeConfig;
  return loaded;
}

export function runtimeConfig(): RuntimeConfig {
  if (!loaded) throw new Error('runtime configuration not loaded yet');
  return loaded;
}

export function hasService(name: string): boolean {
  return runtimeConfig().services.includes(name);
}
