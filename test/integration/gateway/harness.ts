/**
 * A whole dirgate deployment for the gateway scenarios, on loopback: the
 * directory (the embedded one with the demo data, or real slapd), a real IBE
 * key server in-process with its own mutual-TLS PKI, and as many gateway
 * processes' worth of gateways as a test wants, each with its own sources,
 * virtual directory and caches over the same store, all on one clock the test
 * moves by hand (no sleeping).
 *
 * Each gateway is the product's own startGateway (src/gateway/index.ts) on the
 * test clock, without hop authentication unless a test asks for it (no firewall
 * in front). The timed sweep is set far beyond any test: tests sweep by hand.
 */
import 'reflect-metadata';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import winston from 'winston';
import { buildConfig, DEMO_CONFIG, PACKAGE_ROOT, parseConfigText } from '../../../src/config/load.js';
import type { Config } from '../../../src/config/types.js';
import { startEmbeddedDirectory, type EmbeddedDirectory } from '../../../src/directory/embedded/index.js';
import { startGateway, type RunningGateway } from '../../../src/gateway/index.js';
import {
  cachedRevocationStore, createKeyServerClient, ensureKeyServerPki, memoryRevocationStore, readTlsPem, startKeyServer,
  type KeyServer, type KeyServerClient,
} from '../../../src/keyserver/index.js';
import { DirgateClient, DirgateRequestError, type ClientOptions } from '../../../src/client/index.js';
import { startSlapd, type Slapd } from '../../helpers/slapd.js';
import { startCountingRelay, type CountingRelay } from '../../helpers/ldap-relay.js';

/** 2030-01-01T09:00:00Z: a moment of our choosing, shared by the gateways and the key server. */
export const T0 = Date.UTC(2030, 0, 1, 9, 0, 0);

export class TestClock {
  now = T0;
  readonly fn = (): number => this.now;
  advance(seconds: number): void {
    this.now += seconds * 1000;
  }
}

export interface LogLine { level: string; message: string; reason?: string; [key: string]: unknown }

function capturingLogger(lines: LogLine[]): winston.Logger {
  const stream = new Writable({
    write(chunk, _encoding, done) {
      try { lines.push(JSON.parse(String(chunk)) as LogLine); } catch { /* not JSON: ignore */ }
      done();
    },
  });
  return winston.createLogger({ level: 'debug', format: winston.format.json(), transports: [new winston.transports.Stream({ stream })] });
}

export type TestGateway = RunningGateway;

export interface Deployment {
  config: Config;
  clock: TestClock;
  dataDir: string;
  keyServer: KeyServer;
  /** A key server client of the test's own, to ask what the key server thinks. */
  keys: KeyServerClient;
  logs: LogLine[];
  /** The directory's URL (embedded or slapd). */
  directoryUrl: string;
  gateways: TestGateway[];
  /** With `hop`, the gateway refuses requests not signed as the firewall signs them (hop-auth.ts). */
  startGateway(options?: { hop?: boolean }): Promise<TestGateway>;
  /** A client of `app` on `gateway` (the first by default); close() closes it too. */
  client(app: string, gateway?: TestGateway, options?: Partial<ClientOptions>): DirgateClient;
  /** Closes the clients, the gateways and everything else the deployment started. */
  close(): Promise<void>;
}

export interface DeploymentOptions {
  /** Changes to the raw configuration before it is validated. */
  tweak?(raw: Record<string, unknown>): void;
  /** `embedded` (the demo data, two sources) or `slapd` (real OpenLDAP, one source). */
  directory?: 'embedded' | 'slapd';
  /** Gateways started before the deployment is handed back (default none; `startGateway` starts more). */
  gateways?: number;
}

const KEK = 'ab'.repeat(32);

/** The demo configuration (with its applications: mobile-demo, mobile-secure, web-portal), fresh ports and a data folder of its own. */
function demoRaw(dataDir: string): Record<string, unknown> {
  const raw = parseConfigText(readFileSync(DEMO_CONFIG, 'utf8'), DEMO_CONFIG) as Record<string, unknown>;
  raw.dataDir = dataDir;
  (raw.embedded as Record<string, unknown>).port = 0;
  raw.keyserver = { ...(raw.keyserver as object), port: 0, kek: KEK, ibe: { backend: 'mcl', workers: 1 } };
  raw.gateway = { ...(raw.gateway as object), port: 0 };
  raw.sessions = { ...(raw.sessions as object), sweepIntervalSeconds: 86_400 };
  raw.spml = {
    targets: [{
      name: 'people', dn: 'ou=people,o=example', rdnAttribute: 'uid',
      schema: { objectClasses: [{ name: 'inetOrgPerson', attributes: [{ name: 'uid', required: true }] }] },
      suspend: { attribute: 'employeeType', value: 'dirgate-suspended' },
    }],
  };
  return raw;
}

const SLAPD_EXTRA = `
dn: uid=admin,ou=people,dc=corp,dc=example
objectClass: inetOrgPerson
uid: admin
cn: Demo Administrator
sn: Administrator
mail: admin@corp.example
userPassword: admin-pass

dn: cn=admins,ou=groups,dc=corp,dc=example
objectClass: groupOfNames
cn: admins
member: uid=admin,ou=people,dc=corp,dc=example

dn: ou=dirgate,dc=corp,dc=example
objectClass: organizationalUnit
ou: dirgate
`;

/** The same deployment on real slapd: one source, the people and groups of corp, the profile beside them. */
function slapdRaw(raw: Record<string, unknown>, slapd: Slapd): void {
  delete raw.embedded;
  raw.sources = [{ name: 'corp', urls: [slapd.url], baseDn: 'dc=corp,dc=example', bind: { dn: slapd.rootDn, password: slapd.rootPassword } }];
  raw.views = [{
    suffix: 'o=example',
    branches: [
      { name: 'people', dn: 'ou=people,o=example', rdnAttribute: 'uid', primary: { source: 'corp', baseDn: 'ou=people,dc=corp,dc=example', filter: '(objectClass=inetOrgPerson)' } },
      { name: 'groups', dn: 'ou=groups,o=example', rdnAttribute: 'cn', primary: { source: 'corp', baseDn: 'ou=groups,dc=corp,dc=example' } },
    ],
  }];
}

export async function startDeployment(options: DeploymentOptions = {}): Promise<Deployment> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'dirgate-gw-'));
  const clock = new TestClock();
  const logs: LogLine[] = [];
  const log = capturingLogger(logs);
  const closers: Array<() => Promise<void>> = [];
  const gateways: TestGateway[] = [];
  const clients: DirgateClient[] = [];
  try {
    const raw = demoRaw(dataDir);
    let slapd: Slapd | undefined;
    if (options.directory === 'slapd') {
      slapd = await startSlapd({
        suffix: 'dc=corp,dc=example',
        ldif: [path.join(PACKAGE_ROOT, 'test', 'helpers', 'ldif', 'corp.ldif'), SLAPD_EXTRA],
        extraSchemas: [path.join(PACKAGE_ROOT, 'schemas', 'ldap', 'dirgate.ldif')],
      });
      closers.push(() => slapd!.stop());
      slapdRaw(raw, slapd);
    }
    options.tweak?.(raw);
    const config = buildConfig(raw, { baseDir: path.dirname(DEMO_CONFIG), env: {} }) as Config;

    let embedded: EmbeddedDirectory | undefined;
    if (config.embedded?.enabled) {
      embedded = await startEmbeddedDirectory(config.embedded, { dataDir, log });
      closers.push(() => embedded!.close());
    }

    const pki = await ensureKeyServerPki(dataDir);
    const serverTls = await readTlsPem({}, { certFile: pki.serverCertFile, keyFile: pki.serverKeyFile, caFile: pki.caFile });
    const gatewayTls = await readTlsPem({}, { certFile: pki.clientCertFile, keyFile: pki.clientKeyFile, caFile: pki.caFile });
    const keyServer = await startKeyServer(config, {
      dataDir, log, tls: serverTls, clock: clock.fn, revocations: cachedRevocationStore(memoryRevocationStore(clock.fn), { cacheMs: 0 }),
    });
    closers.push(() => keyServer.close());
    const keys = createKeyServerClient({ url: keyServer.url, ...gatewayTls });
    closers.push(() => keys.close());

    const startOne = async (gatewayOptions: { hop?: boolean } = {}): Promise<TestGateway> => {
      const gateway = await startGateway(config, {
        log, embeddedUrl: embedded?.url, requireHop: gatewayOptions.hop === true, keyserverUrl: keyServer.url, clock: clock.fn, background: false,
      });
      gateways.push(gateway);
      return gateway;
    };

    for (let i = 0; i < (options.gateways ?? 0); i++) await startOne();

    return {
      config, clock, dataDir, keyServer, keys, logs, gateways,
      directoryUrl: embedded?.url ?? slapd!.url,
      startGateway: startOne,
      client(app, gateway = gateways[0], extra = {}) {
        if (!gateway) throw new Error('start a gateway first');
        const client = new DirgateClient({ url: gateway.url, app, ibeBackend: 'mcl', ...extra });
        clients.push(client);
        return client;
      },
      async close() {
        for (const c of clients.splice(0)) await c.close().catch(() => undefined);
        for (const g of gateways.splice(0)) await g.close();
        for (const c of closers.reverse()) await c();
        await rm(dataDir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    for (const g of gateways.splice(0)) await g.close().catch(() => undefined);
    for (const c of closers.reverse()) await c().catch(() => undefined);
    await rm(dataDir, { recursive: true, force: true });
    throw err;
  }
}

/** The reasons logged for refused callers since `from` (an index into the log). */
export function refusalReasons(logs: LogLine[], from = 0): string[] {
  return logs.slice(from).filter((l) => l.message === 'caller refused').map((l) => String(l.reason));
}

export function basicHeader(user: string, secret: string): string {
  return `Basic ${Buffer.from(`${user}:${secret}`).toString('base64')}`;
}

/** The DirgateRequestError `p` rejects with, which must carry `descr` (fails the test when `p` resolves or throws something else). */
export async function refusedWith(p: Promise<unknown>, descr = 'authenticationFailed'): Promise<DirgateRequestError> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  assert.ok(err instanceof DirgateRequestError, `expected a refusal, got ${String(err)}`);
  assert.equal(err.descr, descr, err.message);
  return err;
}

/**
 * The slapd deployment with one gateway whose directory is reached through a
 * counting relay (test/helpers/ldap-relay.ts): the test sees every LDAP
 * operation the gateway sends, and can cut the directory away with relay.close().
 */
export async function startDeploymentBehindRelay(): Promise<{ d: Deployment; relay: CountingRelay }> {
  let slapdUrl: URL | undefined;
  const relay = await startCountingRelay(() => ({ host: slapdUrl!.hostname, port: Number(slapdUrl!.port) }));
  try {
    const d = await startDeployment({
      directory: 'slapd',
      gateways: 1,
      tweak(raw) {
        const sources = raw.sources as Array<{ urls: string[] }>;
        slapdUrl = new URL(sources[0]!.urls[0]!);
        sources[0]!.urls = [relay.url];
      },
    });
    return { d, relay };
  } catch (err) {
    await relay.close();
    throw err;
  }
}

