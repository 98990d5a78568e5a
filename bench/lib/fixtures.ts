/**
 * What scenarios share, started the first time one asks and stopped at the
 * end: the people directories (one per size), a scratch folder, and the
 * processes started for a scenario (stopped when it ends, even when it fails).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startChild, type Child } from './children.js';
import { slapdPid, startPeopleDirectory, type PeopleDirectory } from './directory.js';
import type { BenchOptions } from './options.js';

export class Fixtures {
  readonly #options: BenchOptions;
  readonly #say: (m: string) => void;
  readonly #directories = new Map<number, Promise<PeopleDirectory>>();
  #work: Promise<string> | undefined;
  #scoped: Array<() => Promise<void>> = [];

  constructor(options: BenchOptions, say: (m: string) => void) {
    this.#options = options;
    this.#say = say;
  }

  /** corp and hr slapd servers with `count` people each. */
  directory(count: number): Promise<PeopleDirectory> {
    let d = this.#directories.get(count);
    if (!d) {
      this.#say(`loading ${count.toLocaleString('en-US')} people into two slapd servers ...`);
      d = startPeopleDirectory(count).then((dir) => {
        this.#say(`  loaded in ${dir.loadSeconds.toFixed(1)} s`);
        return dir;
      });
      this.#directories.set(count, d);
    }
    return d;
  }

  /** Stops a directory no later scenario needs. */
  async releaseDirectory(count: number): Promise<void> {
    const d = this.#directories.get(count);
    this.#directories.delete(count);
    if (d) await (await d).stop();
  }

  async slapdPids(dir: PeopleDirectory): Promise<{ 'slapd-corp': number; 'slapd-hr': number }> {
    return { 'slapd-corp': await slapdPid(dir.corp), 'slapd-hr': await slapdPid(dir.hr) };
  }

  /** A scratch folder for the whole run. */
  work(): Promise<string> {
    this.#work ??= mkdtemp(path.join(os.tmpdir(), 'dirgate-bench-'));
    return this.#work;
  }

  /** A fresh folder inside the scratch folder. */
  async folder(prefix: string): Promise<string> {
    return mkdtemp(path.join(await this.work(), `${prefix}-`));
  }

  /** Starts a bench/lib/serve.ts child for the current scenario; profiled when --profile names it. */
  async child(name: string, args: string[]): Promise<Child> {
    const profiled = this.#options.profile.includes(name);
    const child = await startChild(name, args, profiled ? { cpuProfileDir: this.#options.profileDir } : {});
    this.#scoped.push(() => child.stop());
    return child;
  }

  /** Runs `fn` when the current scenario ends. */
  onScenarioEnd(fn: () => Promise<void>): void {
    this.#scoped.push(fn);
  }

  /** Stops what the scenario started, last first. */
  async endScenario(): Promise<void> {
    const scoped = this.#scoped.reverse();
    this.#scoped = [];
    for (const stop of scoped) {
      try {
        await stop();
      } catch (err) {
        this.#say(`  (while stopping: ${(err as Error).message})`);
      }
    }
  }

  async close(): Promise<void> {
    await this.endScenario();
    for (const count of [...this.#directories.keys()]) await this.releaseDirectory(count).catch(() => undefined);
    if (this.#work) await rm(await this.#work, { recursive: true, force: true });
  }
}
