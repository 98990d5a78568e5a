/**
 * The DSML search scenarios, all session-authenticated equality searches by
 * uid on the virtual view (corp joined with hr on mail):
 *
 *   dsml-search-cached  the gateway alone, plain HTTP, the same 1000 people over and over (cache hits)
 *   dsml-search-e2e     firewall (TLS) + gateway (signed hop verified), the same people, answers
 *                       encrypted to the session (X-Dirgate-Encrypt: ibe): the mobile path
 *   dsml-search-miss    the gateway alone, cache off, every person in turn: two LDAP searches per request
 */
import { dsmlSearchScenario } from '../lib/dsml-search.js';
import type { Scenario } from '../lib/scenario.js';

export const dsmlSearchCached: Scenario = {
  name: 'dsml-search-cached',
  summary: 'session DSML search through the gateway alone, cache hits',
  async run(ctx) {
    const dir = await ctx.fixtures.directory(ctx.options.people);
    return [await dsmlSearchScenario(ctx, dir, { name: 'dsml-search-cached', front: 'none', cache: true, encrypt: false, people: 'cached' })];
  },
};

export const dsmlSearchE2e: Scenario = {
  name: 'dsml-search-e2e',
  summary: 'the same through firewall (TLS) + gateway, answers IBE-encrypted to the session',
  async run(ctx) {
    const dir = await ctx.fixtures.directory(ctx.options.people);
    return [await dsmlSearchScenario(ctx, dir, { name: 'dsml-search-e2e', front: 'firewall', cache: true, encrypt: true, people: 'cached' })];
  },
};

export const dsmlSearchMiss: Scenario = {
  name: 'dsml-search-miss',
  summary: 'session DSML search through the gateway alone, cache off, spread over all people',
  async run(ctx) {
    const dir = await ctx.fixtures.directory(ctx.options.people);
    return [await dsmlSearchScenario(ctx, dir, { name: 'dsml-search-miss', front: 'none', cache: false, encrypt: false, people: 'spread' })];
  },
};
