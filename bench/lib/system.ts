/**
 * dirgate as the benchmark runs it: the key server, the gateway and (for the
 * end-to-end path) the firewall, each in its own child process started from
 * one configuration file over the benchmark's slapd servers, plus sessions
 * logged in through the client SDK for the scenarios that need them.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { DirgateClient, type DirgateSession } from '../../src/client/index.js';
import { freePort } from '../../test/helpers/ports.js';
import type { Child } from './children.js';
import type { PeopleDirectory } from './directory.js';
import type { Fixtures } from './fixtures.js';
import { passwordOf, uidOf } from './people.js';
import type { Watched } from './proc-stats.js';
import { BENCH_APP, systemConfig, writeSystemConfig, type SystemConfigOptions } from './system-config.js';

export interface System {
  gateway: Child;
  keyserver: Child;
  firewall?: Child;
  /** Where clients go: the firewall when there is one, the gateway otherwise. */
  entryUrl: string;
  /** The firewall's self-signed certificate (PEM), trusted by the SDK client. */
  caPem?: string;
  dataDir: string;
  /** How long the gateway's start-up reconciliation (a full join of every branch) took. */
  reconcileSeconds: number;
  /** Every dirgate process and both slapd servers, by name, for CPU readings. */
  processes: Watched;
  client(): DirgateClient;
}

export interface SystemOptions extends Pick<SystemConfigOptions, 'cache' | 'cacheMaxEntries' | 'cacheMaxBytes'> {
  /** `firewall`: firewall (TLS) in front of a gateway that verifies the signed hop; `none`: the gateway alone. */
  front: 'firewall' | 'none';
}

export interface GatewayStats {
  cache: { entries: { size: number; bytes: number; evictions: number; hits: number; misses: number }; searches: { size: number; bytes: number; hits: number; misses: number } };
  reconciled: Record<string, string>;
}

/**
 * Waits for the gateway's start-up reconciliation: a full join of every branch
 * that ends by dropping the branch from the cache. Measuring before it ends
 * would measure it (and lose the cache under the load).
 */
async function startupReconciliation(gateway: Child, branches = 2, timeoutMs = 30 * 60_000): Promise<number> {
  const started = performance.now();
  for (;;) {
    const stats = await gateway.stats() as GatewayStats | null;
    if (!stats || Object.keys(stats.reconciled).length >= branches) return (performance.now() - started) / 1000;
    if (performance.now() - started > timeoutMs) throw new Error(`the gateway's start-up reconciliation did not end within ${timeoutMs / 60_000} min`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function startSystem(fixtures: Fixtures, dir: PeopleDirectory, o: SystemOptions): Promise<System> {
  const dataDir = await fixtures.folder('system');
  const ports = { gateway: await freePort(), keyserver: await freePort(), firewall: await freePort() };
  const configFile = path.join(dataDir, 'config.json');
  await writeSystemConfig(systemConfig(dir, { dataDir, ports, cache: o.cache, cacheMaxEntries: o.cacheMaxEntries, cacheMaxBytes: o.cacheMaxBytes }), configFile);

  const keyserver = await fixtures.child('keyserver', ['parts', configFile, 'keyserver']);
  const gateway = await fixtures.child('gateway', ['gateway', configFile, o.front === 'firewall' ? 'hop' : 'no-hop']);
  const reconcileSeconds = await startupReconciliation(gateway);
  const firewall = o.front === 'firewall' ? await fixtures.child('firewall', ['parts', configFile, 'firewall']) : undefined;
  const caPem = firewall ? await readFile(path.join(dataDir, 'tls', 'firewall.crt'), 'utf8') : undefined;
  const entryUrl = firewall ? firewall.url('firewall') : gateway.url('gateway');
  const slapd = await fixtures.slapdPids(dir);
  const processes: Watched = {
    ...(firewall ? { firewall: firewall.pid } : {}),
    gateway: gateway.pid,
    keyserver: keyserver.pid,
    ...slapd,
  };
  return {
    gateway, keyserver, firewall, entryUrl, caPem, dataDir, processes, reconcileSeconds,
    client: () => new DirgateClient({ url: entryUrl, app: BENCH_APP, ...(caPem ? { ca: caPem } : {}), ibeBackend: 'mcl' }),
  };
}

export interface BenchSession { id: string; token: string; authorization: string }

export interface LoggedIn {
  sessions: BenchSession[];
  /** The first session as the SDK holds it, to check answers end to end (decryption included). */
  first: DirgateSession;
  close(): Promise<void>;
}

/** Logs `count` people in (people `first`, `first+1`, ...) through the SDK and keeps their session credentials. */
export async function loginSessions(system: System, count: number, first = 0): Promise<LoggedIn> {
  const client = system.client();
  try {
    const held: DirgateSession[] = [];
    for (let i = first; i < first + count; i += 1) held.push(await client.loginWithPassword(uidOf(i), passwordOf(i)));
    return {
      sessions: held.map((s) => ({ id: s.id, token: s.token, authorization: s.authorization })),
      first: held[0]!,
      close: () => client.close(),
    };
  } catch (err) {
    await client.close();
    throw err;
  }
}
