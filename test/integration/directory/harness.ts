/**
 * What the virtual directory's integration tests share: the test views (corp
 * joined with hr, which has its own suffix and schema), sources over real
 * servers, and small helpers to run searches and read a server directly.
 */
import { readFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from 'ldapts';
import type { SourceConfig } from '../../../src/config/types.js';
import { createLdapSource } from '../../../src/directory/sources/index.js';
import type { LdapSource } from '../../../src/directory/sources/types.js';
import type { Entry, OperationContext, OperationResult, SearchRequest, Filter } from '../../../src/directory/model.js';
import { createVirtualDirectory, type VirtualDirectory } from '../../../src/directory/index.js';
import type { ViewsConfig } from '../../../src/directory/view/branch.js';
import { parseFilter } from '../../../src/directory/view/filter-text.js';
import { silentLogger } from '../../../src/log.js';
import { startSlapd, type Slapd } from '../../helpers/slapd.js';

export const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures');
export const log = silentLogger();
export const ctx: OperationContext = { requestId: 'test', principal: { service: true } };

export function sourceConfig(name: string, urls: string[], baseDn: string, bind: { dn: string; password: string }, extra: Partial<SourceConfig> = {}): SourceConfig {
  return {
    name, urls, baseDn, bind, readOnly: false,
    pool: { size: 2 },
    timeouts: { connectMs: 1000, operationMs: 5000 },
    failover: { backoffMs: 50, maxBackoffMs: 200 },
    tls: { startTls: false },
    ...extra,
  };
}

export function makeSource(config: SourceConfig, embeddedUrl?: string): LdapSource {
  return createLdapSource(config, { log, ...(embeddedUrl ? { embeddedUrl } : {}) });
}

export const limits = { sizeLimit: 1000, timeLimitSeconds: 30, refuseUnindexedSubstrings: false, indexedAttributes: [] as string[] };

/** The test views: people joins corp (primary) with hr (provisioned contributor) and keeps preferredLanguage in the profile. */
export function testViews(): ViewsConfig {
  return [{
    suffix: 'o=example',
    branches: [
      {
        name: 'people',
        dn: 'ou=people,o=example',
        rdnAttribute: 'uid',
        primary: { source: 'corp', baseDn: 'ou=people,dc=corp,dc=example', filter: '(objectClass=inetOrgPerson)' },
        contributors: [{
          source: 'hr', baseDn: 'ou=staff,o=hr', filter: '(objectClass=hrPerson)', required: false,
          attributes: ['employeeNumber', 'title', 'departmentNumber', 'manager'],
          provision: { rdnAttribute: 'mail', objectClasses: ['hrPerson'], copy: ['cn'] },
        }],
        correlation: { attributes: ['mail'], normalize: ['lowercase', 'trim'] },
        orphans: 'unresolved',
        attributeMap: [{ view: 'employeeNumber', source: 'hr', sourceAttribute: 'employeeID', transform: 'none' }],
        objectClassMap: [],
        limits: { ...limits, refuseUnindexedSubstrings: true, indexedAttributes: ['uid', 'mail', 'cn', 'departmentNumber', 'employeeNumber'] },
        partialResults: 'unavailable',
        profile: { attributes: ['preferredLanguage'] },
        reconcileSeconds: 0,
      },
      {
        name: 'groups',
        dn: 'ou=groups,o=example',
        rdnAttribute: 'cn',
        primary: { source: 'corp', baseDn: 'ou=groups,dc=corp,dc=example' },
        contributors: [],
        orphans: 'unresolved',
        attributeMap: [],
        objectClassMap: [],
        limits,
        partialResults: 'unavailable',
        reconcileSeconds: 0,
      },
    ],
  }];
}

export const cacheConfig = { enabled: true, maxEntries: 1000, maxBytes: 1 << 24, ttlSeconds: 300, refreshSeconds: 3600 };

export interface SearchOutcome { entries: Entry[]; result: OperationResult }

export async function search(vd: VirtualDirectory, baseDN: string, filter: string | Filter = '(objectClass=*)', options: Partial<SearchRequest> = {}): Promise<SearchOutcome> {
  const req: SearchRequest = {
    baseDN, scope: 'sub', derefAliases: 'never', sizeLimit: 0, timeLimit: 0, typesOnly: false,
    filter: typeof filter === 'string' ? parseFilter(filter) : filter, attributes: [], controls: [], ...options,
  };
  const entries: Entry[] = [];
  let result: OperationResult | undefined;
  for await (const ev of vd.search(req, ctx)) {
    if (ev.kind === 'entry') entries.push(ev.entry);
    else if (ev.kind === 'done') result = ev.result;
  }
  return { entries, result: result! };
}

export function values(entry: Entry | undefined, type: string): string[] {
  return (entry?.attributes ?? []).filter((a) => a.type.toLowerCase() === type.toLowerCase()).flatMap((a) => a.values.map(String));
}

export function byDn(entries: Entry[], dn: string): Entry | undefined {
  return entries.find((e) => e.dn.toLowerCase() === dn.toLowerCase());
}

/** Reads an entry straight from a server, bypassing dirgate. */
export async function readDirect(server: { url: string; rootDn: string; rootPassword: string }, dn: string, attributes: string[] = ['*']): Promise<Record<string, string[]> | undefined> {
  const client = new Client({ url: server.url });
  try {
    await client.bind(server.rootDn, server.rootPassword);
    const { searchEntries } = await client.search(dn, { scope: 'base', attributes });
    const e = searchEntries[0];
    if (!e) return undefined;
    const out: Record<string, string[]> = {};
    for (const [k, v] of Object.entries(e)) if (k !== 'dn') out[k.toLowerCase()] = (Array.isArray(v) ? v : [v]).map(String);
    return out;
  } catch (err) {
    if ((err as { code?: number }).code === 32) return undefined;
    throw err;
  } finally {
    await client.unbind().catch(() => undefined);
  }
}

/** Runs `fn` with a client bound as the server's root, straight to the server. */
export async function direct<T>(server: { url: string; rootDn: string; rootPassword: string }, fn: (c: Client) => Promise<T>): Promise<T> {
  const client = new Client({ url: server.url });
  try {
    await client.bind(server.rootDn, server.rootPassword);
    return await fn(client);
  } finally {
    await client.unbind().catch(() => undefined);
  }
}

/** Stops a slapd by the pid it wrote (as an operator or a crash would); `revive` starts it again on the same port with its data. */
export async function crash(s: { dataDir: string; port: number }): Promise<void> {
  const pid = Number((await readFile(path.join(s.dataDir, 'slapd.pid'), 'utf8')).trim());
  process.kill(pid, 'SIGTERM');
  for (;;) {
    const refused = await new Promise<boolean>((resolve) => {
      const sock = net.connect(s.port, '127.0.0.1');
      sock.once('connect', () => { sock.destroy(); resolve(false); });
      sock.once('error', () => resolve(true));
    });
    if (refused) return;
    await new Promise((r) => setTimeout(r, 20));
  }
}

export const revive = (s: { restart: () => Promise<void> }): Promise<void> => s.restart();

export interface CorpAndHr { corp: Slapd; hr: Slapd; sources: Map<string, LdapSource>; vd: VirtualDirectory; close(): Promise<void> }

/**
 * The fixtures' corp and hr on two slapd servers, joined on mail by the test
 * views, with the profile in corp, no background timers, and the change
 * poller's baseline taken (a test polls by hand).
 */
export async function startCorpAndHr(): Promise<CorpAndHr> {
  const [corp, hr] = await Promise.all([
    startSlapd({ suffix: 'dc=corp,dc=example', ldif: `${FIXTURES}/corp.ldif` }),
    startSlapd({ suffix: 'o=hr', ldif: `${FIXTURES}/hr.ldif`, extraSchemas: [`${FIXTURES}/hr-schema.ldif`] }),
  ]);
  const sources = new Map([
    ['corp', makeSource(sourceConfig('corp', [corp.url], 'dc=corp,dc=example', { dn: corp.rootDn, password: corp.rootPassword }))],
    ['hr', makeSource(sourceConfig('hr', [hr.url], 'o=hr', { dn: hr.rootDn, password: hr.rootPassword }))],
  ]);
  const vd = createVirtualDirectory(
    { views: testViews(), cache: cacheConfig, profile: { source: 'corp', baseDn: 'ou=dirgate,dc=corp,dc=example' } },
    { log, sources, background: false },
  );
  await vd.pollChanges();
  return {
    corp, hr, sources, vd,
    async close() {
      await vd.close();
      for (const source of sources.values()) await source.close();
      await Promise.all([corp.stop(), hr.stop()]);
    },
  };
}

