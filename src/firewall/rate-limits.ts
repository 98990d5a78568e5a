/**
 * Rate limits, on rate-limiter-flexible: per client address, per application,
 * per principal, and the stricter login limits per user name and per address.
 * The store is chosen by configuration; only `memory` is implemented, so each
 * replica counts alone (docs/firewall.md says how to share). Embedding code can
 * pass its own factory to use any rate-limiter-flexible store (Redis, Memcached,
 * a database) without changing anything here.
 */
import { RateLimiterMemory, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { refuse } from './refusal.js';
import type { FirewallSettings, LimiterSettings } from './settings.js';

export type LimiterName = 'perIp' | 'perApplication' | 'perPrincipal' | 'loginPerPrincipal' | 'loginPerIp';

export type RateLimiterFactory = (name: LimiterName, settings: LimiterSettings) => RateLimiterAbstract;

export const memoryLimiters: RateLimiterFactory = (name, s) =>
  new RateLimiterMemory({ keyPrefix: `dirgate-fw-${name}`, points: s.points, duration: s.durationSeconds, blockDuration: s.blockSeconds });

const NAMES: LimiterName[] = ['perIp', 'perApplication', 'perPrincipal', 'loginPerPrincipal', 'loginPerIp'];

export class RateLimits {
  private readonly limiters = new Map<LimiterName, RateLimiterAbstract>();

  constructor(settings: FirewallSettings['rateLimits'], factory: RateLimiterFactory = memoryLimiters) {
    for (const name of NAMES) {
      const s = settings[name];
      // points 0 switches a limiter off.
      if (s.points > 0) this.limiters.set(name, factory(name, s));
    }
  }

  /** Counts one request against `name` for `key`; refuses with 429 and Retry-After when over. */
  async take(name: LimiterName, key: string): Promise<void> {
    const limiter = this.limiters.get(name);
    if (!limiter) return;
    try {
      await limiter.consume(key.toLowerCase());
    } catch (err) {
      if (!(err instanceof RateLimiterRes)) throw err;
      refuse(name.startsWith('login') ? 'login-rate-limited' : 'rate-limited', {
        retryAfterSeconds: Math.max(1, Math.ceil(err.msBeforeNext / 1000)),
      });
    }
  }
}
