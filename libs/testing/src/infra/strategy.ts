/**
 * Where test servers come from, in this order: a server named by an environment variable; a
 * container where a container runtime answers (probed once per run by the global set-up and
 * recorded in GM_CONTAINER_RUNTIME); otherwise a local process or the machine's own server.
 */
export type Source = 'env' | 'container' | 'local';

export function sourceFor(envVar: string): Source {
  if (process.env[envVar]) return 'env';
  if (process.env['GM_CONTAINER_RUNTIME'] === 'yes') return 'container';
  return 'local';
}

/** Probes for a container runtime (Docker, Podman…) through testcontainers. */
export async function containerRuntimeAnswers(timeoutMs = 5000): Promise<boolean> {
  try {
    const { getContainerRuntimeClient } = await import('testcontainers');
    const probe = getContainerRuntimeClient().then(() => true);
    const timeout = new Promise<boolean>((resolve) => setTimeout(() => resolve(false), timeoutMs).unref());
    return await Promise.race([probe, timeout]);
  } catch {
    return false;
  }
}

export function uniqueSuffix(): string {
  const worker = process.env['JEST_WORKER_ID'] ?? '0';
  return `w${worker}_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
}
