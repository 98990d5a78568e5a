/**
 * The configuration the benchmark runs dirgate with: the demo configuration
 * (fixtures/demo/config.yaml: its views, join on mail, access rules, SPML
 * targets, sessions and applications) pointed at the benchmark's two slapd
 * servers instead of the embedded directory, on free ports, with its own data
 * folder, logs to a file at the demo's level, and rate limits raised so that
 * the load is never refused (their cost is still paid on every request).
 */
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { buildConfig, DEMO_CONFIG, parseConfigText } from '../../src/config/load.js';
import type { PeopleDirectory } from './directory.js';
import { CORP_SUFFIX, HR_SUFFIX, PROFILE_BASE } from './people.js';

export const BENCH_APP = 'mobile-demo';
const UNLIMITED = { points: 1_000_000_000, durationSeconds: 60 };

export interface SystemConfigOptions {
  dataDir: string;
  ports: { gateway: number; keyserver: number; firewall: number };
  /** The view's cache on (entries and search results) or off. */
  cache: boolean;
  /** Most joined entries the cache keeps (default: the demo's). */
  cacheMaxEntries?: number;
  cacheMaxBytes?: number;
}

export function systemConfig(dir: PeopleDirectory, o: SystemConfigOptions): Record<string, unknown> {
  const raw = parseConfigText(readFileSync(DEMO_CONFIG, 'utf8'), DEMO_CONFIG) as Record<string, unknown>;
  delete raw.embedded;
  raw.dataDir = o.dataDir;
  raw.log = { level: (raw.log as { level?: string } | undefined)?.level ?? 'info', file: path.join(o.dataDir, 'dirgate.log') };
  raw.sources = [
    { name: 'corp', urls: [dir.corp.url], baseDn: CORP_SUFFIX, bind: { dn: dir.corp.rootDn, password: dir.corp.rootPassword } },
    { name: 'hr', urls: [dir.hr.url], baseDn: HR_SUFFIX, bind: { dn: dir.hr.rootDn, password: dir.hr.rootPassword } },
  ];
  raw.profile = { source: 'corp', baseDn: PROFILE_BASE };
  const cache = { ...(raw.cache as object), enabled: o.cache } as Record<string, unknown>;
  if (o.cacheMaxEntries) cache.maxEntries = o.cacheMaxEntries;
  if (o.cacheMaxBytes) cache.maxBytes = o.cacheMaxBytes;
  raw.cache = cache;
  raw.gateway = { ...(raw.gateway as object), host: '127.0.0.1', port: o.ports.gateway };
  raw.keyserver = { ...(raw.keyserver as object), host: '127.0.0.1', port: o.ports.keyserver };
  raw.firewall = {
    ...(raw.firewall as object),
    host: '127.0.0.1',
    port: o.ports.firewall,
    gatewayUrl: `http://127.0.0.1:${o.ports.gateway}`,
    rateLimits: { perIp: UNLIMITED, perApplication: UNLIMITED, perPrincipal: UNLIMITED, loginPerPrincipal: UNLIMITED, loginPerIp: UNLIMITED },
    audit: { destination: 'file', logFile: path.join(o.dataDir, 'audit.jsonl') },
  };
  // The demo's TOTP enrolment names bob, and its JWT signer an identity provider that does not exist here.
  raw.sessions = { ...(raw.sessions as object), totpEnrolments: [] };
  raw.jwtSigners = [];
  raw.applications = (raw.applications as Array<Record<string, unknown>>).map((a) => ({
    ...a,
    authMethods: (a.authMethods as string[]).filter((m) => m !== 'jwt'),
  }));
  return raw;
}

/** Validates the configuration here (a mistake shows before any child starts) and writes it for the children. */
export async function writeSystemConfig(raw: Record<string, unknown>, file: string): Promise<void> {
  buildConfig(raw, { env: {}, sourceName: 'benchmark configuration' });
  await writeFile(file, JSON.stringify(raw, null, 2), { mode: 0o600 });
}
