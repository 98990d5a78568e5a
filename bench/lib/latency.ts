/**
 * Latency samples for the loads this harness drives itself (LDAP, the JVM
 * peer), summarised the way autocannon summarises HTTP: requests per second,
 * p50 and p99 in milliseconds.
 */
export class LatencySamples {
  #values = new Float64Array(1 << 16);
  #count = 0;

  add(ms: number): void {
    if (this.#count === this.#values.length) {
      const bigger = new Float64Array(this.#values.length * 2);
      bigger.set(this.#values);
      this.#values = bigger;
    }
    this.#values[this.#count++] = ms;
  }

  get count(): number {
    return this.#count;
  }

  /** The q-quantile (0..1) by nearest rank. */
  quantile(q: number): number {
    if (this.#count === 0) return 0;
    const sorted = this.#values.slice(0, this.#count).sort();
    const rank = Math.min(this.#count - 1, Math.max(0, Math.ceil(q * this.#count) - 1));
    return sorted[rank]!;
  }
}

/** What one pass of load measured. */
export interface LoadResult {
  /** Requests completed with a good answer. */
  requests: number;
  seconds: number;
  rps: number;
  p50: number;
  p99: number;
  /** Transport errors, timeouts, non-2xx answers and answers that failed their check. */
  errors: number;
  /** The rate asked for, on a paced pass. */
  targetRate?: number;
  /** What the first wrong answer was, for the report. */
  firstError?: string;
}

export function summarise(samples: LatencySamples, seconds: number, errors: number, targetRate?: number): LoadResult {
  return {
    requests: samples.count,
    seconds,
    rps: seconds > 0 ? samples.count / seconds : 0,
    p50: round(samples.quantile(0.5)),
    p99: round(samples.quantile(0.99)),
    errors,
    ...(targetRate !== undefined ? { targetRate } : {}),
  };
}

export function round(n: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}
