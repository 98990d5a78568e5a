/**
 * `npm run bench`: every scenario on this machine, in one run so the ratios
 * hold, against real processes on loopback; a table on stdout and the figures
 * in bench/results/latest.json. `--quick` runs each briefly: it fails only when
 * a scenario did not run (an error, no request served, wrong answers), never
 * because the machine is slow. bench/README.md explains each scenario.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Fixtures } from './lib/fixtures.js';
import { parseOptions, USAGE } from './lib/options.js';
import { RESULTS_FILE } from './lib/paths.js';
import { evaluateTargets, machine, renderReport, runProblems, type Report } from './lib/report.js';
import type { Scenario, ScenarioContext, ScenarioResult } from './lib/scenario.js';
import { scenarios } from './scenarios/index.js';

const say = (message: string): void => { process.stderr.write(`${message}\n`); };

function select(only: string[]): Scenario[] {
  if (only.length === 0) return scenarios;
  const unknown = only.filter((n) => !scenarios.some((s) => s.name === n));
  if (unknown.length) throw new Error(`unknown scenario ${unknown.join(', ')}; known: ${scenarios.map((s) => s.name).join(', ')}`);
  return scenarios.filter((s) => only.includes(s.name));
}

async function main(): Promise<number> {
  let options;
  try {
    options = parseOptions(process.argv.slice(2), path.join(os.tmpdir(), 'dirgate-bench-profiles'));
  } catch (err) {
    say(`${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  const chosen = select(options.only);
  const started = performance.now();
  const fixtures = new Fixtures(options, say);
  const ctx: ScenarioContext = { options, fixtures, say };
  const results: ScenarioResult[] = [];
  const interrupted = () => {
    say('interrupted: stopping servers');
    void fixtures.close().finally(() => process.exit(130));
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  try {
    for (const scenario of chosen) {
      say(`\n== ${scenario.name}: ${scenario.summary}`);
      const t0 = performance.now();
      try {
        const rows = await scenario.run(ctx);
        results.push(...rows);
        for (const r of rows) {
          if (r.skipped) say(`  ${r.name}: skipped (${r.skipped})`);
          else if (r.peak) say(`  ${r.name}: ${Math.round(r.peak.rps)} req/s, p50 ${r.peak.p50} ms, p99 ${r.peak.p99} ms; half rate p99 ${r.half?.p99 ?? '-'} ms`);
          else say(`  ${r.name}: ${JSON.stringify(r.extra ?? {})}`);
        }
      } catch (err) {
        say(`  FAILED: ${(err as Error).stack ?? String(err)}`);
        results.push({ name: scenario.name, error: (err as Error).message });
      } finally {
        await fixtures.endScenario();
      }
      say(`  (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
    }
  } finally {
    await fixtures.close();
  }

  const report: Report = {
    date: new Date().toISOString(),
    machine: machine(),
    options: {
      quick: options.quick, large: options.large, connections: options.connections,
      seconds: options.seconds, halfSeconds: options.halfSeconds, people: options.people,
    },
    durationSeconds: (performance.now() - started) / 1000,
    scenarios: results,
    targets: evaluateTargets(results),
  };
  const out = options.out ?? RESULTS_FILE;
  await mkdir(path.dirname(out), { recursive: true });
  await writeFile(out, `${JSON.stringify(report, null, 2)}\n`);
  process.stdout.write(`\n${renderReport(report)}\nresults: ${out}\n`);
  if (options.profile.length) process.stdout.write(`CPU profiles (${options.profile.join(', ')}): ${options.profileDir}\n`);

  const problems = runProblems(results);
  if (problems.length) {
    say(`\nthe benchmark did not run as intended:\n  - ${problems.join('\n  - ')}`);
    return 1;
  }
  return 0;
}

process.exitCode = await main();
