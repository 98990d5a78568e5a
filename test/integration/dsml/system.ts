/**
 * The demo system as DSML clients meet it over HTTP, assembled the way
 * dirgate assembles itself: `runParts` for the directory, key server (and,
 * with `firewall`, gateway and firewall), or `runParts` plus the real
 * `startGateway` with hop authentication off when the test talks to the
 * gateway directly. The directory is either the embedded one with the demo
 * data, or two real slapd servers (corp and hr) loaded from the same demo
 * LDIF, with the demo configuration pointed at them and nothing else changed.
 *
 * Tests read the sources directly with ldapts (as the directory's own
 * administrators) to compare the LDAP state after writes.
 */
import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'ldapts';
import YAML from 'yaml';
import { buildConfig, DEMO_CONFIG, PACKAGE_ROOT } from '../../../src/config/load.js';
import '../../../src/config/registered-checks.js';
import type { Config } from '../../../src/config/types.js';
import { startGateway, type RunningGateway } from '../../../src/gateway/index.js';
import { createLogger, silentLogger } from '../../../src/log.js';
import { runParts, type RunningSystem } from '../../../src/system/run.js';
import { basicHeader } from '../gateway/harness.js';
import { freePort } from '../../helpers/ports.js';
import { startSlapd, type Slapd } from '../../helpers/slapd.js';

export { basicHeader };

export type DirectoryKind = 'embedded' | 'slapd';
export type SourceName = 'corp' | 'hr';

export const DEMO_DIR = path.dirname(DEMO_CONFIG);
/** What the demo configuration binds its sources with (the embedded directory's admins; slapd's root DNs here). */
export const SOURCE_ADMIN: Record<SourceName, { suffix: string; dn: string; password: string }> = {
  corp: { suffix: 'dc=corp,dc=example', dn: 'cn=admin,dc=corp,dc=example', password: 'directory-admin-pass' },
  hr: { suffix: 'o=hr', dn: 'cn=admin,o=hr', password: 'directory-admin-pass' },
};

export interface HttpAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A clock the test moves; see `startDsmlSystem` for what runs on it. */
export class ShiftedClock {
  offsetMs = 0;
  readonly now = (): number => realNow() + this.offsetMs;
  advance(seconds: number): void {
    this.offsetMs += seconds * 1000;
  }
}
const realNow = Date.now;

export interface DsmlSystem {
  directory: DirectoryKind;
  throughFirewall: boolean;
  config: Config;
  /** Where `POST /dsml` is served (the firewall's HTTPS address, or the gateway's). */
  url: string;
  clock: ShiftedClock;
  /** The two slapd servers (slapd only), to stop one and see what clients get. */
  slapd?: Record<SourceName, Slapd>;
  /**
   * POST /dsml with `X-Dirgate-App: mobile-demo` unless `headers` names another (or `null` to send none);
   * `options.path` posts elsewhere on the same server (for example `/spml`).
   */
  post(body: string | Buffer, headers?: Record<string, string | null>, options?: { path?: string }): Promise<HttpAnswer>;
  /**
   * Takes a source down while everything else runs: that slapd server halts
   * (its data and port kept); the embedded directory, which serves both
   * suffixes, stops altogether.
   */
  stopSource(name: SourceName): Promise<void>;
  /** A client bound as the source's administrator, straight to the source (never through dirgate). */
  source(name: SourceName): Promise<Client>;
  close(): Promise<void>;
}

export interface DsmlSystemOptions {
  directory: DirectoryKind;
  /** Serve through the identity firewall (HTTPS) with every part started by runParts, as `dirgate start` does. */
  firewall?: boolean;
  /** Changes to the raw demo configuration before it is validated. */
  tweak?(raw: Record<string, any>): void;
}

/**
 * The demo LDIF for slapd: the same entries, with each person's password in
 * clear text, because the demo's `{SSHA512}` hashes need OpenLDAP's pw-sha2
 * module, which the slapd helper does not load. The passwords are the demo's.
 */
export function demoLdifForSlapd(file: string): string {
  // Comments and the `version:` line go too: slapadd takes a block without a dn for a broken entry.
  const text = readFileSync(file, 'utf8').replace(/^(#.*|version: 1)\r?\n/gm, '');
  return text.split(/\r?\n\r?\n/).map((block) => {
    const uid = /^uid: (.+)$/m.exec(block)?.[1];
    return uid ? block.replace(/^userPassword: .+$/m, `userPassword: ${uid}-pass`) : block;
  }).filter((block) => block.trim()).join('\n\n');
}

async function startDemoSlapd(): Promise<Record<SourceName, Slapd>> {
  const corp = await startSlapd({
    suffix: SOURCE_ADMIN.corp.suffix,
    rootPassword: SOURCE_ADMIN.corp.password,
    ldif: demoLdifForSlapd(path.join(DEMO_DIR, 'corp.ldif')),
    // Sessions and MFA enrolments live under ou=dirgate in corp (the extended profile).
    extraSchemas: [path.join(PACKAGE_ROOT, 'schemas', 'ldap', 'dirgate.ldif')],
  });
  try {
    const hr = await startSlapd({ suffix: SOURCE_ADMIN.hr.suffix, rootPassword: SOURCE_ADMIN.hr.password, ldif: demoLdifForSlapd(path.join(DEMO_DIR, 'hr.ldif')) });
    return { corp, hr };
  } catch (err) {
    await corp.stop();
    throw err;
  }
}

/**
 * One POST with exactly the headers given (and Host, Content-Length). With
 * `Expect: 100-continue`, as .NET's HttpWebRequest sends by default, the body
 * waits for the server's 100 Continue.
 */
function request(url: string, body: Buffer, headers: Record<string, string>, ca?: string, at = '/dsml'): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const u = new URL(`${url}${at}`);
    const options = { host: u.hostname, port: u.port, method: 'POST', path: u.pathname, headers: { ...headers, 'content-length': String(body.length) }, agent: false as const };
    const req = ca ? https.request({ ...options, ca }) : http.request(options);
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    if (/^100-continue$/i.test(headers.expect ?? '')) req.on('continue', () => req.end(body));
    else req.end(body);
  });
}

export async function startDsmlSystem(options: DsmlSystemOptions): Promise<DsmlSystem> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'dirgate-dsml-'));
  const closers: Array<() => Promise<void>> = [];
  const clock = new ShiftedClock();
  // DIRGATE_TEST_LOG=debug (or info, warn) shows what the parts log, on stderr.
  const log = process.env.DIRGATE_TEST_LOG ? createLogger({ level: process.env.DIRGATE_TEST_LOG }) : silentLogger();
  try {
    const raw = YAML.parse(readFileSync(DEMO_CONFIG, 'utf8')) as Record<string, any>;
    raw.dataDir = dataDir;
    let slapd: Record<SourceName, Slapd> | undefined;
    if (options.directory === 'slapd') {
      slapd = await startDemoSlapd();
      const servers = slapd;
      closers.push(async () => { await servers.corp.stop(); await servers.hr.stop(); });
      delete raw.embedded;
      for (const s of raw.sources as Array<{ name: SourceName; urls: string[] }>) s.urls = [servers[s.name].url];
    } else {
      // Parts started apart (key server, gateway) find the embedded directory where the configuration says.
      raw.embedded.port = await freePort();
    }
    raw.keyserver.port = options.firewall ? await freePort() : 0;
    raw.gateway.port = options.firewall ? await freePort() : 0;
    if (options.firewall) {
      raw.firewall.port = await freePort();
      raw.firewall.audit = { destination: 'file', logFile: path.join(dataDir, 'audit.jsonl') };
    }
    options.tweak?.(raw);
    const config = buildConfig(raw, { baseDir: DEMO_DIR, env: {} }) as Config;

    let url: string;
    let ca: string | undefined;
    let directory: RunningSystem | undefined;
    if (options.directory === 'embedded') {
      // A part of its own, so a test can stop it while the rest runs.
      const part = await runParts(config, ['directory'], log);
      let stopped: Promise<void> | undefined;
      directory = { ...part, close: () => (stopped ??= part.close()) };
      closers.push(() => directory!.close());
    }
    const embeddedAt = directory?.endpoints.find((e) => e.name === 'directory')?.url;
    if (options.firewall) {
      const system = await runParts(config, ['keyserver', 'gateway', 'firewall'], log);
      closers.push(() => system.close());
      url = `https://127.0.0.1:${config.firewall.port}`;
      ca = await readFile(path.join(dataDir, 'tls', 'firewall.crt'), 'utf8');
    } else {
      const system = await runParts(config, ['keyserver'], log);
      closers.push(() => system.close());
      const keyserverUrl = system.endpoints.find((e) => e.name === 'keyserver')?.url;
      // startGateway hands its clock to the sessions but not (yet) to the DSML
      // session store, which takes Date.now when it is built: it is built
      // while Date.now is this clock, so the test can move the idle time.
      let gateway: RunningGateway;
      Date.now = clock.now;
      try {
        gateway = await startGateway(config, { log, embeddedUrl: embeddedAt, keyserverUrl, requireHop: false, clock: clock.now });
      } finally {
        Date.now = realNow;
      }
      closers.push(() => gateway.close());
      url = gateway.url;
    }

    const clients: Client[] = [];
    return {
      directory: options.directory,
      throughFirewall: options.firewall === true,
      config,
      url,
      clock,
      ...(slapd ? { slapd } : {}),
      post(body, headers = {}, postOptions = {}) {
        const h: Record<string, string> = { 'x-dirgate-app': 'mobile-demo' };
        for (const [k, v] of Object.entries(headers)) {
          if (v === null) delete h[k.toLowerCase()];
          else h[k.toLowerCase()] = v;
        }
        return request(url, Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8'), h, ca, postOptions.path);
      },
      async stopSource(name) {
        if (slapd) await slapd[name].halt();
        else await directory!.close();
      },
      async source(name) {
        // The embedded directory serves both suffixes on one address.
        const client = new Client({ url: slapd ? slapd[name].url : embeddedAt!, timeout: 5000, connectTimeout: 5000 });
        await client.bind(SOURCE_ADMIN[name].dn, SOURCE_ADMIN[name].password);
        clients.push(client);
        return client;
      },
      async close() {
        for (const c of clients.splice(0)) await c.unbind().catch(() => undefined);
        for (const c of closers.reverse()) await c();
        await rm(dataDir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    for (const c of closers.reverse()) await c().catch(() => undefined);
    await rm(dataDir, { recursive: true, force: true });
    throw err;
  }
}
