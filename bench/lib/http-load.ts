/**
 * HTTP load from autocannon with a fixed number of connections: at full speed
 * (the peak pass) or paced to a rate over all connections (the half-rate pass,
 * autocannon's `overallRate`). Every answer's body is checked, so a server that
 * answers fast but wrongly (an errorResponse, a 401) counts errors, not speed.
 */
import { createRequire } from 'node:module';
import type { LoadResult } from './latency.js';
import { round } from './latency.js';

/** The part of autocannon's API used here (the package ships no types). */
interface AutocannonResult {
  duration: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  mismatches: number;
  '2xx': number;
  latency: { p50: number; p99: number };
}
interface AutocannonRequest {
  method?: string;
  path?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  setupRequest?: (req: AutocannonRequest, context: Record<string, unknown>) => AutocannonRequest;
}
type Autocannon = (options: Record<string, unknown>) => Promise<AutocannonResult>;
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

export interface HttpRequestShape {
  method: 'GET' | 'POST';
  path: string;
  headers: Record<string, string>;
  body?: string | Buffer;
}

export interface HttpLoad {
  /** Origin, e.g. http://127.0.0.1:8080 or https://127.0.0.1:8443 (certificates are not checked by autocannon). */
  origin: string;
  /** The i-th request of the run; called for every request, from one shared counter over all connections. */
  request: (i: number) => HttpRequestShape;
  /** True when an answer is what the scenario expects (checked on every answer). */
  check?: (body: string) => boolean;
  connections: number;
}

export interface Pass {
  /** Length of the pass (with `amount`: the longest it may take). */
  seconds: number;
  /** Stop after this many requests instead. */
  amount?: number;
  /** Requests per second over all connections; omitted for full speed. */
  rate?: number;
}

export async function runHttp(load: HttpLoad, pass: Pass): Promise<LoadResult> {
  let counter = 0;
  const first = load.request(0);
  const result = await autocannon({
    url: load.origin,
    connections: load.connections,
    pipelining: 1,
    ...(pass.amount ? { amount: pass.amount } : { duration: pass.seconds }),
    timeout: 30,
    // autocannon's coordinated-omission correction assumes a 1 ms send interval whatever the rate; at half of the
    // peak the server keeps up, so the measured latencies are the honest figure (see bench/README.md).
    ...(pass.rate ? { overallRate: Math.max(1, Math.round(pass.rate)), ignoreCoordinatedOmission: true } : {}),
    ...(load.check ? { verifyBody: load.check } : {}),
    requests: [{
      method: first.method,
      path: first.path,
      setupRequest: (req: AutocannonRequest) => {
        const next = load.request(counter++);
        return { ...req, method: next.method, path: next.path, headers: next.headers, body: next.body };
      },
    }],
  });
  const good = Math.max(0, result['2xx'] - result.mismatches);
  const seconds = result.duration || pass.seconds;
  return {
    requests: good,
    seconds: round(seconds, 3),
    rps: round(good / seconds, 1),
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.non2xx + result.mismatches,
    ...(pass.rate ? { targetRate: Math.round(pass.rate) } : {}),
  };
}
