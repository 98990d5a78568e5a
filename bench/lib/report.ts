/**
 * The run's results: the targets as ratios between scenarios of the same run,
 * the printed table, and the JSON written to bench/results/latest.json.
 */
import os from 'node:os';
import type { BenchOptions } from './options.js';
import type { ScenarioResult } from './scenario.js';
import { round } from './latency.js';

export interface Target {
  name: string;
  /** What was measured, in the goal's unit. */
  value: number | undefined;
  goal: string;
  met: boolean | undefined;
  detail: string;
}

export interface Report {
  date: string;
  machine: { cores: number; cpu: string; memoryGiB: number; node: string; platform: string; kernel: string; loadAverage: number[] };
  options: Pick<BenchOptions, 'quick' | 'large' | 'connections' | 'seconds' | 'halfSeconds' | 'people'>;
  durationSeconds: number;
  scenarios: ScenarioResult[];
  targets: Target[];
}

const byName = (results: ScenarioResult[], name: string) => results.find((r) => r.name === name && !r.error && !r.skipped);
const rps = (r: ScenarioResult | undefined) => r?.peak?.rps;

function ratioTarget(name: string, results: ScenarioResult[], num: string, den: string, goal: number): Target {
  const a = rps(byName(results, num));
  const b = rps(byName(results, den));
  const value = a !== undefined && b ? round(a / b, 2) : undefined;
  return {
    name, value, goal: `>= ${goal}x`, met: value === undefined ? undefined : value >= goal,
    detail: value === undefined ? `needs ${num} and ${den}` : `${Math.round(a!)} / ${Math.round(b!)} req/s`,
  };
}

export function evaluateTargets(results: ScenarioResult[]): Target[] {
  const targets: Target[] = [
    ratioTarget('dsml-search-e2e / apache-dsml-engine', results, 'dsml-search-e2e', 'apache-dsml-engine', 2.0),
    ratioTarget('dsml-search-cached / http-hello', results, 'dsml-search-cached', 'http-hello', 0.25),
    ratioTarget('dsml-search-miss / ldap-search-raw', results, 'dsml-search-miss', 'ldap-search-raw', 0.4),
  ];
  const login = rps(byName(results, 'login'));
  targets.push({
    name: 'login rate', value: login === undefined ? undefined : round(login, 0), goal: '>= 200/s',
    met: login === undefined ? undefined : login >= 200, detail: login === undefined ? 'needs login' : `${os.availableParallelism()} cores`,
  });
  for (const r of results) {
    if (!r.half || r.error || r.skipped) continue;
    const served = r.half.requests > 0;
    targets.push({
      name: `p99 at half rate: ${r.name}`, value: served ? r.half.p99 : undefined, goal: '<= 10 ms', met: served ? r.half.p99 <= 10 : undefined,
      detail: `${Math.round(r.half.rps)} of ${r.half.targetRate ?? '?'} req/s asked, p50 ${r.half.p50} ms`,
    });
  }
  const memory = byName(results, 'cache-memory')?.extra as { rssMiB?: number; entries?: number } | undefined;
  targets.push({
    name: 'cache-memory (gateway RSS)', value: memory?.rssMiB, goal: '<= 300 MB',
    // Fewer entries (a quick run) say nothing about the target.
    met: memory?.rssMiB === undefined || (memory.entries ?? 0) < 100_000 ? undefined : memory.rssMiB <= 300,
    detail: memory?.entries ? `${memory.entries.toLocaleString('en-US')} virtual entries cached` : 'needs cache-memory',
  });
  const small = byName(results, 'directory-size@10k');
  const large = byName(results, 'directory-size@1m');
  // The 10k rate measured before and after the 1M one, when both were (see scenarios/directory-size.ts).
  const around = small?.extra as { rpsBefore?: number; rpsAfter?: number } | undefined;
  const smallRate = around?.rpsBefore && around.rpsAfter ? (around.rpsBefore + around.rpsAfter) / 2 : rps(small);
  const v = rps(large) !== undefined && smallRate ? round(rps(large)! / smallRate, 2) : undefined;
  // CPU per request barely depends on what else the machine does: the same comparison by cost.
  const serverCpu = (r: ScenarioResult | undefined) => Object.entries(r?.cpuUsPerRequest ?? {}).filter(([n]) => n !== 'load-generator').reduce((a, [, us]) => a + us, 0);
  const cpuRatio = large && small && serverCpu(large) ? round(serverCpu(small) / serverCpu(large), 2) : undefined;
  targets.push({
    name: 'directory-size 1M / 10k', value: v, goal: '>= 0.8x', met: v === undefined ? undefined : v >= 0.8,
    detail: v === undefined ? 'needs --large'
      : `${Math.round(rps(large)!)} / ${Math.round(smallRate!)} req/s${around?.rpsAfter ? ' (10k: mean before and after)' : ''}; by CPU per request ${cpuRatio}x`,
  });
  return targets;
}

export function machine(): Report['machine'] {
  return {
    cores: os.availableParallelism(),
    cpu: os.cpus()[0]?.model ?? 'unknown',
    memoryGiB: round(os.totalmem() / 2 ** 30, 1),
    node: process.version,
    platform: `${os.platform()} ${os.arch()}`,
    kernel: os.release(),
    // Other work on the machine skews every figure: this says how busy it was when the run ended (1, 5, 15 min).
    loadAverage: os.loadavg().map((l) => round(l, 2)),
  };
}

function cpuCell(cpu: Record<string, number> | undefined): string {
  if (!cpu) return '';
  return Object.entries(cpu).map(([n, us]) => `${n} ${Math.round(us)}`).join(', ');
}

function fmt(n: number | undefined, digits = 0): string {
  return n === undefined ? '-' : n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

function table(header: string[], rows: string[][], rightAligned: Set<number>): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (rightAligned.has(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

export function renderReport(report: Report): string {
  const rows = report.scenarios.map((r) => {
    if (r.skipped) return [r.name, '', '', '', '', '', '', `skipped: ${r.skipped}`];
    if (r.error) return [r.name, '', '', '', '', '', '', `FAILED: ${r.error.split('\n')[0]}`];
    const extra = Object.entries(r.extra ?? {}).map(([k, v]) => `${k}=${typeof v === 'number' ? fmt(v, Number.isInteger(v) ? 0 : 1) : String(v)}`).join(' ');
    const errors = (r.peak?.errors ?? 0) + (r.half?.errors ?? 0);
    return [
      r.name,
      fmt(r.peak?.rps),
      fmt(r.peak?.p50, 2),
      fmt(r.peak?.p99, 2),
      r.half ? `${fmt(r.half.rps)} @ ${fmt(r.half.p99, 2)}` : '-',
      cpuCell(r.cpuUsPerRequest),
      errors ? String(errors) : '',
      extra,
    ];
  });
  const m = report.machine;
  const out = [
    `dirgate benchmarks, ${report.date}: ${m.cores} cores (${m.cpu}), Node ${m.node}, ${report.options.connections} connections, `
      + `${report.options.seconds} s peak + ${report.options.halfSeconds} s half-rate passes${report.options.quick ? ' (quick run: figures are indicative only)' : ''}`,
    `load average at the end: ${m.loadAverage.join(', ')} (other work on the machine skews every figure)`,
    '',
    table(['scenario', 'req/s', 'p50 ms', 'p99 ms', 'half: req/s @ p99 ms', 'CPU us/req by process', 'errors', 'other'], rows, new Set([1, 2, 3, 4])),
    '',
    'targets (ratios from this run):',
    table(
      ['target', 'value', 'goal', 'met', 'detail'],
      report.targets.map((t) => [t.name, t.value === undefined ? '-' : String(t.value), t.goal, t.met === undefined ? 'n/a' : t.met ? 'yes' : 'NO', t.detail]),
      new Set([1]),
    ),
    '',
    `total ${report.durationSeconds.toFixed(0)} s`,
  ];
  return out.join('\n');
}

/** Why the run did not do what it should (not how fast): scenarios that failed, served nothing, or answered wrongly. */
export function runProblems(results: ScenarioResult[]): string[] {
  const problems: string[] = [];
  for (const r of results) {
    if (r.skipped) continue;
    if (r.error) { problems.push(`${r.name}: ${r.error.split('\n')[0]}`); continue; }
    for (const [label, pass] of [['peak', r.peak], ['half-rate', r.half]] as const) {
      if (!pass) continue;
      if (pass.requests === 0) problems.push(`${r.name}: the ${label} pass completed no request${pass.firstError ? `; the first error: ${pass.firstError}` : ''}`);
      else if (pass.errors > Math.max(2, pass.requests * 0.01)) {
        problems.push(`${r.name}: ${pass.errors} errors in the ${label} pass (${pass.requests} good)${pass.firstError ? `; the first: ${pass.firstError}` : ''}`);
      }
    }
  }
  return problems;
}
