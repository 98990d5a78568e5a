/**
 * Every scenario, in the order a run takes them (cheap ceilings first, the
 * large directory last).
 */
import type { Scenario } from '../lib/scenario.js';
import { apacheDsmlEngine } from './apache-dsml-engine.js';
import { dsmlSearchCached, dsmlSearchE2e, dsmlSearchMiss } from './dsml-search.js';
import { httpHello } from './http-hello.js';
import { ldapSearchRaw } from './ldap-search-raw.js';

export const scenarios: Scenario[] = [
  httpHello,
  ldapSearchRaw,
  apacheDsmlEngine,
  dsmlSearchCached,
  dsmlSearchE2e,
  dsmlSearchMiss,
];
