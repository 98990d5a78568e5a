/**
 * The validated configuration, as the code sees it after defaults are applied.
 * schemas/config.schema.json is the source of truth; these types follow it.
 * Sections still typed loosely (`Record<string, unknown>`) are read through the
 * owning module's own narrower type.
 */
export interface LogConfig { level: string; file?: string }

export interface EmbeddedSuffixConfig { suffix: string; ldif?: string; admin: { dn: string; password: string }; adminOnlySubtrees?: string[] }
export interface EmbeddedConfig { enabled: boolean; host: string; port: number; suffixes: EmbeddedSuffixConfig[] }

export interface SourceConfig {
  name: string;
  urls: string[];
  baseDn: string;
  bind?: { dn: string; password: string };
  readOnly: boolean;
  pool: { size: number };
  timeouts: { connectMs: number; operationMs: number };
  failover: { backoffMs: number; maxBackoffMs: number };
  tls: { startTls: boolean; caFile?: string; servername?: string };
  /** Attributes always read as bytes, beside the well-known binary ones. */
  binaryAttributes?: string[];
}

export interface ProfileConfig { source: string; baseDn: string }

export interface SourceBranchConfig { source: string; baseDn: string; filter?: string }
export interface ContributorConfig extends SourceBranchConfig {
  required: boolean;
  attributes: string[];
  /** New identities get a record here too (named by rdnAttribute), deleted with them. */
  provision?: { rdnAttribute: string; objectClasses: string[]; copy?: string[] };
}
export interface BranchConfig {
  name: string;
  dn: string;
  primary: SourceBranchConfig;
  rdnAttribute: string;
  contributors: ContributorConfig[];
  correlation?: { attributes: string[]; normalize: Array<'lowercase' | 'trim' | 'collapse-spaces' | 'digits-only'> };
  orphans: 'ignore' | 'unresolved';
  attributeMap: Array<{ view: string; source: string; sourceAttribute: string; transform: 'none' | 'lowercase' | 'uppercase' | 'trim' }>;
  objectClassMap: Array<{ view: string; source: string; sourceObjectClass: string }>;
  limits: { sizeLimit: number; timeLimitSeconds: number; refuseUnindexedSubstrings: boolean; indexedAttributes: string[] };
  partialResults: 'unavailable' | 'adminLimitExceeded';
  /** Attributes kept in the extended profile rather than in any source. */
  profile?: { attributes: string[]; container?: string; objectClasses?: string[] };
  reconcileSeconds?: number;
}
export interface ViewConfig { suffix: string; branches: BranchConfig[] }

export interface CacheConfig { enabled: boolean; maxEntries: number; maxBytes: number; ttlSeconds: number; refreshSeconds: number; maxResultEntries?: number }

export interface GatewayConfig { host: string; port: number; hopSecret?: string; keyserverUrl?: string; keyserverTimeoutMs: number; pagingSecret?: string }
export interface FirewallConfig {
  host: string;
  port: number;
  tls: { certFile?: string; keyFile?: string; clientCaFile?: string };
  gatewayUrl?: string;
  [key: string]: unknown;
}
export interface KeyserverConfig { host: string; port: number; kek?: string; [key: string]: unknown }

export interface AccessRule {
  name?: string;
  who: string;
  subtrees: string[];
  operations: Array<'read' | 'write' | 'sessions' | 'provision'>;
  attributes?: string[];
}

export interface Config {
  /** Absolute path of the file this was loaded from (undefined for in-memory configurations). */
  configFile?: string;
  dataDir: string;
  log: LogConfig;
  embedded?: EmbeddedConfig;
  sources: SourceConfig[];
  profile?: ProfileConfig;
  views: ViewConfig[];
  cache: CacheConfig;
  gateway: GatewayConfig;
  firewall: FirewallConfig;
  keyserver: KeyserverConfig;
  applications: Array<Record<string, unknown>>;
  sessions: Record<string, unknown>;
  opentoken: Record<string, unknown>;
  jwtSigners: Array<Record<string, unknown>>;
  scripts: Record<string, unknown>;
  dsml: Record<string, unknown>;
  access: { rules: AccessRule[] };
  spml: Record<string, unknown>;
}
