/**
 * What the identity firewall costs per request, measured side by side in one run
 * with a fixed number of connections (autocannon drives the load from this
 * process; every server runs in its own process so that each one's CPU time per
 * request can be read):
 *
 *   canned    the same DSML search (a) straight to an upstream that answers a
 *             canned batchResponse, (b) through the firewall to it. The upstream
 *             costs almost nothing, so this isolates the firewall's own cost.
 *   gateway   the issue's measure: a session-authenticated DSML search, served
 *             from the gateway's caches, (a) sent to the demo gateway directly
 *             (each request signed for the hop, as the firewall would), (b) sent
 *             through the firewall. The ratio of the firewall's CPU per request
 *             to the gateway's is what the firewall adds to a request's cost.
 *
 *   npx tsx bench/firewall.ts            15 s per side
 *   npx tsx bench/firewall.ts --quick    3 s per side (CI: checks that it runs, not how fast)
 *   options: --connections N (default 16), --seconds N, --only canned|gateway
 *
 * Connections are kept alive, as autocannon does, so TLS handshakes are
 * amortized. autocannon's own sockets do not verify the certificate (it forces
 * that); nothing else in the process is affected.
 */
import 'reflect-metadata';
import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import { createRequire } from 'node:module';
import net, { type AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';

/** The part of autocannon's API used here (the package ships no types). */
interface AutocannonResult {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number };
  errors: number;
  timeouts: number;
  non2xx: number;
}
interface AutocannonRequest { method?: string; path?: string; headers?: Record<string, string>; body?: string }
type Autocannon = (options: Record<string, unknown>) => Promise<AutocannonResult>;
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

const here = fileURLToPath(import.meta.url);
const HOP_SECRET = 'bench-hop-secret-0123456789abcdef';
const CANNED_ANSWER = '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><batchResponse xmlns="urn:oasis:names:tc:DSML:2:0:core"><searchResponse><searchResultEntry dn="uid=alice,ou=people,o=example"><attr name="cn"><value>Alice Example</value></attr><attr name="mail"><value>alice@example.com</value></attr></searchResultEntry><searchResultDone><resultCode code="0"/></searchResultDone></searchResponse></batchResponse></soap:Body></soap:Envelope>';

function searchBody(dn: string, attributes: string[] = []): string {
  const wanted = attributes.length ? `<attributes>${attributes.map((a) => `<attribute name="${a}"/>`).join('')}</attributes>` : '';
  return `<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><batchRequest xmlns="urn:oasis:names:tc:DSML:2:0:core" requestID="1"><searchRequest dn="${dn}" scope="baseObject" derefAliases="neverDerefAliases" sizeLimit="10"><filter><present name="objectClass"/></filter>${wanted}</searchRequest></batchRequest></soap:Body></soap:Envelope>`;
}
const SEARCH = searchBody('uid=alice,ou=people,o=example', ['cn', 'mail']);

type Message = { ready: string } | { cpu: NodeJS.CpuUsage };

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function basic(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

// ---- configurations ------------------------------------------------------

const OFF = { points: 0, durationSeconds: 60 };
const HIGH = { points: 100_000_000, durationSeconds: 60 };

/** Limits on but never reached: their cost is part of the measure, their refusals are not. */
function benchFirewall(dataDir: string): Record<string, unknown> {
  return {
    host: '127.0.0.1',
    port: 0,
    rateLimits: { perIp: HIGH, perApplication: OFF, perPrincipal: HIGH, loginPerIp: HIGH, loginPerPrincipal: HIGH },
    audit: { destination: 'file', logFile: path.join(dataDir, 'audit.jsonl') },
  };
}

function cannedConfig(dataDir: string, upstreamUrl: string): Record<string, unknown> {
  return {
    dataDir,
    sources: [{ name: 'corp', urls: ['ldap://127.0.0.1:1'], baseDn: 'dc=corp,dc=example' }],
    views: [{ suffix: 'o=example', branches: [{ name: 'people', dn: 'ou=people,o=example', rdnAttribute: 'uid', primary: { source: 'corp', baseDn: 'ou=people,dc=corp,dc=example' } }] }],
    profile: { source: 'corp', baseDn: 'ou=dirgate,dc=corp,dc=example' },
    opentoken: { password: 'bench-opentoken-password' },
    gateway: { hopSecret: HOP_SECRET },
    firewall: { ...benchFirewall(dataDir), gatewayUrl: upstreamUrl },
    applications: [{ id: 'mobile-demo', access: { operations: ['search'], subtrees: ['ou=people,o=example'] } }],
  };
}

async function demoConfig(dataDir: string): Promise<Record<string, any>> {
  // From load.ts, which knows where the package root is whether run from source or from dist/.
  const { DEMO_CONFIG: demo } = await import('../src/config/load.js');
  const raw = YAML.parse(readFileSync(demo, 'utf8')) as Record<string, any>;
  raw.dataDir = dataDir;
  raw.log = { level: 'error' };
  raw.embedded.port = await freePort();
  raw.gateway.port = await freePort();
  raw.gateway.hopSecret = HOP_SECRET;
  raw.keyserver.port = await freePort();
  raw.firewall = benchFirewall(dataDir);
  // Relative files in the demo (LDIF) are resolved against the demo folder.
  for (const s of raw.embedded.suffixes ?? []) if (s.ldif) s.ldif = path.join(path.dirname(demo), s.ldif);
  raw.applications ??= [{ id: 'mobile-demo', access: { operations: ['search', 'compare'], subtrees: ['o=example'] } }];
  return raw;
}

// ---- child roles ---------------------------------------------------------

function reportCpuOnRequest(): void {
  process.on('message', (m: unknown) => {
    if (m === 'cpu') process.send!({ cpu: process.cpuUsage() } satisfies Message);
    if (m === 'exit') process.exit(0);
  });
}

async function loadConfig(file: string) {
  const { buildConfig } = await import('../src/config/load.js');
  await import('../src/config/registered-checks.js');
  return buildConfig(JSON.parse(await readFile(file, 'utf8')), { env: {} }) as unknown as import('../src/config/types.js').Config;
}

async function runUpstream(): Promise<void> {
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.setHeader('content-type', 'text/xml; charset=utf-8');
      res.end(CANNED_ANSWER);
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  reportCpuOnRequest();
  process.send!({ ready: `http://127.0.0.1:${(server.address() as AddressInfo).port}` } satisfies Message);
}

async function runSystem(configFile: string): Promise<void> {
  const { runParts } = await import('../src/system/run.js');
  const { createLogger } = await import('../src/log.js');
  const system = await runParts(await loadConfig(configFile), ['directory', 'keyserver', 'gateway'], createLogger({ level: 'error' }));
  reportCpuOnRequest();
  process.send!({ ready: system.endpoints.find((e) => e.name === 'gateway')!.url } satisfies Message);
}

async function runFirewall(configFile: string, gatewayUrl: string): Promise<void> {
  const { createLogger } = await import('../src/log.js');
  const { startFirewall } = await import('../src/firewall/index.js');
  const config = await loadConfig(configFile);
  const firewall = await startFirewall(config, { log: createLogger({ level: 'error' }), dataDir: config.dataDir, gatewayUrl });
  reportCpuOnRequest();
  process.send!({ ready: firewall.url } satisfies Message);
}

// ---- the driver ----------------------------------------------------------

function start(role: string, ...args: string[]): Promise<{ child: ChildProcess; url: string }> {
  const child = fork(here, ['--role', role, ...args], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`${role} exited with ${code}`)));
    child.once('message', (m: Message) => ('ready' in m ? resolve({ child, url: m.ready }) : reject(new Error('unexpected message'))));
  });
}

function stop(...children: ChildProcess[]): void {
  for (const child of children) {
    child.removeAllListeners('exit');
    if (child.connected) child.send('exit');
  }
}

function cpuOf(child: ChildProcess): Promise<number> {
  return new Promise((resolve) => {
    child.once('message', (m: Message) => resolve('cpu' in m ? m.cpu.user + m.cpu.system : 0));
    child.send('cpu');
  });
}

interface Side { label: string; rps: number; p50: number; p99: number; total: number; errors: number; cpu: Record<string, number> }

async function measure(label: string, target: Record<string, unknown>, seconds: number, connections: number, processes: Record<string, ChildProcess>): Promise<Side> {
  const options = { method: 'POST', connections, pipelining: 1, ...target };
  await autocannon({ ...options, duration: 1 });
  const before = Object.fromEntries(await Promise.all(Object.entries(processes).map(async ([n, c]) => [n, await cpuOf(c)] as const)));
  const result = await autocannon({ ...options, duration: seconds });
  const cpu: Record<string, number> = {};
  for (const [name, child] of Object.entries(processes)) cpu[name] = (await cpuOf(child)) - before[name]!;
  const total = result.requests.total;
  return {
    label,
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    total,
    errors: result.errors + result.timeouts + result.non2xx,
    cpu: Object.fromEntries(Object.entries(cpu).map(([n, us]) => [n, total ? us / total : 0])),
  };
}

function report(title: string, alone: Side, through: Side, backend: string): boolean {
  console.log(`\n${title}`);
  console.table([alone, through].map((s) => ({
    side: s.label,
    'req/s': Math.round(s.rps),
    'p50 ms': s.p50,
    'p99 ms': s.p99,
    [`${backend} CPU us/req`]: Math.round(s.cpu[backend] ?? 0),
    'firewall CPU us/req': s.cpu.firewall === undefined ? '-' : Math.round(s.cpu.firewall),
    'errors/non-2xx': s.errors,
  })));
  const firewallCpu = through.cpu.firewall ?? 0;
  const backendCpu = alone.cpu[backend] ?? 0;
  console.log(`  throughput through the firewall / ${backend} alone: ${(through.rps / alone.rps).toFixed(2)}`);
  console.log(`  firewall CPU per request / ${backend} CPU per request: ${(firewallCpu / backendCpu).toFixed(2)} (${Math.round(firewallCpu)} us vs ${Math.round(backendCpu)} us): the firewall adds ${Math.round((100 * firewallCpu) / backendCpu)}% to a request's CPU cost`);
  const ok = alone.total > 0 && through.total > 0 && alone.errors === 0 && through.errors === 0;
  if (!ok) console.error(`  ${title}: a side served no request or had errors: the bench did not run as intended`);
  return ok;
}

async function canned(seconds: number, connections: number, dataDir: string): Promise<boolean> {
  const upstream = await start('upstream');
  const configFile = path.join(dataDir, 'canned.json');
  await writeFile(configFile, JSON.stringify(cannedConfig(dataDir, upstream.url)));
  const firewall = await start('firewall', '--config', configFile, '--gateway', upstream.url);
  try {
    const headers = { 'content-type': 'text/xml; charset=utf-8', 'x-dirgate-app': 'mobile-demo', authorization: basic('bench-session', 'T1RLAQbenchsessiontoken') };
    const alone = await measure('upstream alone', { url: `${upstream.url}/dsml`, headers, body: SEARCH }, seconds, connections, { upstream: upstream.child });
    const through = await measure('firewall + upstream', { url: `${firewall.url}/dsml`, headers, body: SEARCH }, seconds, connections, { upstream: upstream.child, firewall: firewall.child });
    return report('canned: the firewall in front of an upstream that costs almost nothing', alone, through, 'upstream');
  } finally {
    stop(upstream.child, firewall.child);
  }
}

function postOverTls(url: string, ca: string, body: string, headers: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = https.request(`${url}/dsml`, { method: 'POST', ca, headers, agent: false }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => { text += c.toString('utf8'); });
      res.on('end', () => resolve(text));
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function gateway(seconds: number, connections: number, dataDir: string): Promise<boolean> {
  const { hopSignature, HOP_HEADERS, IDENTITY_HEADERS, newHopNonce } = await import('../src/firewall/hop-signature.js');
  const configFile = path.join(dataDir, 'demo.json');
  await writeFile(configFile, JSON.stringify(await demoConfig(dataDir)));
  const system = await start('system', '--config', configFile);
  const firewall = await start('firewall', '--config', configFile, '--gateway', system.url);
  try {
    const ca = await readFile(path.join(dataDir, 'tls', 'firewall.crt'), 'utf8');
    const login = await postOverTls(firewall.url, ca, searchBody('ou=sessions,o=gateway'), { 'x-dirgate-app': 'mobile-demo', authorization: basic('alice', 'alice-pass') });
    const sessionId = /<attr name="sessionId"><value>([^<]*)</.exec(login)?.[1];
    const token = /<attr name="sessionToken"><value>([^<]*)</.exec(login)?.[1];
    if (!sessionId || !token) throw new Error(`login through the firewall failed: ${login.slice(0, 300)}`);
    const headers = { 'content-type': 'text/xml; charset=utf-8', 'x-dirgate-app': 'mobile-demo', authorization: basic(sessionId, token) };
    // Straight to the gateway: each request signed as the firewall signs it, with a fresh nonce.
    const signed = (req: AutocannonRequest): AutocannonRequest => {
      const out: Record<string, string> = { ...headers, [IDENTITY_HEADERS.clientIp]: '127.0.0.1', [IDENTITY_HEADERS.requestId]: newHopNonce(), [IDENTITY_HEADERS.appAuth]: 'none' };
      const timestamp = String(Date.now());
      const nonce = newHopNonce();
      out[HOP_HEADERS.timestamp] = timestamp;
      out[HOP_HEADERS.nonce] = nonce;
      out[HOP_HEADERS.signature] = hopSignature(HOP_SECRET, { method: 'POST', path: '/dsml', timestamp, nonce, body: Buffer.from(SEARCH), header: (n) => out[n] });
      return { ...req, headers: out };
    };
    const alone = await measure('gateway alone (signed)', { url: system.url, requests: [{ method: 'POST', path: '/dsml', body: SEARCH, setupRequest: signed }] }, seconds, connections, { gateway: system.child });
    const through = await measure('firewall + gateway', { url: `${firewall.url}/dsml`, headers, body: SEARCH }, seconds, connections, { gateway: system.child, firewall: firewall.child });
    return report('gateway: a session-checked, cached DSML search on the demo gateway', alone, through, 'gateway');
  } finally {
    stop(system.child, firewall.child);
  }
}

async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  const seconds = Number(arg('seconds') ?? (quick ? 3 : 15));
  const connections = Number(arg('connections') ?? 16);
  const only = arg('only');
  console.log(`firewall bench: ${connections} connections, ${seconds} s per side, Node ${process.version}, ${os.cpus().length} cores, load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  let ok = true;
  for (const [name, scenario] of [['canned', canned], ['gateway', gateway]] as const) {
    if (only && only !== name) continue;
    const dataDir = await mkdtemp(path.join(os.tmpdir(), `dirgate-bench-fw-${name}-`));
    try {
      ok = (await scenario(seconds, connections, dataDir)) && ok;
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  }
  if (!ok) process.exitCode = 1;
}

const role = arg('role');
if (role === 'upstream') await runUpstream();
else if (role === 'system') await runSystem(arg('config')!);
else if (role === 'firewall') await runFirewall(arg('config')!, arg('gateway')!);
else await main();
