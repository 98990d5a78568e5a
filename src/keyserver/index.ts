/** The IBE master key server and its client. */
export { startKeyServer, type KeyServer, type KeyServerOptions } from './server.js';
export { createKeyServerClient, type KeyServerClient, type KeyServerClientOptions, type KeyServerParams } from './client.js';
export {
  cachedRevocationStore, identityHash, ldapRevocationStore, memoryRevocationStore, type RevocationStore, type LdapRevocationStoreOptions,
  type CachedRevocationStoreOptions,
} from './revocations.js';
export { loadOrCreateMasterKey, resealMasterKey, masterKeyFile, MasterKeyError, type MasterKey } from './master-key.js';
export { ensureKeyServerPki, keyServerPkiFiles, readTlsPem, GATEWAY_CLIENT_NAME, type KeyServerPki, type TlsPem } from './pki.js';
export { keyServerSettings, revocationContainer, type KeyServerSettings } from './settings.js';
export { keyServerClientFromSettings, keyServerRevocations, keyServerTls } from './wiring.js';
