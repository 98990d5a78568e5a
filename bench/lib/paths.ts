/**
 * Where the benchmark's pieces are, whether it runs compiled (dist/bench/...,
 * `npm run bench`) or from source under tsx: the repository's top folder, and
 * how to fork a sibling module of this folder as a child process.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
/** True under tsx (the .ts files run as they are). */
export const FROM_SOURCE = import.meta.url.endsWith('.ts');

function findRoot(start: string): string {
  let dir = start;
  for (;;) {
    if (existsSync(path.join(dir, 'package.json')) && existsSync(path.join(dir, 'schemas'))) return dir;
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`no repository root above ${start}`);
    dir = up;
  }
}

export const REPO_ROOT = findRoot(here);
export const BENCH_SOURCE_DIR = path.join(REPO_ROOT, 'bench');
export const RESULTS_FILE = path.join(BENCH_SOURCE_DIR, 'results', 'latest.json');

/** A module of bench/lib in the form that runs here (.js compiled, .ts under tsx). */
export function libModule(name: string): string {
  return path.join(here, `${name}${FROM_SOURCE ? '.ts' : '.js'}`);
}

/** Node flags a forked child needs to run the same form of the code. */
export function childExecArgv(extra: string[] = []): string[] {
  return [...(FROM_SOURCE ? ['--import', 'tsx'] : []), ...extra];
}
