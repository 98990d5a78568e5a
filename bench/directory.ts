/**
 * The virtual directory against plain LDAP, side by side in one run, on two
 * real slapd servers (corp: inetOrgPerson accounts; hr: its own schema, keyed
 * by mail): for each workload, a plain ldapts search on corp returning the
 * same number of entries, the same search through dirgate's LdapSource for
 * corp alone, the question through the view with the cache off (every search
 * joins corp and hr), and through the view with a warm cache.
 *
 *   npx tsx bench/directory.ts [--quick] [--people N]
 *
 * Goal for a cache-miss search over the two-source join: at most 2.5x the
 * plain search (the `miss/raw` column).
 */
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'ldapts';
import { createVirtualDirectory, type VirtualDirectory } from '../src/directory/index.js';
import type { SearchRequest } from '../src/directory/model.js';
import { createLdapSource } from '../src/directory/sources/index.js';
import type { LdapSource } from '../src/directory/sources/types.js';
import type { ViewsConfig } from '../src/directory/view/branch.js';
import { parseFilter } from '../src/directory/view/filter-text.js';
import { silentLogger } from '../src/log.js';
import { startSlapd, type Slapd } from '../test/helpers/slapd.js';
import { FIXTURES, crash } from '../test/integration/directory/harness.js';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const option = (name: string) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : undefined; };
const people = Number(option('--people') ?? (quick ? 300 : 2000));
const budgetMs = quick ? 700 : 4_000;
const maxOps = quick ? 400 : 5_000;
const PER_DEPARTMENT = 10;
const log = silentLogger();

function corpLdif(n: number): string {
  const out = ['dn: ou=people,dc=corp,dc=example\nobjectClass: organizationalUnit\nou: people'];
  for (let i = 0; i < n; i += 1) {
    out.push([
      `dn: uid=user${i},ou=people,dc=corp,dc=example`, 'objectClass: inetOrgPerson', `uid: user${i}`, `cn: User ${i}`, `sn: ${i}`,
      `mail: user${i}@corp.example`, `telephoneNumber: +1 555 ${String(i).padStart(4, '0')}`, `businessCategory: dept-${Math.floor(i / PER_DEPARTMENT)}`,
      `description: ${'account '.repeat(8).trim()}`,
    ].join('\n'));
  }
  return out.join('\n\n');
}

function hrLdif(n: number): string {
  const out = ['dn: ou=staff,o=hr\nobjectClass: organizationalUnit\nou: staff'];
  for (let i = 0; i < n; i += 1) {
    out.push([
      `dn: mail=user${i}@corp.example,ou=staff,o=hr`, 'objectClass: hrPerson', `mail: user${i}@corp.example`, `cn: User ${i}`,
      `employeeID: ${10000 + i}`, `title: Title ${i % 7}`, `departmentNumber: ${Math.floor(i / PER_DEPARTMENT)}`,
    ].join('\n'));
  }
  return out.join('\n\n');
}

const views: ViewsConfig = [{
  suffix: 'o=example',
  branches: [{
    name: 'people',
    dn: 'ou=people,o=example',
    rdnAttribute: 'uid',
    primary: { source: 'corp', baseDn: 'ou=people,dc=corp,dc=example', filter: '(objectClass=inetOrgPerson)' },
    contributors: [{ source: 'hr', baseDn: 'ou=staff,o=hr', filter: '(objectClass=hrPerson)', required: false, attributes: ['employeeNumber', 'title', 'departmentNumber'] }],
    correlation: { attributes: ['mail'], normalize: ['lowercase', 'trim'] },
    orphans: 'unresolved',
    attributeMap: [{ view: 'employeeNumber', source: 'hr', sourceAttribute: 'employeeID', transform: 'none' }],
    objectClassMap: [],
    limits: { sizeLimit: 0, timeLimitSeconds: 0, refuseUnindexedSubstrings: false, indexedAttributes: [] },
    partialResults: 'unavailable',
    reconcileSeconds: 0,
  }],
}];

function request(baseDN: string, scope: SearchRequest['scope'], filter: string): SearchRequest {
  return { baseDN, scope, derefAliases: 'never', sizeLimit: 0, timeLimit: 0, typesOnly: false, filter: parseFilter(filter), attributes: [], controls: [] };
}

async function viewSearch(vd: VirtualDirectory, req: SearchRequest): Promise<number> {
  let n = 0;
  for await (const ev of vd.search(req, { requestId: 'bench', principal: { service: true } })) {
    if (ev.kind === 'entry') n += 1;
    else if (ev.kind === 'done' && ev.result.resultCode !== 0) throw new Error(`search ended with ${ev.result.resultCode}`);
  }
  return n;
}

interface Measure { opsPerSecond: number; meanMs: number; p95Ms: number; entries: number }

/**
 * Runs the three contenders in alternating slices, so a busy machine slows them
 * alike and the ratios stay fair; each gets the same number of operations.
 */
async function measureSideBySide(runs: Array<(i: number) => Promise<number>>): Promise<Measure[]> {
  for (const run of runs) for (let i = 0; i < 20; i += 1) await run(i); // warm connections and the JIT
  const times: number[][] = runs.map(() => []);
  const entries: number[] = runs.map(() => 0);
  const slice = 10;
  const start = performance.now();
  let i = 0;
  while (i < maxOps && performance.now() - start < budgetMs * runs.length) {
    for (let r = 0; r < runs.length; r += 1) {
      for (let k = 0; k < slice; k += 1) {
        const t0 = performance.now();
        entries[r] = await runs[r]!(i + k);
        times[r]!.push(performance.now() - t0);
      }
    }
    i += slice;
  }
  return times.map((t, r) => {
    const total = t.reduce((a, b) => a + b, 0);
    const sorted = [...t].sort((a, b) => a - b);
    return { opsPerSecond: t.length / (total / 1000), meanMs: total / t.length, p95Ms: sorted[Math.floor(sorted.length * 0.95)] ?? 0, entries: entries[r]! };
  });
}

const execFileAsync = promisify(execFile);

/**
 * Indexes the attributes the workloads search on, as a production directory
 * would: slapd is stopped, its cn=config changed offline with slapmodify, the
 * database reindexed, and slapd started again (the test helper has no option
 * for indexes; it keeps its configuration in <dataDir>/slapd.d).
 */
async function addIndexes(s: Slapd, indexes: string[]): Promise<void> {
  await crash(s);
  const confDir = path.join(s.dataDir, 'slapd.d');
  const mod = path.join(s.dataDir, 'indexes.ldif');
  await writeFile(mod, `dn: olcDatabase={1}mdb,cn=config\nchangetype: modify\nadd: olcDbIndex\n${indexes.map((x) => `olcDbIndex: ${x}`).join('\n')}\n`);
  await execFileAsync('/usr/sbin/slapmodify', ['-n0', '-F', confDir, '-l', mod]);
  await execFileAsync('/usr/sbin/slapindex', ['-q', '-n1', '-F', confDir]);
  await s.restart();
}

let corp: Slapd | undefined;
let hr: Slapd | undefined;
const sources = new Map<string, LdapSource>();
const directories: VirtualDirectory[] = [];
try {
  console.log(`starting two slapd servers with ${people} people each ...`);
  [corp, hr] = await Promise.all([
    startSlapd({ suffix: 'dc=corp,dc=example', ldif: corpLdif(people) }),
    startSlapd({ suffix: 'o=hr', ldif: hrLdif(people), extraSchemas: [`${FIXTURES}/hr-schema.ldif`] }),
  ]);
  await Promise.all([
    addIndexes(corp, ['uid eq', 'mail eq', 'businessCategory eq']),
    addIndexes(hr, ['mail eq', 'departmentNumber eq']),
  ]);
  const sourceConfig = (name: string, s: Slapd) => ({
    name, urls: [s.url], baseDn: s.suffix, bind: { dn: s.rootDn, password: s.rootPassword }, readOnly: false,
    pool: { size: 4 }, timeouts: { connectMs: 3000, operationMs: 10000 }, failover: { backoffMs: 500, maxBackoffMs: 30000 }, tls: { startTls: false },
  });
  sources.set('corp', createLdapSource(sourceConfig('corp', corp), { log }));
  sources.set('hr', createLdapSource(sourceConfig('hr', hr), { log }));
  const cacheOn = { enabled: true, maxEntries: 100_000, maxBytes: 256 * 1024 * 1024, ttlSeconds: 3600, refreshSeconds: 3600 };
  const cached = createVirtualDirectory({ views, cache: cacheOn }, { log, sources, background: false });
  const uncached = createVirtualDirectory({ views, cache: { ...cacheOn, enabled: false } }, { log, sources, background: false });
  directories.push(cached, uncached);
  const rawClient = new Client({ url: corp.url });
  await rawClient.bind(corp.rootDn, corp.rootPassword);
  const rawSearch = async (base: string, scope: 'base' | 'sub', filter: string) => (await rawClient.search(base, { scope, filter })).searchEntries.length;
  // The same question through dirgate's LdapSource alone (pool, fail-over, error mapping): what the view builds on.
  const corpSource = sources.get('corp')!;
  const sourceSearch = async (base: string, scope: 'base' | 'sub', filter: string) => {
    let n = 0;
    for await (const ev of corpSource.search(request(base, scope, filter))) if (ev.kind === 'entry') n += 1;
    return n;
  };

  const pick = (i: number) => (i * 7919) % people;
  const departments = Math.ceil(people / PER_DEPARTMENT);
  type Workload = { name: string; raw: (i: number) => Promise<number>; source: (i: number) => Promise<number>; view: (vd: VirtualDirectory, i: number) => Promise<number> };
  const workloads: Workload[] = [
    {
      name: 'one entry by DN (base)',
      raw: (i) => rawSearch(`uid=user${pick(i)},ou=people,dc=corp,dc=example`, 'base', '(objectClass=*)'),
      source: (i) => sourceSearch(`uid=user${pick(i)},ou=people,dc=corp,dc=example`, 'base', '(objectClass=*)'),
      view: (vd, i) => viewSearch(vd, request(`uid=user${pick(i)},ou=people,o=example`, 'base', '(objectClass=*)')),
    },
    {
      name: `a department (${PER_DEPARTMENT} entries, filter on hr)`,
      raw: (i) => rawSearch('ou=people,dc=corp,dc=example', 'sub', `(businessCategory=dept-${i % departments})`),
      source: (i) => sourceSearch('ou=people,dc=corp,dc=example', 'sub', `(businessCategory=dept-${i % departments})`),
      view: (vd, i) => viewSearch(vd, request('ou=people,o=example', 'sub', `(departmentNumber=${i % departments})`)),
    },
    {
      name: 'one user by uid (filter on corp)',
      raw: (i) => rawSearch('ou=people,dc=corp,dc=example', 'sub', `(uid=user${pick(i)})`),
      source: (i) => sourceSearch('ou=people,dc=corp,dc=example', 'sub', `(uid=user${pick(i)})`),
      view: (vd, i) => viewSearch(vd, request('ou=people,o=example', 'sub', `(uid=user${pick(i)})`)),
    },
    {
      name: `whole branch (${people} entries)`,
      raw: () => rawSearch('ou=people,dc=corp,dc=example', 'sub', '(objectClass=inetOrgPerson)'),
      source: () => sourceSearch('ou=people,dc=corp,dc=example', 'sub', '(objectClass=inetOrgPerson)'),
      view: (vd) => viewSearch(vd, request('ou=people,o=example', 'sub', '(objectClass=inetOrgPerson)')),
    },
  ];

  const rows: string[][] = [];
  for (const w of workloads) {
    // The cached contender answers from a warm cache: every question asked once before the clock starts.
    for (let i = 0; i < maxOps + 40; i += 1) await w.view(cached, i);
    const [r, src, miss, hit] = await measureSideBySide([w.raw, w.source, (i) => w.view(uncached, i), (i) => w.view(cached, i)]) as [Measure, Measure, Measure, Measure];
    if (miss.entries !== r.entries) throw new Error(`${w.name}: the view returned ${miss.entries} entries, plain LDAP ${r.entries}`);
    const ms = (m: Measure) => `${m.meanMs.toFixed(2)} (${m.p95Ms.toFixed(2)})`;
    rows.push([w.name, String(r.entries), ms(r), ms(src), ms(miss), ms(hit), `${(miss.meanMs / r.meanMs).toFixed(2)}x`, `${(hit.meanMs / r.meanMs).toFixed(2)}x`,
      `${(miss.meanMs / src.meanMs).toFixed(2)}x`]);
  }
  await rawClient.unbind();
  const header = ['workload', 'entries', 'raw ms mean (p95)', 'source ms', 'view miss ms', 'view cached ms', 'miss/raw', 'cached/raw', 'miss/source'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ');
  console.log(`\nvirtual directory vs plain ldapts, sequential, ${quick ? 'quick' : 'full'} run (${people} people, Node ${process.version})\n`);
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows) console.log(line(r));
  const stats = cached.cacheStats();
  console.log(`\ncache: ${stats.searches.hits} search hits, ${stats.searches.misses} misses; ${stats.entries.hits} entry hits, ${stats.entries.misses} misses`);
  console.log('raw: one ldapts search on corp; source: the same through dirgate\'s corp LdapSource; miss: the view with the cache off (corp and hr joined); cached: the view, warm.');
  console.log('goal: miss/raw <= 2.5x for a cache-miss search over the two-source join');
} finally {
  for (const d of directories) await d.close();
  for (const s of sources.values()) await s.close();
  await Promise.all([corp?.stop(), hr?.stop()]);
}
