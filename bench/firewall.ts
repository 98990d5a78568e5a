/**
 * What the identity firewall costs per request: in one run, the same DSML search
 * sent with a fixed number of connections (a) straight to an upstream that plays
 * the gateway and (b) through the firewall (TLS, screening, policy, rate limits,
 * audit to a file, signed hop) to that same upstream. The upstream and the
 * firewall run in their own processes so that each one's CPU time per request
 * can be read; autocannon drives the load from this process.
 *
 *   npx tsx bench/firewall.ts            15 s per side
 *   npx tsx bench/firewall.ts --quick    3 s per side (CI: checks that it runs, not how fast)
 *   options: --connections N (default 16), --seconds N
 *
 * The upstream answers a canned batchResponse, so it stands for a gateway whose
 * answer costs almost nothing (a cache hit at its cheapest): the ratio printed is
 * therefore the firewall's cost against the least a gateway can cost, an upper
 * bound for its share of a real request. Connections are kept alive, as
 * autocannon does, so TLS handshakes are amortized; autocannon's own sockets do
 * not verify the certificate (it forces that), nothing else in the process is
 * affected.
 */
import 'reflect-metadata';
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

/** The part of autocannon's API used here (the package ships no types). */
interface AutocannonResult {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number };
  errors: number;
  timeouts: number;
  non2xx: number;
}
type Autocannon = (options: Record<string, unknown>) => Promise<AutocannonResult>;
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

const here = fileURLToPath(import.meta.url);
const HOP_SECRET = 'bench-hop-secret-0123456789abcdef';
const ANSWER = '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><batchResponse xmlns="urn:oasis:names:tc:DSML:2:0:core"><searchResponse><searchResultEntry dn="uid=alice,ou=people,o=example"><attr name="cn"><value>Alice Example</value></attr><attr name="mail"><value>alice@example.com</value></attr></searchResultEntry><searchResultDone><resultCode code="0"/></searchResultDone></searchResponse></batchResponse></soap:Body></soap:Envelope>';
const SEARCH = '<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><batchRequest xmlns="urn:oasis:names:tc:DSML:2:0:core" requestID="1"><searchRequest dn="ou=people,o=example" scope="singleLevel" derefAliases="neverDerefAliases" sizeLimit="10"><filter><equalityMatch name="uid"><value>alice</value></equalityMatch></filter><attributes><attribute name="cn"/><attribute name="mail"/></attributes></searchRequest></batchRequest></soap:Body></soap:Envelope>';
const HEADERS = {
  'content-type': 'text/xml; charset=utf-8',
  'x-dirgate-app': 'mobile-demo',
  // A session credential (the password is an OpenToken), so no request counts as a login.
  authorization: `Basic ${Buffer.from('bench-session:T1RLAQbenchsessiontoken').toString('base64')}`,
};

type Message = { ready: string } | { cpu: NodeJS.CpuUsage };

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

// ---- child roles ---------------------------------------------------------

function reportCpuOnRequest(): void {
  process.on('message', (m: unknown) => {
    if (m === 'cpu') process.send!({ cpu: process.cpuUsage() } satisfies Message);
    if (m === 'exit') process.exit(0);
  });
}

async function runUpstream(): Promise<void> {
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.setHeader('content-type', 'text/xml; charset=utf-8');
      res.end(ANSWER);
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  reportCpuOnRequest();
  process.send!({ ready: `http://127.0.0.1:${(server.address() as AddressInfo).port}` } satisfies Message);
}

async function runFirewall(upstreamUrl: string, dataDir: string): Promise<void> {
  const { buildConfig } = await import('../src/config/load.js');
  const { createLogger } = await import('../src/log.js');
  const { startFirewall } = await import('../src/firewall/index.js');
  const off = { points: 0, durationSeconds: 60 };
  const config = buildConfig({
    sources: [{ name: 'corp', urls: ['ldap://127.0.0.1:1'], baseDn: 'dc=corp,dc=example' }],
    views: [{ suffix: 'o=example', branches: [{ name: 'people', dn: 'ou=people,o=example', rdnAttribute: 'uid', primary: { source: 'corp', baseDn: 'ou=people,dc=corp,dc=example' } }] }],
    profile: { source: 'corp', baseDn: 'ou=dirgate,dc=corp,dc=example' },
    opentoken: { password: 'bench-opentoken-password' },
    gateway: { hopSecret: HOP_SECRET },
    firewall: {
      host: '127.0.0.1', port: 0, gatewayUrl: upstreamUrl,
      // Limits on, but high enough that the load is never refused: their cost is part of the measure.
      rateLimits: { perIp: { points: 10_000_000, durationSeconds: 60 }, perApplication: off, perPrincipal: { points: 10_000_000, durationSeconds: 60 } },
      audit: { destination: 'file', logFile: path.join(dataDir, 'audit.jsonl') },
    },
    applications: [{ id: 'mobile-demo', access: { operations: ['search'], subtrees: ['ou=people,o=example'] } }],
  }, { env: {} });
  const firewall = await startFirewall(config as never, { log: createLogger({ level: 'error' }), dataDir });
  reportCpuOnRequest();
  process.send!({ ready: firewall.url } satisfies Message);
}

// ---- the driver ----------------------------------------------------------

function start(role: string, ...args: string[]): Promise<{ child: ChildProcess; url: string }> {
  const child = fork(here, [`--role`, role, ...args], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`${role} exited with ${code}`)));
    child.once('message', (m: Message) => ('ready' in m ? resolve({ child, url: m.ready }) : reject(new Error('unexpected message'))));
  });
}

function cpuOf(child: ChildProcess): Promise<number> {
  return new Promise((resolve) => {
    child.once('message', (m: Message) => resolve('cpu' in m ? m.cpu.user + m.cpu.system : 0));
    child.send('cpu');
  });
}

interface Side { label: string; rps: number; p50: number; p99: number; total: number; errors: number; cpu: Record<string, number> }

async function measure(label: string, url: string, seconds: number, connections: number, processes: Record<string, ChildProcess>): Promise<Side> {
  const options = { url: `${url}/dsml`, method: 'POST' as const, headers: HEADERS, body: SEARCH, connections, pipelining: 1 };
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

async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  const seconds = Number(arg('seconds') ?? (quick ? 3 : 15));
  const connections = Number(arg('connections') ?? 16);
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'dirgate-bench-fw-'));
  const upstream = await start('upstream');
  const firewall = await start('firewall', '--upstream', upstream.url, '--data', dataDir);
  try {
    const alone = await measure('upstream alone', upstream.url, seconds, connections, { upstream: upstream.child });
    const through = await measure('firewall + upstream', firewall.url, seconds, connections, { upstream: upstream.child, firewall: firewall.child });
    const rows = [alone, through].map((s) => ({
      scenario: s.label,
      'req/s': Math.round(s.rps),
      'p50 ms': s.p50,
      'p99 ms': s.p99,
      'upstream CPU us/req': Math.round(s.cpu.upstream ?? 0),
      'firewall CPU us/req': s.cpu.firewall === undefined ? '-' : Math.round(s.cpu.firewall),
      'errors/non-2xx': s.errors,
    }));
    console.log(`\nfirewall bench: ${connections} connections, ${seconds} s per side, Node ${process.version}, ${os.cpus().length} cores\n`);
    console.table(rows);
    const firewallCpu = through.cpu.firewall ?? 0;
    const upstreamCpu = alone.cpu.upstream ?? 0;
    console.log(`throughput through the firewall / upstream alone: ${(through.rps / alone.rps).toFixed(2)}`);
    console.log(`firewall CPU per request / upstream CPU per request: ${(firewallCpu / upstreamCpu).toFixed(2)} (${Math.round(firewallCpu)} us vs ${Math.round(upstreamCpu)} us)`);
    console.log(`latency added at p50: ${(through.p50 - alone.p50).toFixed(2)} ms`);
    if (alone.total === 0 || through.total === 0 || alone.errors || through.errors) {
      console.error('a side served no request or had errors: the bench did not run as intended');
      process.exitCode = 1;
    }
  } finally {
    upstream.child.removeAllListeners('exit');
    firewall.child.removeAllListeners('exit');
    upstream.child.send('exit');
    firewall.child.send('exit');
    await rm(dataDir, { recursive: true, force: true });
  }
}

const role = arg('role');
if (role === 'upstream') await runUpstream();
else if (role === 'firewall') await runFirewall(arg('upstream')!, arg('data')!);
else await main();
