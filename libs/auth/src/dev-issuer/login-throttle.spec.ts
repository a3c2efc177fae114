import { LoginThrottle } from './login-throttle';

describe('LoginThrottle: failed logins per caller and username', () => {
  it('refuses the pair after the fifth failure within the window, and says for how long', () => {
    const t = new LoginThrottle({ maxFailures: 5, windowMs: 60_000 });
    for (let i = 0; i < 4; i++) t.failed('10.0.0.1', 'gw-07', 1000 + i);
    expect(t.retryAfterSec('10.0.0.1', 'gw-07', 2000)).toBe(0);
    t.failed('10.0.0.1', 'gw-07', 2000);
    expect(t.retryAfterSec('10.0.0.1', 'gw-07', 2000)).toBe(59);
    // Another caller, or another username from the same caller, is not affected.
    expect(t.retryAfterSec('10.0.0.2', 'gw-07', 2000)).toBe(0);
    expect(t.retryAfterSec('10.0.0.1', 'gw-08', 2000)).toBe(0);
    // Once the oldest failure leaves the window, one more try is allowed.
    expect(t.retryAfterSec('10.0.0.1', 'gw-07', 61_001)).toBe(0);
  });

  it('a success clears the pair', () => {
    const t = new LoginThrottle({ maxFailures: 2, windowMs: 60_000 });
    t.failed('c', 'u', 1);
    t.succeeded('c', 'u');
    t.failed('c', 'u', 2);
    expect(t.retryAfterSec('c', 'u', 3)).toBe(0);
  });

  it('keeps at most maxKeys pairs', () => {
    const t = new LoginThrottle({ maxFailures: 1, windowMs: 60_000, maxKeys: 2 });
    t.failed('a', 'u', 1);
    t.failed('b', 'u', 1);
    t.failed('c', 'u', 1);
    expect(t.retryAfterSec('a', 'u', 2)).toBe(0);
    expect(t.retryAfterSec('c', 'u', 2)).toBeGreaterThan(0);
  });
});
