/**
 * Test bench for the firewall: a recording upstream (a plain node:http server
 * standing in for the gateway: it is the gateway's contract, path, headers and
 * body, that the proxy must honour), a firewall on a loopback port with a
 * certificate from the test CA, and HTTPS clients that trust that CA and nothing
 * else.
 */
import 'reflect-metadata';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import tls from 'node:tls';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { buildConfig } from '../../../src/config/load.js';
import type { Config } from '../../../src/config/types.js';
import { silentLogger } from '../../../src/log.js';
import { MemoryAuditSink, startFirewall, type AuditEvent, type RunningFirewall } from '../../../src/firewall/index.js';
import { makeTestCa, issueCert, type TestCa } from '../../helpers/test-ca.js';

export const HOP_SECRET = 'test-hop-secret-0123456789abcdef';

export interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface Upstream {
  url: string;
  seen: Seen[];
  /** Replaces the answer for the following requests. */
  answer: (req: Seen, res: http.ServerResponse) => void;
  close(): Promise<void>;
}

export const DSML_OK = '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><batchResponse xmlns="urn:oasis:names:tc:DSML:2:0:core"/></soap:Body></soap:Envelope>';

export async function startUpstream(): Promise<Upstream> {
  const seen: Seen[] = [];
  const upstream: Upstream = {
    url: '',
    seen,
    answer: (_req, res) => {
      res.setHeader('content-type', 'text/xml; charset=utf-8');
      res.setHeader('x-powered-by', 'Express');
      res.end(DSML_OK);
    },
    close: async () => {},
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const record = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      seen.push(record);
      upstream.answer(record, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  upstream.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  upstream.close = () => new Promise<void>((resolve) => { server.close(() => resolve()); server.closeAllConnections(); });
  return upstream;
}

export interface Pki {
  ca: TestCa;
  dir: string;
  certFile: string;
  keyFile: string;
  clientCaFile: string;
}

/** A CA, a server certificate for 127.0.0.1, written to a temp folder. */
export async function makePki(): Promise<Pki> {
  const ca = await makeTestCa();
  const server = await issueCert(ca, { commonName: 'firewall.test', ipAddresses: ['127.0.0.1'], dnsNames: ['localhost'] });
  const dir = await mkdtemp(path.join(os.tmpdir(), 'dirgate-fw-'));
  const pki = { ca, dir, certFile: path.join(dir, 'cert.pem'), keyFile: path.join(dir, 'key.pem'), clientCaFile: path.join(dir, 'client-ca.pem') };
  await writeFile(pki.certFile, server.chainPem);
  await writeFile(pki.keyFile, server.keyPem, { mode: 0o600 });
  await writeFile(pki.clientCaFile, ca.certPem);
  return pki;
}

export const BASE_APPS = [
  { id: 'mobile-demo', access: { endpoints: ['/dsml', '/spml', '/sso'], operations: ['search', 'compare', 'modify', 'spml-read'], subtrees: ['ou=people,o=example'] } },
];

/** A validated configuration: the firewall's section and applications from the test, everything else minimal. */
export function makeConfig(upstreamUrl: string, firewall: Record<string, unknown> = {}, applications: unknown[] = BASE_APPS): Config {
  return buildConfig({
    sources: [{ name: 'corp', urls: ['ldap://127.0.0.1:1'], baseDn: 'dc=corp,dc=example' }],
    views: [{ suffix: 'o=example', branches: [{ name: 'people', dn: 'ou=people,o=example', rdnAttribute: 'uid', primary: { source: 'corp', baseDn: 'ou=people,dc=corp,dc=example' } }] }],
    profile: { source: 'corp', baseDn: 'ou=dirgate,dc=corp,dc=example' },
    opentoken: { password: 'test-opentoken-password' },
    gateway: { hopSecret: HOP_SECRET },
    firewall: { host: '127.0.0.1', port: 0, gatewayUrl: upstreamUrl, ...firewall },
    applications,
  }, { env: {} }) as Config;
}

export interface Bench {
  upstream: Upstream;
  firewall: RunningFirewall;
  audit: MemoryAuditSink;
  pki: Pki;
  config: Config;
  close(): Promise<void>;
}

export async function startBench(options: { firewall?: Record<string, unknown>; applications?: unknown[]; pki?: Pki } = {}): Promise<Bench> {
  const upstream = await startUpstream();
  const pki = options.pki ?? (await makePki());
  const config = makeConfig(upstream.url, {
    tls: { certFile: pki.certFile, keyFile: pki.keyFile, clientCaFile: pki.clientCaFile },
    audit: { destination: 'off' },
    ...options.firewall,
  }, options.applications);
  const audit = new MemoryAuditSink();
  const firewall = await startFirewall(config, { log: silentLogger(), audit, dataDir: pki.dir });
  return {
    upstream, firewall, audit, pki, config,
    async close() {
      await firewall.close();
      await upstream.close();
      if (!options.pki) await rm(pki.dir, { recursive: true, force: true });
    },
  };
}

export interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface SendOptions {
  method?: string;
  path?: string;
  headers?: Record<string, string | string[]>;
  body?: string | Buffer;
  localAddress?: string;
  cert?: string;
  key?: string;
}

/** One HTTPS request to the firewall, trusting only the test CA. */
export function send(bench: Bench, options: SendOptions = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = https.request({
      host: '127.0.0.1',
      port: bench.firewall.port,
      method: options.method ?? 'POST',
      path: options.path ?? '/dsml',
      headers: options.headers ?? {},
      ca: bench.pki.ca.certPem,
      cert: options.cert,
      key: options.key,
      localAddress: options.localAddress,
      agent: false,
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

/** A raw TLS connection to the firewall, for requests no well-behaved client would send. */
export function connectRaw(bench: Bench, localAddress?: string): Promise<tls.TLSSocket> {
  return new Promise((resolve, reject) => {
    const tcp = net.connect({ host: '127.0.0.1', port: bench.firewall.port, localAddress });
    const socket = tls.connect({ socket: tcp, host: '127.0.0.1', ca: bench.pki.ca.certPem }, () => resolve(socket));
    socket.once('error', reject);
  });
}

/** Everything the server sends until it closes the connection. */
export function readAll(socket: tls.TLSSocket): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', () => resolve(Buffer.concat(chunks).toString('utf8')));
    socket.on('close', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });
}

export function dsmlSearch(dn: string, options: { requestId?: string; envelope?: boolean } = {}): string {
  const batch = `<batchRequest xmlns="urn:oasis:names:tc:DSML:2:0:core"${options.requestId ? ` requestID="${options.requestId}"` : ''}><searchRequest dn="${dn}" scope="baseObject" derefAliases="neverDerefAliases"><filter><present name="objectClass"/></filter></searchRequest></batchRequest>`;
  if (options.envelope === false) return batch;
  return `<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>${batch}</soap:Body></soap:Envelope>`;
}

export function dsmlBatch(inner: string): string {
  return `<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><batchRequest xmlns="urn:oasis:names:tc:DSML:2:0:core">${inner}</batchRequest></soap:Body></soap:Envelope>`;
}

export const APP = { 'x-dirgate-app': 'mobile-demo', 'content-type': 'text/xml; charset=utf-8' };

export function basic(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}

/** The audit line of the last request. */
export function lastAudit(bench: Bench): AuditEvent {
  const event = bench.audit.events.at(-1);
  if (!event) throw new Error('no audit line was written');
  return event;
}

/** The reason in a SOAP Fault's detail. */
export function faultReason(body: string): string | undefined {
  return /<dg:reason[^>]*>([^<]*)<\/dg:reason>/.exec(body)?.[1];
}

/** A legitimate request still goes through (the firewall kept serving after a refusal). */
export async function assertStillServes(bench: Bench): Promise<void> {
  const before = bench.upstream.seen.length;
  const reply = await send(bench, { headers: APP, body: dsmlSearch('uid=alice,ou=people,o=example') });
  if (reply.status !== 200 || bench.upstream.seen.length !== before + 1) {
    throw new Error(`a legitimate request was not served afterwards (status ${reply.status})`);
  }
}
