/**
 * The parent's side of bench/lib/serve.ts: forks a server, waits until it says
 * where it listens, and stops it. Every child started is stopped when the
 * benchmark exits, whatever happens.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import type { ChildMessage } from './serve.js';
import { childExecArgv, libModule } from './paths.js';

const READY_TIMEOUT_MS = 120_000;
const STOP_TIMEOUT_MS = 10_000;

export interface Child {
  name: string;
  pid: number;
  endpoints: Array<{ name: string; url: string }>;
  url(name: string): string;
  /** Heap and resident memory as the child sees it, after a full collection. */
  memory(): Promise<NodeJS.MemoryUsage>;
  /** What the server counts (the gateway: its view's cache counters, reconciliations); null when it counts nothing. */
  stats(): Promise<unknown>;
  stop(): Promise<void>;
}

export interface ChildOptions {
  /** Run under node --cpu-prof, the profile written into this folder when the child stops. */
  cpuProfileDir?: string;
}

const alive = new Set<ChildProcess>();
process.once('exit', () => {
  for (const c of alive) c.kill('SIGKILL');
});

/** Sends `question` and resolves with the first answer `pick` recognises. */
function ask<T>(child: ChildProcess, question: string, pick: (m: ChildMessage) => T | undefined): Promise<T> {
  return new Promise((resolve) => {
    const onMessage = (m: ChildMessage) => {
      const answer = pick(m);
      if (answer === undefined) return;
      child.off('message', onMessage);
      resolve(answer);
    };
    child.on('message', onMessage);
    child.send(question);
  });
}

export async function startChild(name: string, args: string[], options: ChildOptions = {}): Promise<Child> {
  const profile = options.cpuProfileDir
    ? (mkdirSync(options.cpuProfileDir, { recursive: true }), ['--cpu-prof', '--cpu-prof-dir', options.cpuProfileDir, '--cpu-prof-name', `${name}-${Date.now()}.cpuprofile`])
    : [];
  const child = fork(libModule('serve'), args, {
    // DIRGATE_BENCH_NODE_FLAGS: extra flags for every child (e.g. --trace-gc), which NODE_OPTIONS may not carry.
    execArgv: childExecArgv(['--expose-gc', ...profile, ...(process.env.DIRGATE_BENCH_NODE_FLAGS?.split(/\s+/).filter(Boolean) ?? [])]),
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  alive.add(child);
  const exited = new Promise<void>((resolve) => child.once('exit', () => { alive.delete(child); resolve(); }));

  const endpoints = await new Promise<Child['endpoints']>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start within ${READY_TIMEOUT_MS / 1000} s`)), READY_TIMEOUT_MS);
    const done = () => clearTimeout(timer);
    child.once('error', (err) => { done(); reject(err); });
    child.once('exit', (code, signal) => { done(); reject(new Error(`${name} exited (${signal ?? code}) before it was ready`)); });
    child.once('message', (m: ChildMessage) => {
      done();
      if ('ready' in m) resolve(m.ready);
      else if ('failed' in m) reject(new Error(`${name} failed to start: ${m.failed}`));
      else reject(new Error(`${name}: unexpected message`));
    });
  });

  return {
    name,
    pid: child.pid!,
    endpoints,
    url(endpoint: string) {
      const e = endpoints.find((x) => x.name === endpoint);
      if (!e) throw new Error(`${name} has no ${endpoint} endpoint (has ${endpoints.map((x) => x.name).join(', ')})`);
      return e.url;
    },
    memory: () => ask(child, 'memory', (m) => ('memory' in m ? m.memory : undefined)),
    stats: () => ask(child, 'stats', (m) => ('stats' in m ? m.stats : undefined)),
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.send('stop');
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
      await exited;
      clearTimeout(timer);
    },
  };
}
