/**
 * ldap-search-raw: equality searches by uid with ldapts straight to the corp
 * slapd, one bound connection per client connection, spread over all people.
 * The directory ceiling as a Node client sees it: a cache-miss DSML search
 * costs at least one of these (two, with the hr join).
 */
import { Client, EqualityFilter } from 'ldapts';
import { runWorkers } from '../lib/paced.js';
import { CORP_PEOPLE, uidOf } from '../lib/people.js';
import { measure, resultOf, type Scenario } from '../lib/scenario.js';
import { SEARCH_ATTRIBUTES } from '../lib/search-attributes.js';
import { spread } from '../lib/spread.js';

export const ldapSearchRaw: Scenario = {
  name: 'ldap-search-raw',
  summary: 'ldapts equality searches (uid) on the corp slapd, spread over all people: the directory ceiling',
  async run(ctx) {
    const dir = await ctx.fixtures.directory(ctx.options.people);
    const clients = await Promise.all(Array.from({ length: ctx.options.connections }, async () => {
      const c = new Client({ url: dir.corp.url, timeout: 30_000 });
      await c.bind(dir.corp.rootDn, dir.corp.rootPassword);
      return c;
    }));
    ctx.fixtures.onScenarioEnd(async () => { await Promise.all(clients.map((c) => c.unbind().catch(() => undefined))); });
    const pick = spread(dir.count);
    const search = async (worker: number, i: number): Promise<boolean> => {
      const { searchEntries } = await clients[worker]!.search(CORP_PEOPLE, {
        scope: 'sub',
        filter: new EqualityFilter({ attribute: 'uid', value: uidOf(pick(i)) }),
        attributes: SEARCH_ATTRIBUTES,
      });
      return searchEntries.length === 1;
    };
    const m = await measure(ctx, await ctx.fixtures.slapdPids(dir), (pass) => runWorkers(clients.length, search, pass));
    return [resultOf('ldap-search-raw', m, { people: dir.count })];
  },
};
