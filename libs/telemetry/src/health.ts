/**
 * Readiness checks of one service: each module that owns a dependency (database, NATS, …)
 * registers a probe that really talks to it. `/readyz` runs them all, each with a deadline.
 */
export type ReadinessProbe = () => Promise<void>;

export interface ReadinessResult {
  readonly ready: boolean;
  readonly checks: Record<string, { ok: boolean; ms: number; error?: string }>;
}

export class HealthRegistry {
  private readonly probes = new Map<string, { probe: ReadinessProbe; timeoutMs: number }>();

  register(name: string, probe: ReadinessProbe, timeoutMs = 2000): void {
    this.probes.set(name, { probe, timeoutMs });
  }

  names(): string[] {
    return [...this.probes.keys()];
  }

  async check(): Promise<ReadinessResult> {
    const entries = await Promise.all(
      [...this.probes.entries()].map(async ([name, { probe, timeoutMs }]) => {
        const started = performance.now();
        try {
          await withDeadline(probe(), timeoutMs, `${name} did not answer within ${timeoutMs} ms`);
          return [name, { ok: true, ms: Math.round(performance.now() - started) }] as const;
        } catch (err) {
          return [name, { ok: false, ms: Math.round(performance.now() - started), error: err instanceof Error ? err.message : String(err) }] as const;
        }
      }),
    );
    const checks = Object.fromEntries(entries);
    return { ready: entries.length > 0 && entries.every(([, r]) => r.ok), checks };
  }
}

export function withDeadline<T>(p: Promise<T>, ms: number, message: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(message)), ms);
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(t);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}
