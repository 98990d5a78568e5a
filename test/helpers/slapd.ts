/**
 * A real OpenLDAP slapd for integration tests: its own cn=config and mdb
 * database in a temporary directory, on free loopback ports, optionally with
 * ldaps and StartTLS from the test CA, seeded from LDIF with slapadd before it
 * starts. The mdb database carries the syncprov overlay so `contextCSN` can be
 * read from the suffix entry (change polling), and on request the
 * password-policy overlay and access rules of the test's own. Needs the Debian
 * packages `slapd` and `ldap-utils` and runs as root (slapd keeps root's
 * identity: no -u).
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Client, ResultCodeError } from 'ldapts';
import { retryOnAddressInUse } from './ports.js';
import { issueCert, makeTestCa, type IssuedCert, type TestCa } from './test-ca.js';

const execFileAsync = promisify(execFile);

const SLAPD = process.env.DIRGATE_SLAPD ?? '/usr/sbin/slapd';
const SLAPADD = process.env.DIRGATE_SLAPADD ?? '/usr/sbin/slapadd';
const SCHEMA_DIR = '/etc/ldap/schema';
const MODULE_DIR = '/usr/lib/ldap';
const HOST = '127.0.0.1';
const READY_TIMEOUT_MS = 10_000;
const STOP_TIMEOUT_MS = 5_000;

export interface SlapdOptions {
  suffix: string;
  /** LDIF file paths or LDIF text (anything with a line break is text), loaded in order. */
  ldif?: string | string[];
  rootPassword?: string;
  /** Adds an ldaps listener and StartTLS, with a server certificate from the test CA. */
  tls?: boolean;
  /** Extra schemas: names in /etc/ldap/schema (`misc`, `ppolicy`) or paths of schema LDIF files. */
  extraSchemas?: string[];
  /** Refuses operations on connections without TLS (olcSecurity tls=1); needs `tls`. */
  requireTls?: boolean;
  /**
   * The database's access rules (olcAccess values, without the `{n}` index), in order.
   * Default: a user writes their own entry and password, anyone binds, everyone reads the rest.
   */
  access?: string[];
  /**
   * Adds the password-policy overlay (ppolicy) with this default policy entry (put it
   * in the LDIF); cleartext passwords written over LDAP are hashed, as in production.
   */
  passwordPolicy?: { defaultPolicyDn: string };
}

const DEFAULT_ACCESS = [
  'to attrs=userPassword by self write by anonymous auth by * none',
  'to * by self write by * read',
];

export interface Slapd {
  url: string;
  ldapsUrl?: string;
  port: number;
  ldapsPort?: number;
  suffix: string;
  rootDn: string;
  rootPassword: string;
  /** The test CA that signed the server certificate (tls only). */
  caPem?: string;
  /** caPem written to a file, for configurations that take a CA file. */
  caFile?: string;
  dataDir: string;
  /** Stops the server and removes its directory. */
  stop(): Promise<void>;
  /** Stops the server but keeps its data and ports, so `restart()` can bring it back (a server that goes away). */
  halt(): Promise<void>;
  /** Stops (unless halted) and starts again on the same ports with the same data. */
  restart(): Promise<void>;
}

// One CA and server certificate per test process: making keys is cheap, but
// there is no reason to do it for every server.
let tlsMaterial: Promise<{ ca: TestCa; server: IssuedCert }> | undefined;
function sharedTlsMaterial(): Promise<{ ca: TestCa; server: IssuedCert }> {
  tlsMaterial ??= (async () => {
    const ca = await makeTestCa({ commonName: 'dirgate slapd test CA' });
    const server = await issueCert(ca, { commonName: 'localhost', dnsNames: ['localhost'], ipAddresses: [HOST, '::1'] });
    return { ca, server };
  })();
  return tlsMaterial;
}

// Whatever a test forgets to stop must not outlive the test process.
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

function schemaPath(nameOrPath: string): string {
  return nameOrPath.includes('/') ? path.resolve(nameOrPath) : path.join(SCHEMA_DIR, `${nameOrPath}.ldif`);
}

function configLdif(o: {
  dir: string; suffix: string; rootDn: string; rootPassword: string; schemas: string[];
  tls?: { caFile: string; certFile: string; keyFile: string }; requireTls?: boolean;
  access: string[]; passwordPolicy?: { defaultPolicyDn: string };
}): string {
  const ldifValue = (v: string) => (/^[ :<]|[\r\n\0]|\s$/.test(v) || /[^\x20-\x7e]/.test(v)
    ? `:: ${Buffer.from(v, 'utf8').toString('base64')}` : `: ${v}`);
  const tls = o.tls
    ? `olcTLSCACertificateFile: ${o.tls.caFile}\nolcTLSCertificateFile: ${o.tls.certFile}\nolcTLSCertificateKeyFile: ${o.tls.keyFile}\n`
      + (o.requireTls ? 'olcSecurity: tls=1\n' : '')
    : '';
  const access = o.access.map((rule, i) => `olcAccess: {${i}}${rule}`).join('\n');
  const ppolicy = o.passwordPolicy
    ? `
dn: olcOverlay={1}ppolicy,olcDatabase={1}mdb,cn=config
objectClass: olcOverlayConfig
objectClass: olcPPolicyConfig
olcOverlay: {1}ppolicy
olcPPolicyDefault${ldifValue(o.passwordPolicy.defaultPolicyDn)}
olcPPolicyHashCleartext: TRUE
`
    : '';
  return `dn: cn=config
objectClass: olcGlobal
cn: config
olcPidFile: ${path.join(o.dir, 'slapd.pid')}
${tls}
dn: cn=module{0},cn=config
objectClass: olcModuleList
cn: module{0}
olcModulePath: ${MODULE_DIR}
olcModuleLoad: {0}back_mdb
olcModuleLoad: {1}syncprov${o.passwordPolicy ? '\nolcModuleLoad: {2}ppolicy' : ''}

dn: cn=schema,cn=config
objectClass: olcSchemaConfig
cn: schema

${o.schemas.map((s) => `include: file://${s}`).join('\n')}

dn: olcDatabase={-1}frontend,cn=config
objectClass: olcDatabaseConfig
objectClass: olcFrontendConfig
olcDatabase: {-1}frontend

dn: olcDatabase={0}config,cn=config
objectClass: olcDatabaseConfig
olcDatabase: {0}config
olcAccess: {0}to * by * none

dn: olcDatabase={1}mdb,cn=config
objectClass: olcDatabaseConfig
objectClass: olcMdbConfig
olcDatabase: {1}mdb
olcSuffix${ldifValue(o.suffix)}
olcRootDN${ldifValue(o.rootDn)}
olcRootPW${ldifValue(o.rootPassword)}
olcDbDirectory: ${path.join(o.dir, 'db')}
olcDbNoSync: TRUE
olcDbIndex: objectClass eq
olcDbIndex: entryCSN,entryUUID eq
${access}

dn: olcOverlay={0}syncprov,olcDatabase={1}mdb,cn=config
objectClass: olcOverlayConfig
objectClass: olcSyncProvConfig
olcOverlay: {0}syncprov
olcSpCheckpoint: 100 10
${ppolicy}`;
}

/** The entry for the suffix itself, when the LDIF does not bring one. */
function suffixEntry(suffix: string): string {
  const first = suffix.split(/(?<!\\),/)[0] ?? '';
  const eq = first.indexOf('=');
  const attr = first.slice(0, eq).trim().toLowerCase();
  const value = first.slice(eq + 1).trim();
  const head = `dn: ${suffix}\n`;
  switch (attr) {
    case 'dc': return `${head}objectClass: dcObject\nobjectClass: organization\ndc: ${value}\no: ${value}\n`;
    case 'o': return `${head}objectClass: organization\no: ${value}\n`;
    case 'ou': return `${head}objectClass: organizationalUnit\nou: ${value}\n`;
    default: throw new Error(`startSlapd: cannot make a suffix entry for ${suffix}; put one in the LDIF`);
  }
}

async function loadLdif(ldif: string | string[] | undefined, suffix: string): Promise<string> {
  const parts = ldif === undefined ? [] : Array.isArray(ldif) ? ldif : [ldif];
  const texts = await Promise.all(parts.map((p) => (/[\r\n]/.test(p) ? p : readFile(p, 'utf8'))));
  const body = texts.map((t) => t.trim()).filter(Boolean).join('\n\n');
  const dnOfSuffix = new RegExp(`^dn:\\s*${suffix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*$`, 'im');
  return (dnOfSuffix.test(body) ? body : `${suffixEntry(suffix)}\n${body}`).trim() + '\n';
}

async function run(cmd: string, args: string[]): Promise<void> {
  try {
    await execFileAsync(cmd, args, { maxBuffer: 4 * 1024 * 1024 });
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`${path.basename(cmd)} failed: ${(e.stderr ?? e.message).trim()}`);
  }
}

function portInUse(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = net.createServer();
    probe.once('error', () => resolve(true));
    probe.listen({ host: HOST, port, exclusive: true }, () => probe.close(() => resolve(false)));
  });
}

async function answers(url: string): Promise<boolean> {
  const client = new Client({ url, timeout: 1000, connectTimeout: 1000 });
  try {
    await client.search('', { scope: 'base', filter: '(objectClass=*)', attributes: ['namingContexts'] });
    return true;
  } catch (err) {
    // An LDAP refusal (confidentialityRequired with requireTls) is an answer too.
    return err instanceof ResultCodeError;
  } finally {
    await client.unbind().catch(() => undefined);
  }
}

interface Running { child: ChildProcess; exited: Promise<number | null>; stderr: () => string }

function spawnSlapd(confDir: string, listeners: string[]): Running {
  // -d 32768 keeps slapd in the foreground and prints only its important messages.
  const child = spawn(SLAPD, ['-F', confDir, '-h', listeners.join(' '), '-d', '32768'], { stdio: ['ignore', 'ignore', 'pipe'] });
  running.add(child);
  let err = '';
  child.stderr?.on('data', (d: Buffer) => { err = (err + d.toString('utf8')).slice(-8192); });
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => { running.delete(child); resolve(code); });
    child.once('error', () => { running.delete(child); resolve(-1); });
  });
  return { child, exited, stderr: () => err };
}

async function startOn(confDir: string, ports: number[], tls: boolean): Promise<Running> {
  const url = `ldap://${HOST}:${ports[0]}`;
  const listeners = [`${url}/`, ...(tls ? [`ldaps://${HOST}:${ports[1]}/`] : [])];
  const proc = spawnSlapd(confDir, listeners);
  let exitCode: number | null | undefined;
  void proc.exited.then((c) => { exitCode = c; });
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (exitCode !== undefined) {
      for (const port of ports) {
        if (await portInUse(port)) throw Object.assign(new Error(`port ${port} is taken`), { code: 'EADDRINUSE' });
      }
      throw new Error(`slapd exited with code ${exitCode}: ${proc.stderr().trim()}`);
    }
    if (await answers(url)) return proc;
    await new Promise((r) => setTimeout(r, 20));
  }
  await stopProcess(proc);
  throw new Error(`slapd did not answer within ${READY_TIMEOUT_MS} ms: ${proc.stderr().trim()}`);
}

async function stopProcess(proc: Running): Promise<void> {
  if (proc.child.exitCode !== null || proc.child.signalCode !== null) return;
  proc.child.kill('SIGTERM');
  const timer = setTimeout(() => proc.child.kill('SIGKILL'), STOP_TIMEOUT_MS);
  await proc.exited;
  clearTimeout(timer);
}

export async function startSlapd(options: SlapdOptions): Promise<Slapd> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'dirgate-slapd-'));
  try {
    const confDir = path.join(dir, 'slapd.d');
    await mkdir(confDir);
    await mkdir(path.join(dir, 'db'));
    const rootDn = `cn=admin,${options.suffix}`;
    const rootPassword = options.rootPassword ?? 'slapd-root-pass';
    let tls: { caFile: string; certFile: string; keyFile: string } | undefined;
    let caPem: string | undefined;
    if (options.tls) {
      const { ca, server } = await sharedTlsMaterial();
      caPem = ca.certPem;
      tls = { caFile: path.join(dir, 'ca.pem'), certFile: path.join(dir, 'server.pem'), keyFile: path.join(dir, 'server.key') };
      await writeFile(tls.caFile, ca.certPem);
      await writeFile(tls.certFile, server.certPem);
      await writeFile(tls.keyFile, server.keyPem, { mode: 0o600 });
    }
    const schemas = ['core', 'cosine', 'inetorgperson', 'nis', ...(options.extraSchemas ?? [])].map(schemaPath);
    const configFile = path.join(dir, 'config.ldif');
    if (options.requireTls && !options.tls) throw new Error('startSlapd: requireTls needs tls');
    await writeFile(configFile, configLdif({
      dir, suffix: options.suffix, rootDn, rootPassword, schemas, tls, requireTls: options.requireTls,
      access: options.access ?? DEFAULT_ACCESS, passwordPolicy: options.passwordPolicy,
    }));
    await run(SLAPADD, ['-n0', '-F', confDir, '-l', configFile]);
    const dataFile = path.join(dir, 'data.ldif');
    await writeFile(dataFile, await loadLdif(options.ldif, options.suffix));
    await run(SLAPADD, ['-n1', '-q', '-F', confDir, '-l', dataFile]);

    const tlsOn = options.tls === true;
    let ports: number[] = [];
    let proc = await retryOnAddressInUse(async (p) => {
      const started = await startOn(confDir, p, tlsOn);
      ports = p;
      return started;
    }, { ports: tlsOn ? 2 : 1 });
    const [port, ldapsPort] = ports as [number, number | undefined];

    let stopped = false;
    return {
      url: `ldap://${HOST}:${port}`,
      ldapsUrl: tlsOn ? `ldaps://${HOST}:${ldapsPort}` : undefined,
      port,
      ldapsPort: tlsOn ? ldapsPort : undefined,
      suffix: options.suffix,
      rootDn,
      rootPassword,
      caPem,
      caFile: tls?.caFile,
      dataDir: dir,
      async stop() {
        if (stopped) return;
        stopped = true;
        await stopProcess(proc);
        await rm(dir, { recursive: true, force: true });
      },
      async halt() {
        await stopProcess(proc);
      },
      async restart() {
        if (stopped) throw new Error('restart after stop');
        await stopProcess(proc);
        proc = await startOn(confDir, ports, tlsOn);
      },
    };
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}
