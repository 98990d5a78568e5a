/**
 * The firewall's typed view of the configuration (schemas/config/firewall.schema.json
 * with its defaults applied), and the checks the schema cannot express: address
 * lists must parse, an audit file must be named, the hop needs its secret.
 */
import { isIP } from 'node:net';
import type { Config } from '../config/types.js';
import { registerCrossCheck } from '../config/checks.js';
import { normalizeDn } from './dn.js';

export interface LimiterSettings { points: number; durationSeconds: number; blockSeconds: number }

/** Where rate-limit counts live; `url` is required for `redis` (checked below). */
export interface RateLimitStoreSettings { type: 'memory' | 'redis'; url?: string; keyPrefix: string; commandTimeoutMs: number }

export interface FirewallSettings {
  host: string;
  port: number;
  tls: { certFile?: string; keyFile?: string; clientCaFile?: string; minVersion: 'TLSv1.2' | 'TLSv1.3' };
  gatewayUrl?: string;
  trustedProxies: string[];
  clientIps: { allow?: string[]; deny: string[] };
  limits: {
    maxBodyBytes: number;
    maxHeaderCount: number;
    maxHeaderBytes: number;
    headersTimeoutMs: number;
    bodyTimeoutMs: number;
    requestTimeoutMs: number;
    keepAliveTimeoutMs: number;
    xml: XmlLimits;
  };
  rateLimits: {
    store: RateLimitStoreSettings;
    perIp: LimiterSettings;
    perApplication: LimiterSettings;
    perPrincipal: LimiterSettings;
    loginPerPrincipal: LimiterSettings;
    loginPerIp: LimiterSettings;
  };
  appSecretCacheSeconds: number;
  audit: { destination: 'stdout' | 'file' | 'off'; logFile?: string };
  upstream: { connections: number; headersTimeoutMs: number; bodyTimeoutMs: number };
}

export interface XmlLimits { maxDepth: number; maxElements: number; maxAttributes: number; maxNameLength: number }

/** An application as the firewall reads it (schemas/config/applications.schema.json). */
export interface ApplicationPolicy {
  id: string;
  secretHash?: string;
  clientCertificateSubject?: string;
  userCredentialsOnDsml: boolean;
  encryption: 'optional' | 'required';
  access: { endpoints: string[]; operations: string[]; subtrees: string[] };
  clientIps: { allow?: string[]; deny: string[] };
}

export function firewallSettings(config: Config): FirewallSettings {
  return config.firewall as unknown as FirewallSettings;
}

export function applicationPolicies(config: Config): ApplicationPolicy[] {
  return config.applications as unknown as ApplicationPolicy[];
}

/** Where the gateway listens, as an origin for the proxy. */
export function gatewayOrigin(config: Config): string {
  const url = firewallSettings(config).gatewayUrl ?? `http://${config.gateway.host}:${config.gateway.port}`;
  return new URL(url).origin;
}

/** `10.0.0.0/8`, `2001:db8::/32` or a bare address; undefined when it does not parse. */
export function parseCidr(text: string): { address: string; prefix: number; family: 'ipv4' | 'ipv6' } | undefined {
  const [address = '', prefixText, extra] = text.trim().split('/');
  if (extra !== undefined) return undefined;
  const version = isIP(address);
  if (version === 0) return undefined;
  const max = version === 4 ? 32 : 128;
  const prefix = prefixText === undefined ? max : /^\d{1,3}$/.test(prefixText) ? Number(prefixText) : NaN;
  if (!(prefix >= 0 && prefix <= max)) return undefined;
  return { address, prefix, family: version === 4 ? 'ipv4' : 'ipv6' };
}

function listProblems(key: string, list: unknown): string[] {
  if (!Array.isArray(list)) return [];
  return list.flatMap((entry, i) => (typeof entry === 'string' && parseCidr(entry) ? [] : [`${key}[${i}]: "${String(entry)}" is not an IP address or CIDR block`]));
}

/** Every problem at once, as `key: message` lines (also registered as a configuration cross-check). */
export function firewallConfigProblems(config: Config): string[] {
  const fw = firewallSettings(config);
  const problems = [
    ...listProblems('firewall.trustedProxies', fw.trustedProxies),
    ...listProblems('firewall.clientIps.allow', fw.clientIps?.allow),
    ...listProblems('firewall.clientIps.deny', fw.clientIps?.deny),
  ];
  if (fw.audit?.destination === 'file' && !fw.audit.logFile) problems.push('firewall.audit.logFile: is required when destination is "file"');
  const store = fw.rateLimits?.store;
  if (store?.type === 'redis' && !store.url) problems.push('firewall.rateLimits.store.url: is required when type is "redis"');
  const limits = fw.limits;
  if (limits && limits.requestTimeoutMs < Math.max(limits.headersTimeoutMs, limits.bodyTimeoutMs)) {
    problems.push('firewall.limits.requestTimeoutMs: must be at least headersTimeoutMs and bodyTimeoutMs (it is the backstop behind them)');
  }
  applicationPolicies(config).forEach((app, i) => {
    problems.push(...listProblems(`applications[${i}].clientIps.allow`, app.clientIps?.allow));
    problems.push(...listProblems(`applications[${i}].clientIps.deny`, app.clientIps?.deny));
    (app.access?.subtrees ?? []).forEach((dn, j) => {
      if (normalizeDn(dn) === undefined) problems.push(`applications[${i}].access.subtrees[${j}]: "${dn}" is not a DN`);
    });
    if (app.clientCertificateSubject !== undefined && normalizeDn(app.clientCertificateSubject) === undefined) {
      problems.push(`applications[${i}].clientCertificateSubject: "${app.clientCertificateSubject}" is not a DN`);
    }
  });
  return problems;
}

registerCrossCheck(firewallConfigProblems);
