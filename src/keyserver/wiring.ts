/**
 * Turns the configuration into what startKeyServer and createKeyServerClient
 * take: TLS material from the configured files or the internal PKI, and the
 * key server's URL as the gateway sees it.
 */
import type { Config } from '../config/types.js';
import type { LdapSource } from '../directory/sources/types.js';
import { createKeyServerClient, type KeyServerClient } from './client.js';
import { cachedRevocationStore, ldapRevocationStore, memoryRevocationStore, type RevocationStore } from './revocations.js';
import { ensureKeyServerPki, keyServerPkiFiles, readTlsPem, type TlsFiles, type TlsPem } from './pki.js';
import { keyServerSettings, revocationContainer } from './settings.js';

/** The internal PKI's files, made first only when the configuration leaves a file to it. */
async function internalPki(dataDir: string, configured: TlsFiles) {
  return configured.certFile && configured.keyFile && configured.caFile ? keyServerPkiFiles(dataDir) : ensureKeyServerPki(dataDir);
}

/** The key server's own certificate, key and client CA. */
export async function keyServerTls(config: Pick<Config, 'keyserver' | 'dataDir'>): Promise<TlsPem> {
  const settings = keyServerSettings(config);
  const pki = await internalPki(config.dataDir, settings.tls);
  return readTlsPem(settings.tls, { certFile: pki.serverCertFile, keyFile: pki.serverKeyFile, caFile: pki.caFile });
}

/** The gateway's client, with its client certificate; `url` defaults to gateway.keyserverUrl, then the configured host and port. */
export async function keyServerClientFromSettings(
  config: Pick<Config, 'keyserver' | 'dataDir' | 'gateway'>,
  url?: string,
): Promise<KeyServerClient> {
  const settings = keyServerSettings(config);
  const pki = await internalPki(config.dataDir, settings.clientTls);
  const tls = await readTlsPem(settings.clientTls, { certFile: pki.clientCertFile, keyFile: pki.clientKeyFile, caFile: pki.caFile });
  const host = settings.host.includes(':') ? `[${settings.host}]` : settings.host;
  return createKeyServerClient({
    url: url ?? config.gateway.keyserverUrl ?? `https://${host}:${settings.port}`,
    ...tls,
    ...(config.gateway.keyserverTimeoutMs !== undefined ? { timeoutMs: config.gateway.keyserverTimeoutMs } : {}),
  });
}

/**
 * The key server's revocation store: in the extended profile (shared by every
 * key server on the same directory) when `profileSource` is given, cached as
 * `keyserver.revocations.cacheMs` says; otherwise in this process's memory only.
 */
export function keyServerRevocations(
  config: Pick<Config, 'keyserver' | 'profile'>,
  profileSource?: LdapSource,
): RevocationStore & { purgeExpired(): Promise<number> } {
  const settings = keyServerSettings(config);
  const baseDn = revocationContainer(settings, config.profile?.baseDn);
  if (!profileSource || !baseDn) return memoryRevocationStore();
  const ldap = ldapRevocationStore(profileSource, { baseDn });
  return Object.assign(cachedRevocationStore(ldap, { cacheMs: settings.revocations.cacheMs }), { purgeExpired: () => ldap.purgeExpired() });
}
