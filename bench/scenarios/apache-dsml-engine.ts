/**
 * apache-dsml-engine: the peer. The Apache Directory LDAP API's Dsmlv2Engine
 * processes the same DSML search batch (one equality search by uid, SOAP
 * envelope) against the same corp slapd, in-process: no HTTP, no TLS, no
 * sessions, no join, no encryption; one engine and LDAP connection per thread.
 * After a JIT warm-up, 1, 4 and 32 threads each get a peak pass; the best one
 * is the peer's figure and gets the half-rate pass.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { uidSearch } from '../lib/dsml-requests.js';
import { startApachePeer, type PeerPass } from '../lib/java-peer.js';
import type { LoadResult } from '../lib/latency.js';
import { round } from '../lib/latency.js';
import { CORP_PEOPLE, uidOf } from '../lib/people.js';
import { cpuSince } from '../lib/proc-stats.js';
import type { Scenario } from '../lib/scenario.js';
import { spread } from '../lib/spread.js';

export const PEER_THREADS = [1, 4, 32];
/** How many different people the search batches name (the gateway's cached scenarios ask for the same ones). */
export const SEARCH_SET = 1000;

const asLoad = (p: PeerPass, targetRate?: number): LoadResult => ({
  requests: p.requests, seconds: p.seconds, rps: p.rps, p50: round(p.p50), p99: round(p.p99), errors: p.errors,
  ...(targetRate !== undefined ? { targetRate } : {}),
});

export const apacheDsmlEngine: Scenario = {
  name: 'apache-dsml-engine',
  summary: 'the peer: Apache Directory API Dsmlv2Engine, same DSML search batch, same slapd, in-process, best of 1/4/32 threads',
  async run(ctx) {
    const { options, fixtures } = ctx;
    const dir = await fixtures.directory(options.people);
    const work = await fixtures.folder('apache');
    await mkdir(path.join(work, 'classes'), { recursive: true });
    const pick = spread(dir.count);
    const requests = Array.from({ length: Math.min(SEARCH_SET, dir.count) }, (_, i) => uidSearch(CORP_PEOPLE, uidOf(pick(i))));
    const url = new URL(dir.corp.url);
    const peer = await startApachePeer({
      host: url.hostname, port: Number(url.port), bindDn: dir.corp.rootDn, password: dir.corp.rootPassword, requests, work,
    });
    fixtures.onScenarioEnd(() => peer.stop());
    const slapd = await fixtures.slapdPids(dir);
    const watched = { jvm: peer.pid, 'slapd-corp': slapd['slapd-corp'] };

    // JIT warm-up: every thread count once, then a longer run at the middle one.
    for (const t of PEER_THREADS) await peer.run(t, options.quick ? 0.5 : 2);
    await peer.run(4, options.quick ? 1 : 8);

    const passes: Array<{ pass: PeerPass; cpu: Record<string, number> }> = [];
    for (const threads of PEER_THREADS) {
      const cpu = cpuSince(watched);
      const pass = await peer.run(threads, options.seconds);
      passes.push({ pass, cpu: cpu() });
      ctx.say(`  ${threads} thread(s): ${Math.round(pass.rps)} req/s, p50 ${pass.p50.toFixed(2)} ms, p99 ${pass.p99.toFixed(2)} ms`);
    }
    const best = passes.reduce((a, b) => (b.pass.rps > a.pass.rps ? b : a));
    const halfRate = Math.max(1, Math.round(best.pass.rps / 2));
    const half = await peer.run(best.pass.threads, options.halfSeconds, halfRate);
    return [{
      name: 'apache-dsml-engine',
      peak: asLoad(best.pass),
      half: asLoad(half, halfRate),
      cpuUsPerRequest: Object.fromEntries(Object.entries(best.cpu).map(([n, us]) => [n, best.pass.requests ? round(us / best.pass.requests, 0) : 0])),
      extra: {
        threads: best.pass.threads,
        ...Object.fromEntries(passes.map(({ pass }) => [`rps@${pass.threads}`, Math.round(pass.rps)])),
      },
      notes: ['in-process: the JVM both sends the batches and runs the engine, so its CPU covers both'],
    }];
  },
};
