/**
 * Shared set-up for the LDAP source integration tests: source configurations
 * with small time limits, search requests with defaults, and event collection.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SourceConfig } from '../../../src/config/types.js';
import { DirgateError } from '../../../src/errors.js';
import { silentLogger } from '../../../src/log.js';
import type { Entry, SearchEvent, SearchRequest } from '../../../src/directory/model.js';
import { createLdapSource, type LdapSourceConfig } from '../../../src/directory/sources/index.js';
import type { LdapSource } from '../../../src/directory/sources/types.js';
import { startSlapd, type Slapd } from '../../helpers/slapd.js';

export const CORP_SUFFIX = 'dc=corp,dc=example';
export const CORP_LDIF = path.join(path.dirname(fileURLToPath(import.meta.url)), '../../helpers/ldif/corp.ldif');
export const PEOPLE = `ou=people,${CORP_SUFFIX}`;
export const ALICE = `uid=alice,${PEOPLE}`;
export const BOB = `uid=bob,${PEOPLE}`;

export function sourceConfig(overrides: Partial<LdapSourceConfig> & { urls: string[] }): LdapSourceConfig {
  const base: SourceConfig = {
    name: 'corp',
    urls: overrides.urls,
    baseDn: CORP_SUFFIX,
    readOnly: false,
    pool: { size: 2 },
    timeouts: { connectMs: 2000, operationMs: 3000 },
    failover: { backoffMs: 200, maxBackoffMs: 2000 },
    tls: { startTls: false },
  };
  return { ...base, ...overrides };
}

export function openSource(overrides: Partial<LdapSourceConfig> & { urls: string[] }): LdapSource {
  return createLdapSource(sourceConfig(overrides), { log: silentLogger() });
}

/** A slapd with the corp people and a source bound to it as its root; `close` stops both. */
export async function startCorpSource(): Promise<{ slapd: Slapd; source: LdapSource; close(): Promise<void> }> {
  const slapd = await startSlapd({ suffix: CORP_SUFFIX, ldif: CORP_LDIF });
  const source = openSource({ urls: [slapd.url], bind: { dn: slapd.rootDn, password: slapd.rootPassword } });
  return {
    slapd,
    source,
    async close() {
      await source.close();
      await slapd.stop();
    },
  };
}

export function searchRequest(partial: Partial<SearchRequest> = {}): SearchRequest {
  return {
    baseDN: PEOPLE,
    scope: 'sub',
    derefAliases: 'never',
    sizeLimit: 0,
    timeLimit: 0,
    typesOnly: false,
    filter: { type: 'present', attribute: 'objectClass' },
    attributes: [],
    controls: [],
    ...partial,
  };
}

export async function collect(events: AsyncIterable<SearchEvent>): Promise<SearchEvent[]> {
  const out: SearchEvent[] = [];
  for await (const e of events) out.push(e);
  return out;
}

export function entriesOf(events: SearchEvent[]): Entry[] {
  return events.flatMap((e) => (e.kind === 'entry' ? [e.entry] : []));
}

export function dnsOf(events: SearchEvent[]): string[] {
  return entriesOf(events).map((e) => e.dn.toLowerCase()).sort();
}

export function valuesOf(entry: Entry | undefined, type: string): Array<string | Buffer> {
  return entry?.attributes.find((a) => a.type.toLowerCase() === type.toLowerCase())?.values ?? [];
}

/** The DirgateError a promise rejects with (fails the test when it resolves or throws something else). */
export async function rejection(p: Promise<unknown> | (() => Promise<unknown>)): Promise<DirgateError> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (err) {
    if (err instanceof DirgateError) return err;
    throw new Error(`expected a DirgateError, got ${String(err)}`, { cause: err });
  }
  throw new Error('expected the operation to fail');
}
