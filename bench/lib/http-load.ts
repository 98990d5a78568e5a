/**
 * HTTP load with a fixed number of connections, every answer's body checked
 * (an answer that is fast but wrong, an errorResponse or a 401, counts as an
 * error, not as speed):
 *
 * - the peak pass: autocannon, each connection sending its next request as
 *   soon as the last one is answered;
 * - the paced pass: requests at evenly spaced moments over all connections
 *   (paced-http.ts), latency timed from the moment each request was due. Not
 *   autocannon's `overallRate`: that gives each connection a quota per second
 *   which it spends at full speed at the start of every second, so "half the
 *   peak rate" is the peak load for half of each second and its latencies are
 *   the peak's (bench/README.md).
 */
import { createRequire } from 'node:module';
import type { LoadResult } from './latency.js';
import { round } from './latency.js';
import { runPacedHttp } from './paced-http.js';

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
  /** Origin, e.g. http://127.0.0.1:8080 or https://127.0.0.1:8443. */
  origin: string;
  /** CA certificate (PEM) of an https origin, for the paced pass (autocannon does not check certificates). */
  ca?: string;
  /** The i-th request of the pass; called once per request, from one counter shared by all connections. */
  request: (i: number) => HttpRequestShape;
  /** True when an answer is what the scenario expects (checked on every answer). */
  check?: (body: string) => boolean;
  connections: number;
}

export interface Pass {
  /** Length of the pass (with `amount`: the longest it may take). */
  seconds: number;
  /** Requests per second over all connections, evenly spaced; omitted for full speed. */
  rate?: number;
  /** Stop after this many requests instead (full speed only). */
  amount?: number;
}

export function runHttp(load: HttpLoad, pass: Pass): Promise<LoadResult> {
  return pass.rate ? runPacedHttp(load, pass.seconds, pass.rate) : runFullSpeed(load, pass);
}

async function runFullSpeed(load: HttpLoad, pass: Pass): Promise<LoadResult> {
  let counter = 0;
  let firstError: string | undefined;
  const check = load.check;
  const first = load.request(0);
  const result = await autocannon({
    url: load.origin,
    connections: load.connections,
    pipelining: 1,
    ...(pass.amount ? { amount: pass.amount } : { duration: pass.seconds }),
    timeout: 30,
    ...(check ? {
      verifyBody: (body: string) => {
        const ok = check(body);
        if (!ok) firstError ??= body.slice(0, 300);
        return ok;
      },
    } : {}),
    requests: [{
      method: first.method,
      path: first.path,
      setupRequest: (req: AutocannonRequest) => {
        const next = load.request(counter++);
        // A copy: autocannon writes Content-Length into the headers object it is given.
        return { ...req, method: next.method, path: next.path, headers: { ...next.headers }, body: next.body };
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
    ...(firstError ? { firstError } : result.non2xx ? { firstError: `${result.non2xx} answers were not 2xx` } : {}),
  };
}
