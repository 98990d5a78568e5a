/**
 * CPU time and resident memory of any process on this machine, read from
 * /proc: the same measure for slapd, the JVM and every Node child, threads
 * included (the IBE worker pool, libuv's thread pool, the JIT).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

let ticksPerSecond: number | undefined;
function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/** User + system CPU time the process has used so far, in microseconds (clock-tick resolution, 10 ms on Linux). */
export function cpuMicros(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name is in parentheses and may hold spaces: count fields after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return ((utime + stime) * 1_000_000) / clockTicks();
}

/** Resident set size in bytes. */
export function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  return m ? Number(m[1]) * 1024 : 0;
}

/** Processes to watch during a measurement, by the name the results use. */
export type Watched = Record<string, number>;

/** Takes a CPU reading of each process now; call the result to get the microseconds each used since. */
export function cpuSince(processes: Watched): () => Record<string, number> {
  const before = Object.fromEntries(Object.entries(processes).map(([name, pid]) => [name, cpuMicros(pid)]));
  return () => Object.fromEntries(Object.entries(processes).map(([name, pid]) => [name, cpuMicros(pid) - before[name]!]));
}
