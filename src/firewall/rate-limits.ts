/**
 * Rate limits, on rate-limiter-flexible: per client address, per application,
 * per principal, and the stricter login limits per user name and per address.
 * The store is chosen by `firewall.rateLimits.store`: `memory` counts in this
 * process; `redis` counts in one Redis that every replica shares, so N replicas
 * give one budget, not N. Embedding code can still pass its own factory for any
 * other rate-limiter-flexible store; it then wins over the configured store.
 */
import { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Logger } from '../log.js';
import { refuse } from './refusal.js';
import type { FirewallSettings, LimiterSettings, RateLimitStoreSettings } from './settings.js';

export type LimiterName = 'perIp' | 'perApplication' | 'perPrincipal' | 'loginPerPrincipal' | 'loginPerIp';

export type RateLimiterFactory = (name: LimiterName, settings: LimiterSettings) => RateLimiterAbstract;

const memoryLimiter = (prefix: string, name: LimiterName, s: LimiterSettings): RateLimiterMemory =>
  new RateLimiterMemory({ keyPrefix: `${prefix}-${name}`, points: s.points, duration: s.durationSeconds, blockDuration: s.blockSeconds });

export const memoryLimiters: RateLimiterFactory = (name, s) => memoryLimiter('dirgate-fw', name, s);

/** Where the URL points, without the credentials it may carry (for logs). */
function redisAddress(url: string): string {
  const u = new URL(url);
  return `${u.protocol}//${u.host}${u.pathname.length > 1 ? u.pathname : ''}`;
}

/**
 * One Redis connection for all limiters. It never queues a command while
 * disconnected and bounds every command, so that a lost or stalled Redis costs a
 * request at most `commandTimeoutMs`; the limiter then answers from its
 * insurance (see `redisLimiters`).
 */
function connectRedis(store: RateLimitStoreSettings, log?: Logger): Redis {
  const client = new Redis(store.url!, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: store.commandTimeoutMs,
    connectTimeout: Math.max(store.commandTimeoutMs, 1000),
    // Reconnect for ever, at most every 2 s: Redis coming back must restore shared counting on its own.
    retryStrategy: (times: number) => Math.min(times * 100, 2000),
  });
  const where = redisAddress(store.url!);
  let healthy = true;
  // An 'error' without a listener would crash the process; one line per outage is enough.
  client.on('error', (err: Error) => {
    if (!healthy) return;
    healthy = false;
    log?.warn('firewall: rate-limit store unreachable; each replica counts on its own until it is back', { store: where, error: err.message });
  });
  client.on('ready', () => {
    if (!healthy) log?.info('firewall: rate-limit store reachable again; counts are shared', { store: where });
    healthy = true;
  });
  return client;
}

/**
 * Limiters in Redis. When Redis cannot answer, each limiter falls back to an
 * in-memory insurance limiter with the same points: the firewall keeps serving
 * and keeps limiting, per replica, rather than refusing everyone (fail closed)
 * or no one (fail open). Counts made during the outage stay in memory.
 */
function redisLimiters(client: Redis, prefix: string): RateLimiterFactory {
  return (name, s) => new RateLimiterRedis({
    storeClient: client,
    rejectIfRedisNotReady: true,
    keyPrefix: `${prefix}-${name}`,
    points: s.points,
    duration: s.durationSeconds,
    blockDuration: s.blockSeconds,
    insuranceLimiter: memoryLimiter(prefix, name, s),
  });
}

const NAMES: LimiterName[] = ['perIp', 'perApplication', 'perPrincipal', 'loginPerPrincipal', 'loginPerIp'];

export class RateLimits {
  private readonly limiters = new Map<LimiterName, RateLimiterAbstract>();
  private readonly redis?: Redis;

  constructor(settings: FirewallSettings['rateLimits'], factory?: RateLimiterFactory, log?: Logger) {
    const store = settings.store ?? { type: 'memory', keyPrefix: 'dirgate-fw', commandTimeoutMs: 500 };
    if (!factory && store.type === 'redis' && NAMES.some((name) => settings[name].points > 0)) {
      this.redis = connectRedis(store, log);
      factory = redisLimiters(this.redis, store.keyPrefix);
    }
    const build = factory ?? ((name: LimiterName, s: LimiterSettings) => memoryLimiter(store.keyPrefix, name, s));
    for (const name of NAMES) {
      const s = settings[name];
      // points 0 switches a limiter off.
      if (s.points > 0) this.limiters.set(name, build(name, s));
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

  /** Closes the store's connection, if it has one. */
  async close(): Promise<void> {
    if (!this.redis) return;
    this.redis.removeAllListeners('ready');
    // quit() waits for a reply that a lost Redis never sends; disconnect() also stops reconnecting.
    if (this.redis.status === 'ready') await this.redis.quit().catch(() => this.redis!.disconnect());
    else this.redis.disconnect();
  }
}
