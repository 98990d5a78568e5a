/**
 * Every scenario, in the order a run takes them: the ceilings and the peer
 * first, then the gateway's, the large directories last.
 */
import type { Scenario } from '../lib/scenario.js';
import { apacheDsmlEngine } from './apache-dsml-engine.js';
import { cacheMemory } from './cache-memory.js';
import { directorySize } from './directory-size.js';
import { dsmlSearchCached, dsmlSearchE2e, dsmlSearchMiss } from './dsml-search.js';
import { httpHello } from './http-hello.js';
import { ldapSearchRaw } from './ldap-search-raw.js';
import { login } from './login.js';
import { spmlAdd } from './spml-add.js';

export const scenarios: Scenario[] = [
  httpHello,
  ldapSearchRaw,
  apacheDsmlEngine,
  dsmlSearchCached,
  dsmlSearchE2e,
  dsmlSearchMiss,
  login,
  spmlAdd,
  cacheMemory,
  directorySize,
];
