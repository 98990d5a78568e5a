/**
 * The command line of `npm run bench -- [options]`.
 */
import { parseArgs } from 'node:util';

export interface BenchOptions {
  quick: boolean;
  /** Scenario names to run (all when empty). */
  only: string[];
  /** Also runs directory-size at 1 000 000 entries. */
  large: boolean;
  /** Fixed number of client connections for every load. */
  connections: number;
  /** Length of the peak-rate pass of each scenario, seconds. */
  seconds: number;
  /** Length of the half-rate pass, seconds. */
  halfSeconds: number;
  /** Entries per source for the scenarios on the standard directory. */
  people: number;
  /** Child processes (`gateway`, `firewall`, `keyserver`) to run under `node --cpu-prof`; profiles go to profileDir. */
  profile: string[];
  profileDir: string;
  /** Where the JSON results go. */
  out: string | undefined;
}

export const USAGE = `usage: npm run bench -- [options]
  --quick              each scenario briefly (CI: checks that every scenario runs, not how fast)
  --only a,b           only these scenarios (see bench/README.md for the names)
  --large              also run directory-size at 1 000 000 entries (adds minutes: see the README)
  --connections N      client connections of every load (default 16)
  --seconds N          peak-rate pass length (default 10; quick 2)
  --half-seconds N     half-rate pass length (default 10; quick 2)
  --people N           entries per source in the standard directory (default 10000)
  --profile a,b        run these children under node --cpu-prof (gateway, firewall, keyserver, hello)
  --profile-dir DIR    where the .cpuprofile files go (default <tmp>/dirgate-bench-profiles)
  --out FILE           results file (default bench/results/latest.json)`;

function list(values: string[] | undefined): string[] {
  return (values ?? []).flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
}

function positive(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} must be a positive number, not ${JSON.stringify(text)}`);
  return n;
}

export function parseOptions(argv: string[], defaultProfileDir: string): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      only: { type: 'string', multiple: true },
      large: { type: 'boolean', default: false },
      connections: { type: 'string' },
      seconds: { type: 'string' },
      'half-seconds': { type: 'string' },
      people: { type: 'string' },
      profile: { type: 'string', multiple: true },
      'profile-dir': { type: 'string' },
      out: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  const quick = values.quick === true;
  return {
    quick,
    only: list(values.only),
    large: values.large === true,
    connections: Math.round(positive('connections', values.connections, 16)),
    seconds: positive('seconds', values.seconds, quick ? 2 : 10),
    halfSeconds: positive('half-seconds', values['half-seconds'], quick ? 2 : 10),
    people: Math.round(positive('people', values.people, 10_000)),
    profile: list(values.profile),
    profileDir: values['profile-dir'] ?? defaultProfileDir,
    out: values.out,
  };
}
