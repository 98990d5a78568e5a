/**
 * Session-authenticated DSML searches against a running dirgate, the body of
 * the dsml-search-* and directory-size scenarios: log some people in, check
 * one answer end to end through the SDK (the join happened, the encrypted
 * answer decrypts), then drive the load with every answer checked.
 */
import { getAttribute } from '../../src/directory/model.js';
import type { PeopleDirectory } from './directory.js';
import { isOneEntryAnswer, uidSearch } from './dsml-requests.js';
import { runHttp, type HttpLoad } from './http-load.js';
import { uidOf } from './people.js';
import { measure, resultOf, type ScenarioContext, type ScenarioResult } from './scenario.js';
import { spread } from './spread.js';
import { BENCH_APP } from './system-config.js';
import { loginSessions, startSystem, type GatewayStats, type SystemOptions } from './system.js';
import { round } from './latency.js';

const ratio = (hits: number, misses: number): number => (hits + misses ? round(hits / (hits + misses), 3) : 0);

export const VIEW_PEOPLE = 'ou=people,o=example';
/** How many different people the cached scenarios ask for (the peer's batches name the same ones). */
export const CACHED_SET = 1000;
/** Sessions the load rotates over. */
const SESSIONS = 16;

export interface DsmlSearchOptions extends SystemOptions {
  name: string;
  /** Ask for encrypted answers (X-Dirgate-Encrypt: ibe). */
  encrypt: boolean;
  /** `cached`: the same CACHED_SET people again and again; `spread`: every person in turn. */
  people: 'cached' | 'spread';
  extra?: Record<string, unknown>;
}

const isEncryptedAnswer = (body: string): boolean => body.includes('EncryptedData') && body.includes('CipherValue') && !body.includes('Fault');

export async function dsmlSearchScenario(ctx: ScenarioContext, dir: PeopleDirectory, o: DsmlSearchOptions): Promise<ScenarioResult> {
  const system = await startSystem(ctx.fixtures, dir, o);
  const loggedIn = await loginSessions(system, Math.min(SESSIONS, dir.count));
  ctx.fixtures.onScenarioEnd(() => loggedIn.close());

  // One answer checked through the SDK: the hr contributor joined in, and an encrypted answer decrypts.
  const pick = spread(dir.count);
  const probe = uidOf(pick(1));
  const [entry] = await loggedIn.first.search(VIEW_PEOPLE, {
    scope: 'sub', filter: { type: 'equality', attribute: 'uid', value: probe }, encrypt: o.encrypt,
  });
  if (!entry || !getAttribute(entry, 'employeeNumber')) {
    throw new Error(`the check search for ${probe} did not return the joined entry (${entry ? entry.dn : 'nothing'})`);
  }

  const setSize = o.people === 'cached' ? Math.min(CACHED_SET, dir.count) : dir.count;
  const cachedBodies = o.people === 'cached' ? Array.from({ length: setSize }, (_, i) => Buffer.from(uidSearch(VIEW_PEOPLE, uidOf(pick(i))))) : [];
  const headers = loggedIn.sessions.map((s) => ({
    'content-type': 'text/xml; charset=utf-8',
    'x-dirgate-app': BENCH_APP,
    authorization: s.authorization,
    ...(o.encrypt ? { 'x-dirgate-encrypt': 'ibe' } : {}),
  }));
  const load: HttpLoad = {
    origin: system.entryUrl,
    ...(system.caPem ? { ca: system.caPem } : {}),
    connections: ctx.options.connections,
    request: (i) => ({
      method: 'POST',
      path: '/dsml',
      headers: headers[i % headers.length]!,
      body: o.people === 'cached' ? cachedBodies[i % setSize]! : uidSearch(VIEW_PEOPLE, uidOf(pick(i))),
    }),
    check: o.encrypt ? isEncryptedAnswer : isOneEntryAnswer,
  };
  const m = await measure(ctx, system.processes, (pass) => runHttp(load, pass));
  const stats = await system.gateway.stats() as GatewayStats | null;
  const hits = stats ? { cacheHitRatio: ratio(stats.cache.searches.hits, stats.cache.searches.misses) } : {};
  return resultOf(o.name, m, { people: dir.count, asked: setSize, ...(o.cache ? hits : {}), reconcileSeconds: round(system.reconcileSeconds, 1), ...o.extra });
}
