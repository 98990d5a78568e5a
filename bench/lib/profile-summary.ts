/**
 * Where the time goes in a `node --cpu-prof` profile (what `--profile <child>`
 * writes): self time by function and by package or source folder, and total
 * (inclusive) time of the functions that matter, as plain text.
 *
 *   node dist/bench/lib/profile-summary.js <file.cpuprofile> [--top N] [--match text] [--from SECONDS]
 *
 * --from skips the first seconds of the profile (start-up: module loading,
 * schema compilation), so the summary is the steady state under load.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

interface CallFrame { functionName: string; url: string; lineNumber: number }
interface ProfileNode { id: number; callFrame: CallFrame; children?: number[] }
interface Profile { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[]; startTime: number; endTime: number }

/** `node_modules/<pkg>`, `src/<area>`, `node:internal` or `(program)`-style names. */
function bucketOf(frame: CallFrame): string {
  const url = frame.url;
  if (!url) return frame.functionName.startsWith('(') ? frame.functionName : '(native)';
  if (url.startsWith('node:')) return url.replace(/^node:internal\/([^/]+).*$/, 'node:$1').replace(/^(node:[^/]+).*$/, '$1');
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (nm) return nm[1]!;
  const src = /\/(src|bench)\/([^/]+)/.exec(url);
  if (src) return `${src[1]}/${src[2]}`;
  return url.replace(/^.*\//, '');
}

function label(frame: CallFrame): string {
  const where = frame.url ? `${frame.url.replace(/^.*\/(node_modules|src|bench)\//, '$1/').replace(/^file:\/\//, '')}:${frame.lineNumber + 1}` : '';
  return `${frame.functionName || '(anonymous)'} ${where}`.trim();
}

export function summarise(profile: Profile, top = 25, match?: string, fromSeconds = 0): string {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const selfUs = new Map<number, number>();
  let clock = 0;
  profile.samples.forEach((id, i) => {
    clock += profile.timeDeltas[i] ?? 0;
    if (clock < fromSeconds * 1e6) return;
    selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  const total = [...selfUs.values()].reduce((a, b) => a + b, 0);

  const selfByFn = new Map<string, number>();
  const selfByBucket = new Map<string, number>();
  const inclusiveByFn = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const node = byId.get(id)!;
    selfByFn.set(label(node.callFrame), (selfByFn.get(label(node.callFrame)) ?? 0) + us);
    selfByBucket.set(bucketOf(node.callFrame), (selfByBucket.get(bucketOf(node.callFrame)) ?? 0) + us);
    // Inclusive: each distinct function on the stack once per sample.
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const l = label(byId.get(cur)!.callFrame);
      if (seen.has(l)) continue;
      seen.add(l);
      inclusiveByFn.set(l, (inclusiveByFn.get(l) ?? 0) + us);
    }
  }
  const pct = (us: number) => `${((100 * us) / total).toFixed(1).padStart(5)}%`;
  const list = (m: Map<string, number>, n: number, filter?: (k: string) => boolean) => [...m.entries()]
    .filter(([k]) => !filter || filter(k)).sort((a, b) => b[1] - a[1]).slice(0, n).map(([k, us]) => `  ${pct(us)}  ${k}`).join('\n');
  const out = [
    `${(total / 1e6).toFixed(2)} s of samples`,
    'self time by package / source folder:',
    list(selfByBucket, top),
    'self time by function:',
    list(selfByFn, top),
    'total time (callees included) by function, own code and libraries:',
    list(inclusiveByFn, top, (k) => (match ? k.includes(match) : /(src|node_modules)\//.test(k))),
  ];
  return out.join('\n');
}

const isMain = process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/^.*\//, ''));
if (isMain) {
  const { values, positionals } = parseArgs({ options: { top: { type: 'string' }, match: { type: 'string' }, from: { type: 'string' } }, allowPositionals: true });
  for (const file of positionals) {
    process.stdout.write(`== ${file}\n${summarise(JSON.parse(readFileSync(file, 'utf8')) as Profile, Number(values.top ?? 25), values.match, Number(values.from ?? 0))}\n`);
  }
}
