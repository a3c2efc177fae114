/**
 * Failed logins counted per caller and username, as Keycloak's brute-force detection does for the
 * realm: after `maxFailures` failures within `windowMs`, that pair is refused (429, Retry-After)
 * until the oldest failure leaves the window. A success clears the pair. Memory stays bounded:
 * at most `maxKeys` pairs are kept (the least recently failed go first).
 */
export interface LoginThrottleOptions {
  readonly maxFailures?: number;
  readonly windowMs?: number;
  readonly maxKeys?: number;
}

export class LoginThrottle {
  private readonly failures = new Map<string, number[]>();
  private readonly maxFailures: number;
  private readonly windowMs: number;
  private readonly maxKeys: number;

  constructor(opts: LoginThrottleOptions = {}) {
    this.maxFailures = opts.maxFailures ?? 5;
    this.windowMs = opts.windowMs ?? 5 * 60_000;
    this.maxKeys = opts.maxKeys ?? 10_000;
  }

  /** Seconds to wait before this caller may try this username again, or 0. */
  retryAfterSec(caller: string, username: string, now = Date.now()): number {
    const times = this.recent(`${caller}\u0000${username}`, now);
    if (times.length < this.maxFailures) return 0;
    return Math.max(1, Math.ceil((times[times.length - this.maxFailures]! + this.windowMs - now) / 1000));
  }

  failed(caller: string, username: string, now = Date.now()): void {
    const key = `${caller}\u0000${username}`;
    const times = this.recent(key, now);
    times.push(now);
    this.failures.delete(key);
    this.failures.set(key, times.slice(-this.maxFailures));
    if (this.failures.size > this.maxKeys) this.failures.delete(this.failures.keys().next().value!);
  }

  succeeded(caller: string, username: string): void {
    this.failures.delete(`${caller}\u0000${username}`);
  }

  private recent(key: string, now: number): number[] {
    return (this.failures.get(key) ?? []).filter((t) => now - t < this.windowMs);
  }
}
