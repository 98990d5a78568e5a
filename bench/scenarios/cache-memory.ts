/**
 * cache-memory: the gateway's resident memory once 100 000 virtual entries
 * (corp joined with hr, every user attribute) are in its cache. The gateway
 * alone, with the demo's cache settings, over two slapd servers holding
 * 100 000 people each; the cache is filled by session searches naming 500
 * people at a time ((|(uid=..)(uid=..)...), all attributes), so each joined
 * entry is cached whole and each result set as a search. Quick runs fill it
 * with the standard directory's people (the target needs the full run).
 */
import { getAttribute } from '../../src/directory/model.js';
import { runHttp } from '../lib/http-load.js';
import { round } from '../lib/latency.js';
import { uidOf } from '../lib/people.js';
import { rssBytes } from '../lib/proc-stats.js';
import type { Scenario } from '../lib/scenario.js';
import { BENCH_APP } from '../lib/system-config.js';
import { loginSessions, startSystem, type GatewayStats } from '../lib/system.js';
import { VIEW_PEOPLE } from '../lib/dsml-search.js';

export const CACHE_MEMORY_ENTRIES = 100_000;
const PER_SEARCH = 500;

function orSearch(first: number, count: number): string {
  const items = Array.from({ length: count }, (_, k) => `<equalityMatch name="uid"><value>${uidOf(first + k)}</value></equalityMatch>`).join('');
  return '<?xml version="1.0" encoding="UTF-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>'
    + '<batchRequest xmlns="urn:oasis:names:tc:DSML:2:0:core" requestID="1">'
    + `<searchRequest requestID="2" dn="${VIEW_PEOPLE}" scope="wholeSubtree" derefAliases="neverDerefAliases">`
    + `<filter><or>${items}</or></filter></searchRequest></batchRequest></soap:Body></soap:Envelope>`;
}

const MiB = 2 ** 20;

export const cacheMemory: Scenario = {
  name: 'cache-memory',
  summary: 'gateway resident memory after 100 000 virtual entries are cached',
  async run(ctx) {
    const people = ctx.options.quick ? ctx.options.people : CACHE_MEMORY_ENTRIES;
    const dir = await ctx.fixtures.directory(people);
    if (people !== ctx.options.people) ctx.fixtures.onScenarioEnd(() => ctx.fixtures.releaseDirectory(people));
    // The demo's cache bound (256 MB by its own estimate, half for entries) holds about 80 000 of these entries:
    // room for all of them, so the figure is the memory of 100 000 cached entries.
    const system = await startSystem(ctx.fixtures, dir, { front: 'none', cache: true, cacheMaxEntries: CACHE_MEMORY_ENTRIES + 1_000, cacheMaxBytes: 2 ** 30 });
    const loggedIn = await loginSessions(system, 1);
    ctx.fixtures.onScenarioEnd(() => loggedIn.close());
    // The joined entries carry hr's attributes: check one before filling.
    const sample = await loggedIn.first.search(VIEW_PEOPLE, { scope: 'sub', filter: { type: 'equality', attribute: 'uid', value: uidOf(7) } });
    if (!sample[0] || !getAttribute(sample[0], 'employeeNumber')) throw new Error('the check search did not return a joined entry');

    const baselineHeap = await system.gateway.memory(); // a full collection first, so the baseline is what the gateway keeps
    const baseline = rssBytes(system.gateway.pid);
    const searches = Math.ceil(people / PER_SEARCH);
    const bodies = Array.from({ length: searches }, (_, s) => Buffer.from(orSearch(s * PER_SEARCH, Math.min(PER_SEARCH, people - s * PER_SEARCH))));
    const started = performance.now();
    let next = 0;
    let firstBad: string | undefined;
    // Exactly `searches` requests: autocannon stops at the duration, so give it room and stop on the count.
    const fill = await runHttp({
      origin: system.entryUrl,
      connections: 2,
      request: () => ({
        method: 'POST', path: '/dsml',
        headers: { 'content-type': 'text/xml; charset=utf-8', 'x-dirgate-app': BENCH_APP, authorization: loggedIn.sessions[0]!.authorization },
        body: bodies[next++ % searches]!,
      }),
      check: (body) => {
        const good = body.includes('searchResultEntry') && !body.includes('errorResponse');
        if (!good) firstBad ??= body.slice(0, 600);
        return good;
      },
    }, { seconds: 900, amount: searches });
    const fillSeconds = (performance.now() - started) / 1000;
    const stats = (await system.gateway.stats() as GatewayStats | null)?.cache;
    const rss = rssBytes(system.gateway.pid);
    const heap = await system.gateway.memory();
    const rssAfterGc = rssBytes(system.gateway.pid);
    const entries = stats?.entries.size ?? 0;
    const notes = [`filled by ${fill.requests} searches of ${PER_SEARCH} people in ${fillSeconds.toFixed(1)} s`];
    if (stats && stats.entries.evictions > 0) notes.push(`${stats.entries.evictions} entries evicted by the cache's bounds`);
    if (entries < CACHE_MEMORY_ENTRIES) notes.push(`only ${entries} entries cached: the target needs ${CACHE_MEMORY_ENTRIES}`);
    return [{
      name: 'cache-memory',
      extra: {
        entries,
        rssMiB: round(rss / MiB, 1),
        rssAfterGcMiB: round(rssAfterGc / MiB, 1),
        baselineMiB: round(baseline / MiB, 1),
        heapUsedMiB: round(heap.heapUsed / MiB, 1),
        baselineHeapMiB: round(baselineHeap.heapUsed / MiB, 1),
        externalMiB: round(heap.external / MiB, 1),
        cacheEstimateMiB: stats ? round((stats.entries.bytes + stats.searches.bytes) / MiB, 1) : 'n/a',
        cachedSearches: stats?.searches.size ?? 0,
      },
      notes,
      ...(fill.errors ? { error: `${fill.errors} fill searches failed${firstBad ? `; the first answered: ${firstBad}` : ' (transport errors or timeouts)'}` } : {}),
    }];
  },
};
