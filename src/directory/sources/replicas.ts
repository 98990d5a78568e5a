/**
 * Health of a source's replica URLs and the order to try them in. A URL that
 * fails is put into back-off (doubling from `backoffMs` up to `maxBackoffMs`)
 * and is tried after the healthy ones until its back-off ends; a success
 * clears it. A URL is "up" until an attempt on it fails: nothing is known to be
 * wrong before the first request or probe.
 */
import type { SourceHealth } from './types.js';

interface UrlState {
  url: string;
  up: boolean;
  failures: number;
  retryAt: number;
  lastError?: string;
}

export class Replicas {
  private readonly states: UrlState[];

  constructor(
    urls: readonly string[],
    private readonly backoff: { backoffMs: number; maxBackoffMs: number },
    private readonly now: () => number = Date.now,
  ) {
    this.states = urls.map((url) => ({ url, up: true, failures: 0, retryAt: 0 }));
  }

  /**
   * Every URL, in the order to try: those not in back-off in configured order,
   * then those in back-off, soonest first, as a last resort rather than failing
   * a request that could still succeed.
   */
  order(): string[] {
    const t = this.now();
    const ready = this.states.filter((s) => s.up || s.retryAt <= t);
    const waiting = this.states.filter((s) => !ready.includes(s)).sort((a, b) => a.retryAt - b.retryAt);
    return [...ready, ...waiting].map((s) => s.url);
  }

  /** The URL new connections should go to now. */
  preferred(): string {
    return this.order()[0] as string;
  }

  markUp(url: string): void {
    const s = this.find(url);
    s.up = true;
    s.failures = 0;
    s.retryAt = 0;
    s.lastError = undefined;
  }

  /** Puts the URL into back-off; returns when it may be tried again. */
  markDown(url: string, reason: string): number {
    const s = this.find(url);
    s.failures += 1;
    const wait = Math.min(this.backoff.backoffMs * 2 ** Math.min(s.failures - 1, 30), this.backoff.maxBackoffMs);
    s.up = false;
    s.retryAt = this.now() + wait;
    s.lastError = reason;
    return s.retryAt;
  }

  health(name: string): SourceHealth {
    return {
      name,
      up: this.states.some((s) => s.up),
      urls: this.states.map((s) => (s.up
        ? { url: s.url, up: true }
        : { url: s.url, up: false, lastError: s.lastError, retryAt: s.retryAt })),
    };
  }

  private find(url: string): UrlState {
    const s = this.states.find((x) => x.url === url);
    if (!s) throw new Error(`unknown replica URL ${url}`);
    return s;
  }
}
