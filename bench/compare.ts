/**
 * Two or more result files of `npm run bench` side by side, as a Markdown
 * table: each scenario's peak rate, its half-rate p99, and the CPU
 * microseconds per request of the processes that are dirgate's (gateway,
 * firewall, key server), then each target's value in each file. Runs of
 * different code on the same machine are best compared in alternation (A, B,
 * A, B) and by CPU per request, which the machine's other work moves far less
 * than the rates; the ratios of the targets hold within each file only.
 *
 *   node dist/bench/compare.js before.json after.json [--labels before,after]
 */
import { readFileSync } from 'node:fs';

interface Pass { rps: number; p99: number }
interface Scenario {
  name: string;
  peak?: Pass;
  half?: Pass;
  cpuUsPerRequest?: Record<string, number>;
  extra?: Record<string, unknown>;
  skipped?: string;
  error?: string;
}
interface Target { name: string; value: number | null; goal: string; met: boolean | null }
interface Results { date: string; machine: { loadAverage?: number[] }; scenarios: Scenario[]; targets: Target[] }

const DIRGATE_PROCESSES = ['gateway', 'firewall', 'keyserver'];

function usage(message: string): never {
  process.stderr.write(`${message}\nusage: node dist/bench/compare.js <results.json> <results.json> [...] [--labels a,b,...]\n`);
  process.exit(2);
}

function read(file: string): Results {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Results;
  } catch (err) {
    return usage(`${file}: ${(err as Error).message}`);
  }
}

function figure(n: number | undefined, digits = 0): string {
  return n === undefined || Number.isNaN(n) ? '-' : n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

/** The figures of one scenario in one run, or why there are none. */
function cells(s: Scenario | undefined): string[] {
  if (!s || s.skipped || s.error) return ['-', '-', s?.skipped ? 'skipped' : s?.error ? 'failed' : 'not run'];
  if (s.name === 'cache-memory') return ['-', '-', `RSS ${figure(Number(s.extra?.rssMiB), 0)} MiB`];
  const cpu = DIRGATE_PROCESSES.filter((p) => (s.cpuUsPerRequest?.[p] ?? 0) > 0).map((p) => `${p} ${figure(s.cpuUsPerRequest![p])}`);
  return [figure(s.peak?.rps), figure(s.half?.p99, 1), cpu.join(', ') || '-'];
}

export function compare(runs: Results[], labels: string[]): string {
  const names = [...new Set(runs.flatMap((r) => r.scenarios.map((s) => s.name)))];
  const head = ['scenario', ...labels.flatMap((l) => [`${l}: req/s`, `${l}: half-rate p99 ms`, `${l}: CPU µs/req`])];
  const lines = [`| ${head.join(' | ')} |`, `|${head.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`];
  for (const name of names) {
    lines.push(`| ${[name, ...runs.flatMap((r) => cells(r.scenarios.find((s) => s.name === name)))].join(' | ')} |`);
  }
  const targetNames = [...new Set(runs.flatMap((r) => r.targets.map((t) => t.name)))];
  lines.push('', `| target | goal | ${labels.join(' | ')} |`, `|---|---|${labels.map(() => '---:').join('|')}|`);
  for (const name of targetNames) {
    const goal = runs.map((r) => r.targets.find((t) => t.name === name)?.goal).find((g) => g !== undefined) ?? '';
    const values = runs.map((r) => {
      const t = r.targets.find((x) => x.name === name);
      return t && t.value !== null ? `${figure(t.value, 2)}${t.met ? ' (met)' : ''}` : '-';
    });
    lines.push(`| ${name} | ${goal} | ${values.join(' | ')} |`);
  }
  lines.push('', runs.map((r, i) => `${labels[i]}: ${r.date}, load average ${r.machine.loadAverage?.map((x) => x.toFixed(2)).join(' ') ?? '?'}`).join('; '));
  return lines.join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  const at = args.indexOf('--labels');
  const labelText = at >= 0 ? args[at + 1] : undefined;
  if (at >= 0) args.splice(at, 2);
  if (args.length < 2) usage('two result files at least');
  const labels = labelText ? labelText.split(',') : args.map((_, i) => `run ${i + 1}`);
  if (labels.length !== args.length) usage(`${args.length} files but ${labels.length} labels`);
  process.stdout.write(`${compare(args.map(read), labels)}\n`);
}
