/**
 * Load for things autocannon cannot speak (LDAP): `connections` workers, each
 * sending its next operation as soon as the last one answered (the peak pass),
 * or every operation at its slot on a fixed schedule shared by all workers (the
 * paced pass). Latency is timed from the moment an operation is sent, or on
 * the paced pass from the moment it was due (a late start is the server's
 * doing: every worker was still waiting for an answer).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { LatencySamples, summarise, type LoadResult } from './latency.js';
import type { Pass } from './http-load.js';

/** One operation: resolves true for a good answer, false (or throws) for a wrong one. */
export type Operation = (worker: number, i: number) => Promise<boolean>;

export async function runWorkers(connections: number, operation: Operation, pass: Pass): Promise<LoadResult> {
  const samples = new LatencySamples();
  let errors = 0;
  let next = 0;
  const start = performance.now();
  const end = start + pass.seconds * 1000;
  const interval = pass.rate ? 1000 / pass.rate : 0;

  const worker = async (w: number): Promise<void> => {
    for (;;) {
      const i = next++;
      let t0: number;
      if (interval) {
        const slot = start + i * interval;
        if (slot >= end) return;
        const wait = slot - performance.now();
        if (wait >= 1) await sleep(wait);
        t0 = slot;
      } else {
        if (performance.now() >= end) return;
        t0 = performance.now();
      }
      let ok = false;
      try {
        ok = await operation(w, i);
      } catch {
        ok = false;
      }
      if (ok) samples.add(performance.now() - t0);
      else errors += 1;
    }
  };
  await Promise.all(Array.from({ length: connections }, (_, w) => worker(w)));
  return summarise(samples, (performance.now() - start) / 1000, errors, pass.rate);
}
