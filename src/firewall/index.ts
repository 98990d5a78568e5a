/**
 * The identity firewall: the only listener that faces clients. A TLS server
 * (1.2 at least, 1.3 preferred) whose every request passes the pipeline table
 * (pipeline.ts) and is then forwarded, signed, to the gateway (proxy.ts). Run by
 * `dirgate firewall` on its own, and in-process by `dirgate start`.
 */
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Config } from '../config/types.js';
import { DirgateError } from '../errors.js';
import type { Logger } from '../log.js';
import { AppSecretVerifier } from './app-secret.js';
import { compileApplications } from './applications.js';
import { createAuditSink, type AuditSink } from './audit.js';
import { ClientIpResolver } from './client-ip.js';
import type { FirewallServices } from './context.js';
import { IpRules } from './ip-rules.js';
import { GatewayProxy } from './proxy.js';
import { RateLimits, type RateLimiterFactory } from './rate-limits.js';
import { securityHeaders } from './security-headers.js';
import { createClientErrorHandler, createRequestHandler } from './server.js';
import { applicationPolicies, firewallConfigProblems, firewallSettings, gatewayOrigin } from './settings.js';
import { loadTlsMaterial } from './tls-material.js';

export interface FirewallOptions {
  log: Logger;
  /** Where audit lines go; default: what `firewall.audit` says. */
  audit?: AuditSink;
  /** Holds the self-signed certificate when none is configured (`<dataDir>/tls/`). */
  dataDir: string;
  /** Another rate-limiter-flexible store (Redis, ...) for replicas that must share counts. */
  rateLimiters?: RateLimiterFactory;
  /** Where the gateway really listens, when it differs from the configuration (a gateway started on port 0). */
  gatewayUrl?: string;
}

export interface RunningFirewall {
  url: string;
  port: number;
  /** SHA-256 fingerprint of the listener's certificate. */
  fingerprint: string;
  close(): Promise<void>;
}

export async function startFirewall(config: Config, options: FirewallOptions): Promise<RunningFirewall> {
  const { log } = options;
  const problems = firewallConfigProblems(config);
  const hopSecret = config.gateway.hopSecret;
  if (!hopSecret) problems.push('gateway.hopSecret: is required to run the firewall (set DIRGATE_HOP_SECRET)');
  if (problems.length) throw new DirgateError('ERR_CONFIG_INVALID', `invalid firewall configuration:\n  - ${problems.join('\n  - ')}`);

  const settings = firewallSettings(config);
  const limits = settings.limits;
  const tls = await loadTlsMaterial(settings.tls, options.dataDir, log);
  const fw: FirewallServices = {
    settings,
    globalIps: new IpRules(settings.clientIps),
    ipResolver: new ClientIpResolver(settings.trustedProxies),
    apps: compileApplications(applicationPolicies(config)),
    secrets: new AppSecretVerifier(settings.appSecretCacheSeconds),
    limits: new RateLimits(settings.rateLimits, options.rateLimiters, log),
    clientCertificates: tls.clientCa !== undefined,
  };
  const audit = options.audit ?? createAuditSink(settings.audit);
  const upstreamOrigin = options.gatewayUrl ? new URL(options.gatewayUrl).origin : gatewayOrigin(config);
  const proxy = new GatewayProxy(upstreamOrigin, settings.upstream, hopSecret!);
  const headers = securityHeaders();

  const server = https.createServer({
    cert: tls.cert,
    key: tls.key,
    minVersion: settings.tls.minVersion,
    maxVersion: 'TLSv1.3',
    honorCipherOrder: true,
    requestCert: tls.clientCa !== undefined,
    // Verified against `ca` all the same (socket.authorized); refusing here would refuse clients without a certificate.
    rejectUnauthorized: false,
    ca: tls.clientCa,
    ALPNProtocols: ['http/1.1'],
    handshakeTimeout: limits.headersTimeoutMs,
    maxHeaderSize: limits.maxHeaderBytes,
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    connectionsCheckingInterval: Math.min(1000, Math.max(100, Math.floor(limits.headersTimeoutMs / 4))),
    noDelay: true,
  }, createRequestHandler({ fw, proxy, audit, log, headers }));
  server.headersTimeout = limits.headersTimeoutMs;
  server.requestTimeout = limits.requestTimeoutMs;
  server.keepAliveTimeout = limits.keepAliveTimeoutMs;
  // Node's own maxHeadersCount silently drops the lines over it (Host among them, which then earns a bare 400);
  // it stays at Node's default, the byte cap bounds the head, and the header-count check refuses with a reason.
  server.on('clientError', createClientErrorHandler({ audit, headers, log, fw }));
  server.on('tlsClientError', (err: Error) => log.debug('firewall: TLS handshake failed', { error: err.message }));

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(settings.port, settings.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const host = settings.host.includes(':') ? `[${settings.host}]` : settings.host;
  const url = `https://${host}:${port}`;
  log.info('firewall listening', { url, gateway: upstreamOrigin, clientCertificates: fw.clientCertificates, sha256Fingerprint: tls.fingerprint });

  let closing: Promise<void> | undefined;
  return {
    url,
    port,
    fingerprint: tls.fingerprint,
    close() {
      closing ??= (async () => {
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
        await proxy.close();
        await fw.limits.close();
        if (!options.audit) await audit.close?.();
      })();
      return closing;
    },
  };
}

export type { AuditEvent, AuditSink } from './audit.js';
export { MemoryAuditSink, createAuditSink } from './audit.js';
export { REASONS, type Reason } from './reasons.js';
export type { RateLimiterFactory, LimiterName } from './rate-limits.js';
