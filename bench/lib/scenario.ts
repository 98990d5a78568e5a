/**
 * What a scenario is and what it reports, and the one way every load scenario
 * is measured: a warm-up, a peak pass at full speed with the CPU time of each
 * watched process read before and after, then a pass paced at half the peak
 * rate for the latency target.
 */
import type { BenchOptions } from './options.js';
import type { Fixtures } from './fixtures.js';
import type { LoadResult } from './latency.js';
import { round } from './latency.js';
import type { Pass } from './http-load.js';
import { cpuSince, type Watched } from './proc-stats.js';

export interface ScenarioResult {
  /** The scenario's name, or `<scenario>@<variant>` for a scenario with several rows. */
  name: string;
  /** Peak pass. */
  peak?: LoadResult;
  /** Paced pass at half the peak rate. */
  half?: LoadResult;
  /** CPU microseconds per request of each process during the peak pass. */
  cpuUsPerRequest?: Record<string, number>;
  /** Anything else the scenario measured (memory, threads, sizes, times). */
  extra?: Record<string, unknown>;
  notes?: string[];
  /** Set when the scenario did not run to the end. */
  error?: string;
  /** Set when the scenario was left out on purpose (e.g. a flag not given). */
  skipped?: string;
}

export interface ScenarioContext {
  options: BenchOptions;
  fixtures: Fixtures;
  /** Progress on stderr. */
  say(message: string): void;
}

export interface Scenario {
  name: string;
  summary: string;
  run(ctx: ScenarioContext): Promise<ScenarioResult[]>;
}

export interface Measured {
  peak: LoadResult;
  half: LoadResult;
  cpuUsPerRequest: Record<string, number>;
}

/**
 * Warm-up, peak pass (CPU of `processes` read around it) and half-rate pass.
 * `run` performs one pass of the scenario's load.
 */
export async function measure(
  ctx: ScenarioContext,
  processes: Watched,
  run: (pass: Pass) => Promise<LoadResult>,
  options: { warmupSeconds?: number } = {},
): Promise<Measured> {
  const { quick, seconds, halfSeconds } = ctx.options;
  await run({ seconds: options.warmupSeconds ?? (quick ? 1 : 3) });
  // The load generator shares the machine: its CPU says how much of it the load itself took.
  const cpu = cpuSince({ ...processes, 'load-generator': process.pid });
  const peak = await run({ seconds });
  const used = cpu();
  const cpuUsPerRequest = Object.fromEntries(
    Object.entries(used).map(([name, us]) => [name, peak.requests ? round(us / peak.requests, 0) : 0]),
  );
  const half = await run({ seconds: halfSeconds, rate: Math.max(1, Math.round(peak.rps / 2)) });
  return { peak, half, cpuUsPerRequest };
}

/** A scenario result from a measurement. */
export function resultOf(name: string, m: Measured, extra?: Record<string, unknown>, notes?: string[]): ScenarioResult {
  return { name, peak: m.peak, half: m.half, cpuUsPerRequest: m.cpuUsPerRequest, ...(extra ? { extra } : {}), ...(notes?.length ? { notes } : {}) };
}
