/**
 * The key server's section of the configuration, as schemas/config/keyserver.schema.json
 * defines it (defaults applied by the loader). Read through this type; the
 * shared Config type keeps the section loose.
 */
import type { Config } from '../config/types.js';
import type { BackendName } from '../ibe/backend.js';

export interface KeyServerSettings {
  host: string;
  port: number;
  /** 64 hex digits; required by the key server itself, not by its clients. */
  kek?: string;
  ibe: { backend: BackendName; workers?: number };
  tls: { certFile?: string; keyFile?: string; caFile?: string };
  /** Client-certificate common names allowed to extract and revoke. */
  clients: string[];
  clientTls: { certFile?: string; keyFile?: string; caFile?: string };
  maxIdentityLifetimeSeconds: number;
  revocations: { baseDn?: string; cacheMs: number; purgeIntervalSeconds: number };
}

/** The section with every default in place, also for configurations built in memory without the schema. */
export function keyServerSettings(config: Pick<Config, 'keyserver'>): KeyServerSettings {
  const raw = config.keyserver as unknown as Partial<KeyServerSettings>;
  return {
    host: raw.host ?? '127.0.0.1',
    port: raw.port ?? 8090,
    kek: raw.kek,
    ibe: { backend: raw.ibe?.backend ?? 'mcl', workers: raw.ibe?.workers },
    tls: raw.tls ?? {},
    clients: raw.clients ?? ['dirgate-gateway'],
    clientTls: raw.clientTls ?? {},
    maxIdentityLifetimeSeconds: raw.maxIdentityLifetimeSeconds ?? 604_800,
    revocations: {
      baseDn: raw.revocations?.baseDn,
      cacheMs: raw.revocations?.cacheMs ?? 1000,
      purgeIntervalSeconds: raw.revocations?.purgeIntervalSeconds ?? 3600,
    },
  };
}

/** Where revoked identities are kept: configured, or beside the sessions in the extended profile. */
export function revocationContainer(settings: KeyServerSettings, profileBaseDn: string | undefined): string | undefined {
  return settings.revocations.baseDn ?? (profileBaseDn ? `ou=ibe-revocations,${profileBaseDn}` : undefined);
}
